using System.Diagnostics;
using Physis.Infrastructure;

namespace Physis.Tests.Engine;

/// <summary>
/// A program outside the repository that references src/Physis/Physis.csproj, or the Physis package packed from it, as a
/// user's first project does: it must build and run with nothing else (no import of build files, no copied native
/// library), restoring offline from the local NuGet cache and, for the package, a local folder source.
/// </summary>
public class ConsumerProjectTests
{
#if DEBUG
    private const string Configuration = "Debug";
#else
    private const string Configuration = "Release";
#endif

    private const string Program = """
        using Physis.Geometry;
        using Physis.Networks;
        using Physis.Problems;
        using Physis.Training;

        // u'' = -1 on [0, 1], u = 0 at both ends: a few Adam steps, enough to call into libtorch.
        var problem = new PdeProblem(new Interval(0, 1), f => f.Dxx("u") + 1, [Condition.Dirichlet("u", 0)]);
        using var network = new Mlp(1, [8], 1, seed: 1);
        using var trainer = new PinnTrainer(problem, network, new Sampling(Domain: 32, Boundary: 2));
        trainer.Train(new AdamPhase(5));
        double loss = trainer.History[^1].Total;
        Console.WriteLine($"loss {loss}");
        Console.WriteLine($"threads {TorchSharp.torch.get_num_threads()}");
        return double.IsFinite(loss) ? 0 : 1;
        """;

    [Fact]
    public void ProgramReferencingTheLibraryProjectBuildsAndTrains()
    {
        string library = Path.Combine(StyleTests.RepositoryRoot(), "src", "Physis", "Physis.csproj");
        // The library is already built by this test run: build only the program, and restore only its own project so the
        // library's obj folder in the repository is left alone.
        BuildAndRun($"""<ProjectReference Include="{library}" />""", "", library, folder => [],
            "-p:BuildProjectReferences=false", "-p:RestoreRecursive=false");
    }

    [Fact]
    public void ProgramReferencingThePackedPackageBuildsAndTrains()
    {
        // A version of its own, so no package of that id and version can come from anywhere but this test's folder.
        string version = $"0.0.0-consumer.{Guid.NewGuid():N}";
        // Packages extract to the program's folder; the local cache serves the library's dependencies without a copy.
        string restore = $"""
            <RestorePackagesPath>$(MSBuildProjectDirectory)/packages</RestorePackagesPath>
            <RestoreFallbackFolders>{PackageCache()}</RestoreFallbackFolders>
            """;
        BuildAndRun($"""<PackageReference Include="Physis" Version="{version}" />""", restore, $"the Physis {version} package",
            folder =>
            {
                string feed = Path.Combine(folder, "feed");
                string library = Path.Combine(StyleTests.RepositoryRoot(), "src", "Physis", "Physis.csproj");
                var pack = Run(folder, Path.Combine(folder, "cache"), "pack", library, "-c", Configuration, "--no-build", "-o", feed,
                    $"-p:PackageVersion={version}", $"-p:NuspecOutputPath={Path.Combine(folder, "nuspec")}");
                Assert.True(pack.ExitCode == 0, $"dotnet pack of the library failed:\n{pack.Output}");
                return [feed];
            });
    }

    /// <summary>
    /// Writes the program with <paramref name="reference"/> in a temporary folder outside the repository, restores it offline
    /// from the sources <paramref name="prepare"/> returns and the local NuGet cache, builds, runs it and checks its output.
    /// </summary>
    private static void BuildAndRun(string reference, string properties, string what, Func<string, string[]> prepare,
        params string[] buildArguments)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-consumer-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            File.WriteAllText(Path.Combine(folder, "Consumer.csproj"), $"""
                <Project Sdk="Microsoft.NET.Sdk">
                  <PropertyGroup>
                    <OutputType>Exe</OutputType>
                    <TargetFramework>net10.0</TargetFramework>
                    <ImplicitUsings>enable</ImplicitUsings>
                    {properties}
                  </PropertyGroup>
                  <ItemGroup>
                    {reference}
                  </ItemGroup>
                </Project>
                """);
            File.WriteAllText(Path.Combine(folder, "Program.cs"), Program);
            // Offline: the only package sources are the prepared ones and the local cache, which already holds what the
            // library's build restored.
            string sources = string.Concat(prepare(folder).Append(PackageCache()).Select((s, i) => $"""<add key="source{i}" value="{s}" />"""));
            File.WriteAllText(Path.Combine(folder, "nuget.config"), $"""
                <configuration>
                  <packageSources><clear />{sources}</packageSources>
                </configuration>
                """);
            string cache = Path.Combine(folder, "cache");
            var build = Run(folder, cache, ["build", "-c", Configuration, .. buildArguments]);
            Assert.True(build.ExitCode == 0, $"The program referencing {what} did not build:\n{build.Output}");
            var run = Run(folder, cache, "exec", Path.Combine(folder, "bin", Configuration, "net10.0", "Consumer.dll"));
            Assert.True(run.ExitCode == 0, $"The program referencing {what} failed (exit {run.ExitCode}):\n{run.Output}");
            Assert.Contains("loss ", run.Output);
            // Without TensorEngine.Configure, the trainer chooses the safe thread count.
            Assert.Contains($"threads {TensorEngine.DefaultThreads}", run.Output);
            if (!LibTorchLoader.SystemProvides(LibTorchLoader.MissingVersion))
                Assert.True(Directory.EnumerateFiles(cache, "libLibTorchSharp.so", SearchOption.AllDirectories).Any(),
                    "This system needs TorchSharp's native library weakened, but the program wrote no weakened copy to its cache.");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void WeakensTheVersionRequirementOnceAndRefusesNonElfFiles()
    {
        string original = Path.Combine(PackageCache(), "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(original), $"{original} is not in the local NuGet cache: restore the solution first.");
        byte[] bytes = File.ReadAllBytes(original);
        Assert.Equal(1, LibTorchLoader.Weaken(bytes, LibTorchLoader.MissingVersion));
        Assert.Equal(0, LibTorchLoader.Weaken(bytes, LibTorchLoader.MissingVersion));
        Assert.Equal(-1, LibTorchLoader.Weaken("not an ELF file, just text"u8.ToArray(), LibTorchLoader.MissingVersion));
    }

    private static (int ExitCode, string Output) Run(string folder, string cache, params string[] arguments)
    {
        var start = new ProcessStartInfo("dotnet", arguments)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["XDG_CACHE_HOME"] = cache;
        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        using var process = Process.Start(start) ?? throw new InvalidOperationException("Could not start dotnet.");
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            return (-1, $"dotnet {string.Join(' ', arguments)} took more than 3 minutes.\n{output.Result}{error.Result}");
        }
        return (process.ExitCode, output.Result + error.Result);
    }

    private static string PackageCache() => Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } set ? set
        : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
}
