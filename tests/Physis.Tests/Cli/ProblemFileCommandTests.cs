using System.Text.Json;

namespace Physis.Tests.Cli;

/// <summary>`physis solve --problem FILE`: the shipped examples run (at a few seconds' budget) as built-in problems do.</summary>
public class ProblemFileCommandTests
{
    private static string Example(string name) => Path.Combine(StyleTests.RepositoryRoot(), "examples", "problems", name);

    private static readonly string[] SmallBudget = ["--iterations", "20", "--lbfgs-iterations", "5", "--domain-points", "200",
        "--boundary-points", "40", "--initial-points", "40", "--periodic-points", "20", "--hidden", "12,12"];

    [Theory]
    [InlineData("burgers.yaml", true)]
    [InlineData("poisson-l-shape.yaml", true)]
    [InlineData("schrodinger.yaml", true)]
    public void EachExampleRunsAndWritesTheRunFiles(string example, bool hasReference)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-problem-{Guid.NewGuid():N}");
        try
        {
            var (code, output, error) = InProcessCli.Physis(["solve", "--problem", Example(example), .. SmallBudget, "--out", folder]);
            Assert.True(code == 0, error);
            Assert.Contains("relative L2 error", output);
            foreach (string name in new[] { "run.json", "loss.csv", "settings.json", "checkpoint.bin", "prediction.npz" })
                Assert.True(File.Exists(Path.Combine(folder, name)), $"{name} is missing: {output}");
            // A header and one row per iteration (L-BFGS may stop early once it has converged).
            int rows = File.ReadAllLines(Path.Combine(folder, "loss.csv")).Length - 1;
            Assert.InRange(rows, 21, 25);
            using var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json")));
            var l2 = run.RootElement.GetProperty("relative_l2");
            Assert.Equal(hasReference, l2.ValueKind == JsonValueKind.Number && double.IsFinite(l2.GetDouble()));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>A problem file's run resumes from its checkpoint; after its boundary value changed, the resume is refused.</summary>
    [Fact]
    public void AProblemFileRunResumesFromItsCheckpointUnlessTheFileChanged()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-problem-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string file = Path.Combine(folder, "poisson.yaml"), run = Path.Combine(folder, "run");
            File.Copy(Example("poisson-l-shape.yaml"), file);
            var (code, _, error) = InProcessCli.Physis("solve", "--problem", file, "--iterations", "10", "--lbfgs-iterations", "3",
                "--domain-points", "100", "--boundary-points", "40", "--hidden", "8", "--checkpoint-every", "5", "--out", run);
            Assert.True(code == 0, error);
            (code, var output, error) = InProcessCli.Physis("solve", "--problem", file, "--resume", "--lbfgs-iterations", "6", "--out", run);
            Assert.True(code == 0, error);
            Assert.Contains("resuming", output);
            // L-BFGS may stop early once it has converged, but not before it continued past the first run's 13 iterations.
            Assert.InRange(File.ReadAllLines(Path.Combine(run, "loss.csv")).Length - 1, 14, 16);

            File.WriteAllText(file, File.ReadAllText(file).Replace("value: sin(pi*x)*cos(pi*y/2)", "value: 0", StringComparison.Ordinal));
            (code, _, error) = InProcessCli.Physis("solve", "--problem", file, "--resume", "--lbfgs-iterations", "9", "--out", run);
            Assert.Equal(2, code);
            Assert.Contains("the definition of poisson-l-shape has changed since it started", error);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
