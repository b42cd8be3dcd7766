using System.Diagnostics;
using System.Text.Json;
using Physis.Data.NumPy;

namespace Physis.Tests.Cli;

/// <summary>The physis command line, run as a separate process exactly as a user runs it.</summary>
public class SolveCommandTests
{
    internal static (int ExitCode, string Output, string Error) Physis(params string[] args)
    {
        var (process, output, error) = Start(args);
        using (process)
        {
            process.WaitForExit();
            return (process.ExitCode, output.Result, error.Result);
        }
    }

    /// <summary>Starts physis as a child process, its output read in the background.</summary>
    internal static (Process Process, Task<string> Output, Task<string> Error) Start(params string[] args)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "Physis.Cli.dll"));
        foreach (var a in args) start.ArgumentList.Add(a);
        var process = Process.Start(start)!;
        return (process, process.StandardOutput.ReadToEndAsync(), process.StandardError.ReadToEndAsync());
    }

    [Fact]
    public void DivergenceBeyondTheRetriesIsOneLineAndExitCodeOne()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-cli-{Guid.NewGuid():N}");
        try
        {
            var (code, _, error) = Physis("solve", "advection", "--preset", "plain", "--iterations", "20", "--lbfgs-iterations", "0",
                "--domain-points", "50", "--learning-rate", "1e30", "--out", folder);
            Assert.Equal(1, code);
            Assert.StartsWith("error: Training diverged at step", error.Trim());
            Assert.Contains("after 3 rollbacks", error);
            Assert.Single(error.Trim().Split('\n'));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void ResumeUnderAnotherProblemIsRefusedAndTheRunKeptAsItWas()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-cli-{Guid.NewGuid():N}");
        try
        {
            var (code, _, error) = Physis("solve", "advection", "--preset", "plain", "--iterations", "2", "--lbfgs-iterations", "0",
                "--domain-points", "50", "--out", folder);
            Assert.True(code == 0, error);
            string settings = File.ReadAllText(Path.Combine(folder, "settings.json")), run = File.ReadAllText(Path.Combine(folder, "run.json"));
            (code, _, error) = Physis("solve", "advection-80", "--resume", "--out", folder);
            Assert.Equal(2, code);
            Assert.Contains("is not this run: it trained advection, not advection-80", Assert.Single(error.Trim().Split('\n')));
            Assert.Equal(settings, File.ReadAllText(Path.Combine(folder, "settings.json")));
            Assert.Equal(run, File.ReadAllText(Path.Combine(folder, "run.json")));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void UnknownProblemListsTheKnownOnes()
    {
        var (code, _, error) = Physis("solve", "navier-stokes-9d");
        Assert.NotEqual(0, code);
        Assert.Contains("Unknown problem 'navier-stokes-9d'. Known problems: burgers", error);
    }

    [Fact]
    public void HardConstraintsNeedAProblemThatOffersThem()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-cli-{Guid.NewGuid():N}");
        var (code, _, error) = Physis("solve", "kovasznay", "--hard-constraints", "--out", folder);
        Assert.Equal(2, code);
        Assert.Contains("offers no hard constraint", error);
        Assert.False(Directory.Exists(folder), "nothing may be written for invalid input");
    }

    [Fact]
    public void UnwritableOutputFolderFailsBeforeTraining()
    {
        string file = Path.GetTempFileName();
        try
        {
            var (code, _, error) = Physis("solve", "burgers", "--out", Path.Combine(file, "sub"));
            Assert.NotEqual(0, code);
            Assert.Contains("is not writable", error);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void HelpExplainsEveryOption()
    {
        var (code, output, _) = Physis("solve", "--help");
        Assert.Equal(0, code);
        foreach (var option in new[] { "--preset", "--config", "--hard-constraints", "--hidden", "--iterations", "--lbfgs-iterations",
            "--domain-points", "--seed", "--out", "--resume" })
            Assert.Contains(option, output);
    }

    [Fact]
    public void ShortRunWritesEveryOutputAndResumes()
    {
        string folder = Directory.CreateTempSubdirectory("physis-solve").FullName;
        try
        {
            string[] run = ["solve", "burgers", "--preset", "deepxde", "--iterations", "30", "--lbfgs-iterations", "5",
                            "--domain-points", "200", "--boundary-points", "20", "--initial-points", "20", "--out", folder];
            var (code, output, error) = Physis(run);
            Assert.True(code == 0, error);
            Assert.Contains("relative L2 error", output);
            foreach (var file in new[] { "run.json", "loss.csv", "prediction.npz", "prediction.png", "reference.png", "error.png", "loss.png",
                "checkpoint.bin" })
                Assert.True(File.Exists(Path.Combine(folder, file)), $"{file} missing");

            using var record = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json")));
            double error1 = record.RootElement.GetProperty("relative_l2").GetDouble();
            Assert.InRange(error1, 1e-6, 10);
            Assert.Equal(35, record.RootElement.GetProperty("iterations").GetInt32());

            var npz = Npz.Read(Path.Combine(folder, "prediction.npz"));
            Assert.Equal([256], npz["x"].Shape);
            Assert.Equal([100], npz["t"].Shape);
            Assert.Equal([100, 256], npz["u"].Shape);
            Assert.Equal(36, File.ReadAllLines(Path.Combine(folder, "loss.csv")).Length);

            // The run is finished, so resuming trains nothing more and reproduces the same error.
            var (code2, output2, error2) = Physis("solve", "burgers", "--out", folder, "--resume");
            Assert.True(code2 == 0, error2);
            Assert.Contains("resuming", output2);
            using var record2 = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json")));
            Assert.Equal(error1, record2.RootElement.GetProperty("relative_l2").GetDouble());
            Assert.Equal(35, record2.RootElement.GetProperty("resumed_from_step").GetInt32());
            double loss1 = record2.RootElement.GetProperty("final_loss").GetDouble();

            // A finished phase other than the last keeps its count, and the architecture is the stored run's.
            string settings = File.ReadAllText(Path.Combine(folder, "settings.json"));
            var (code3, _, error3) = Physis("solve", "burgers", "--out", folder, "--resume", "--iterations", "50");
            Assert.Equal(2, code3);
            Assert.Contains("has finished its adam phase of 30 iterations", error3);
            var (code4, _, error4) = Physis("solve", "burgers", "--out", folder, "--resume", "--hidden", "8");
            Assert.Equal(2, code4);
            Assert.Contains("--hidden cannot be given", error4);
            Assert.Equal(settings, File.ReadAllText(Path.Combine(folder, "settings.json")));

            // More L-BFGS iterations reopen the finished run's last phase where it stopped.
            var (code5, _, error5) = Physis("solve", "burgers", "--out", folder, "--resume", "--lbfgs-iterations", "12");
            Assert.True(code5 == 0, error5);
            using var record3 = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "run.json")));
            Assert.Equal(42, record3.RootElement.GetProperty("iterations").GetInt32());
            Assert.Equal(12, record3.RootElement.GetProperty("lbfgs_iterations").GetInt32());
            Assert.True(record3.RootElement.GetProperty("final_loss").GetDouble() < loss1, "seven more L-BFGS steps must lower the loss");
            Assert.Equal(43, File.ReadAllLines(Path.Combine(folder, "loss.csv")).Length);
            Assert.Contains("\"lbfgs_iterations\": 12", File.ReadAllText(Path.Combine(folder, "settings.json")));
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void TimeMarchingRunsKeepTheirCountsOnResume()
    {
        string folder = Directory.CreateTempSubdirectory("physis-solve").FullName;
        try
        {
            var (code, _, error) = Physis("solve", "advection", "--preset", "periodic-marching", "--time-windows", "2", "--iterations", "3",
                "--lbfgs-iterations", "0", "--domain-points", "40", "--initial-points", "10", "--out", folder);
            Assert.True(code == 0, error);
            var (code2, _, error2) = Physis("solve", "advection", "--preset", "periodic-marching", "--out", folder, "--resume", "--iterations", "6");
            Assert.Equal(2, code2);
            Assert.Contains("cannot change the iteration counts of a time-marching run", error2);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
