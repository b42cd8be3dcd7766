namespace Physis.Tests;

/// <summary>
/// The house style's line length (.editorconfig: max_line_length = 150), checked on the sources themselves: every line of
/// the C# files under src/ and tests/, and every line of README.md and docs/*.md except markdown table rows.
/// </summary>
public class StyleTests
{
    private const int MaxLineLength = 150;
    private const int MaxListed = 20;

    [Fact]
    public void CSharpLinesAreAtMost150Characters()
    {
        string root = RepositoryRoot();
        var files = new[] { "src", "tests" }
            .Select(folder => Path.Combine(root, folder))
            .Where(Directory.Exists)
            .SelectMany(folder => Directory.EnumerateFiles(folder, "*.cs", SearchOption.AllDirectories))
            .Where(path => !IsBuildOutput(root, path));
        AssertNoLongLines(root, files, tableRowsAllowed: false);
    }

    [Fact]
    public void MarkdownLinesAreAtMost150CharactersOutsideTables()
    {
        string root = RepositoryRoot();
        var files = new List<string>();
        string readme = Path.Combine(root, "README.md");
        if (File.Exists(readme)) files.Add(readme);
        string docs = Path.Combine(root, "docs");
        if (Directory.Exists(docs)) files.AddRange(Directory.EnumerateFiles(docs, "*.md"));
        AssertNoLongLines(root, files, tableRowsAllowed: true);
    }

    private static void AssertNoLongLines(string root, IEnumerable<string> files, bool tableRowsAllowed)
    {
        var longLines = new List<string>();
        foreach (string path in files.Order(StringComparer.Ordinal))
        {
            string[] lines = File.ReadAllLines(path);
            for (int i = 0; i < lines.Length; i++)
            {
                string line = lines[i];
                if (tableRowsAllowed && line.StartsWith('|')) continue;
                // Characters as an editor counts them: one per Unicode scalar value, whatever its UTF-16 length.
                int length = line.EnumerateRunes().Count();
                if (length > MaxLineLength)
                    longLines.Add($"{Path.GetRelativePath(root, path).Replace('\\', '/')}:{i + 1} ({length} characters)");
            }
        }
        Assert.True(longLines.Count == 0,
            $"{longLines.Count} line(s) longer than {MaxLineLength} characters:\n" + string.Join("\n", longLines.Take(MaxListed))
            + (longLines.Count > MaxListed ? $"\n... and {longLines.Count - MaxListed} more" : ""));
    }

    /// <summary>Whether the file lies in a bin/ or obj/ folder below the repository root.</summary>
    private static bool IsBuildOutput(string root, string path) =>
        Path.GetRelativePath(root, path).Split(Path.DirectorySeparatorChar, Path.AltDirectorySeparatorChar)
            .Any(part => part is "bin" or "obj");

    /// <summary>The folder holding Physis.sln, found by walking up from the test assembly's folder.</summary>
    internal static string RepositoryRoot()
    {
        for (var folder = new DirectoryInfo(AppContext.BaseDirectory); folder is not null; folder = folder.Parent)
            if (File.Exists(Path.Combine(folder.FullName, "Physis.sln"))) return folder.FullName;
        throw new InvalidOperationException($"No folder above {AppContext.BaseDirectory} holds Physis.sln.");
    }
}
