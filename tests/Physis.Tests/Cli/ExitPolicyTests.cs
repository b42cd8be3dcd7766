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
    public void ANetworkTooLargeForTheMachineIsRefusedBeforeAnythingIsWritten()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-oom-{Guid.NewGuid():N}");
        // Two hidden layers of 200000 need terabytes: refused from the estimate, not by a failed allocation.
        var (code, _, error) = SolveCommandTests.Physis("solve", "burgers", "--hidden", "200000,200000", "--iterations", "1",
            "--lbfgs-iterations", "0", "--out", folder);
        Assert.Equal(2, code);
        Assert.Matches(new Regex(@"^error: This run needs about [\d.]+ TiB .* but the machine has [\d.]+ [GMT]iB available"),
            Assert.Single(error.Trim().Split('\n')));
        Assert.False(Directory.Exists(folder), "nothing may be written for a run that cannot fit");
    }

    [Fact]
    public void AFailureBeyondBadInputIsOneLineWithTheTraceInALog()
    {
        var error = new StringWriter();
        var before = Console.Error;
        int code;
        try
        {
            Console.SetError(error);
            code = Physis.Cli.Commands.CliErrors.Run(() => throw new InvalidOperationException("the solver diverged\nat step 12"));
        }
        finally
        {
            Console.SetError(before);
        }
        Assert.Equal(1, code);
        string line = Assert.Single(error.ToString().Trim().Split('\n'));
        Assert.StartsWith("error: InvalidOperationException: the solver diverged (the full trace is in ", line);
        string log = Regex.Match(line, @"the full trace is in (\S+)\)$").Groups[1].Value;
        Assert.Contains("at step 12", File.ReadAllText(log));
        Assert.Contains(nameof(AFailureBeyondBadInputIsOneLineWithTheTraceInALog), File.ReadAllText(log));
        File.Delete(log);
    }
}
