using System.Diagnostics;

namespace Physis.Cli.Commands;

/// <summary>How to start this program again in a child process (a benchmark cell, a training run, an MPI rank).</summary>
internal static class ThisProgram
{
    /// <summary>
    /// The program and the arguments that come before physis's own: the physis executable alone, or `dotnet` and the
    /// entry assembly when it was run as `dotnet Physis.Cli.dll`.
    /// </summary>
    public static IReadOnlyList<string> Invocation()
    {
        string self = Environment.ProcessPath ?? throw new InvalidOperationException("Cannot find this program's path to start it again.");
        return Path.GetFileNameWithoutExtension(self) == "dotnet" ? [self, typeof(ThisProgram).Assembly.Location] : [self];
    }

    /// <summary>A start of this program with <paramref name="arguments"/>, its output passed through.</summary>
    public static ProcessStartInfo With(IEnumerable<string> arguments) => Start([.. Invocation(), .. arguments]);

    /// <summary>A start of <paramref name="command"/>[0] with the rest as its arguments, its output passed through.</summary>
    public static ProcessStartInfo Start(IReadOnlyList<string> command)
    {
        var start = new ProcessStartInfo(command[0]) { UseShellExecute = false };
        foreach (var argument in command.Skip(1)) start.ArgumentList.Add(argument);
        return start;
    }
}
