using System.CommandLine;

namespace Physis.Cli.Commands;

internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Benchmarks that compare Physis with a reference run in the same command.");
        return command;
    }
}
