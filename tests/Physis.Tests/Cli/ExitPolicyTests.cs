using System.Text.RegularExpressions;

namespace Physis.Tests.Cli;

/// <summary>Every command's usage errors are one line and exit code 2; a failure beyond bad input is one line and exit code 1.</summary>
public class ExitPolicyTests
{
    [Theory]
    [InlineData("whole number", "solve", "burgers", "--iterations", "abc")]
    [InlineData("whole number", "solve", "burgers", "--seed", "1.5")]
    [InlineData("number", "solve", "burgers", "--learning-rate", "fast")]
    [InlineData("Required argument missing for option: '--iterations'", "solve", "burgers", "--iterations")]
    [InlineData("Unrecognized command or argument '--bogus'", "solve", "burgers", "--bogus")]
    [InlineData("Unrecognized command or argument 'nosuch'", "nosuch")]
    [InlineData("whole number", "train-operator", "fno", "--epochs", "x")]
    [InlineData("number", "train-operator", "fno", "--lr", "x")]
    [InlineData("whole number", "generate", "burgers", "--samples", "many")]
    [InlineData("Unrecognized command or argument '--colour'", "predict", "--colour", "red")]
    [InlineData("number", "bench", "pinn", "--scale", "x")]
    [InlineData("Unrecognized command or argument 'gpu'", "bench", "gpu")]
    public void AParserErrorIsOneLineWithAPointerToHelp(string message, params string[] args)
    {
        var (code, output, error) = SolveCommandTests.Physis(args);
        Assert.Equal(2, code);
        string line = Assert.Single(error.Trim().Split('\n'));
        Assert.Contains(message, line);
        Assert.Matches(new Regex(@"See 'physis( [a-z-]+)* --help'\.$"), line);
        Assert.DoesNotContain("System.", line);
        Assert.Equal("", output.Trim());
    }

    [Fact]
    public void AFailureBeyondBadInputIsOneLineWithTheTraceInALog()
    {
        // With overcommit switched off the allocation would succeed lazily and the pages fill the machine instead.
        if (File.Exists("/proc/sys/vm/overcommit_memory") && File.ReadAllText("/proc/sys/vm/overcommit_memory").Trim() == "1") return;
        string folder = Path.Combine(Path.GetTempPath(), $"physis-oom-{Guid.NewGuid():N}");
        try
        {
            // Two hidden layers of 200000 ask libtorch for 320 GB at once: it refuses at once, whatever the machine.
            var (code, _, error) = SolveCommandTests.Physis("solve", "burgers", "--hidden", "200000,200000", "--iterations", "1",
                "--lbfgs-iterations", "0", "--out", folder);
            Assert.Equal(1, code);
            string line = Assert.Single(error.Trim().Split('\n'));
            Assert.StartsWith("error: not enough memory for this run", line);
            var log = Regex.Match(line, @"the full trace is in (\S+)\)$").Groups[1].Value;
            Assert.True(File.Exists(log), line);
            Assert.Contains("can't allocate memory", File.ReadAllText(log));
            File.Delete(log);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
