using System.Text.RegularExpressions;

namespace Physis.Tests.Cli;

/// <summary>A failure beyond bad input is one line and exit code 1 (bad input itself: <see cref="BadInvocationTests"/>).</summary>
public class ExitPolicyTests
{
    [Fact]
    public void AFailureBeyondBadInputIsOneLineWithTheTraceInALog()
    {
        var (code, _, error) = InProcessCli.Captured(
            () => Physis.Cli.Commands.CliErrors.Run(() => throw new InvalidOperationException("the solver diverged\nat step 12")));
        Assert.Equal(1, code);
        string line = Assert.Single(error.Trim().Split('\n'));
        Assert.StartsWith("error: InvalidOperationException: the solver diverged (the full trace is in ", line);
        string log = Regex.Match(line, @"the full trace is in (\S+)\)$").Groups[1].Value;
        Assert.Contains("at step 12", File.ReadAllText(log));
        Assert.Contains(nameof(AFailureBeyondBadInputIsOneLineWithTheTraceInALog), File.ReadAllText(log));
        File.Delete(log);
    }
}
