using System.CommandLine;
using System.CommandLine.Parsing;

namespace Physis.Cli.Commands;

/// <summary>The `physis` command tree and its entry point, callable in-process (the tests run hundreds of invocations).</summary>
internal static class PhysisCommandLine
{
    public static RootCommand Create()
    {
        var root = new RootCommand("Physis: physics-informed neural networks, neural operators and classical PDE solvers.\n" +
                                   "Run 'physis solve burgers' to train a PINN on viscous Burgers and measure it against the exact solution.");
        root.Subcommands.Add(SolveCommand.Create());
        root.Subcommands.Add(GenerateCommand.Create());
        root.Subcommands.Add(GenerateCommand.CreateMerge());
        root.Subcommands.Add(GenerateCommand.CreatePlot());
        root.Subcommands.Add(ConvertCommand.Create());
        root.Subcommands.Add(TrainOperatorCommand.Create());
        root.Subcommands.Add(PredictCommand.Create());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(BenchCommand.Create());
        return root;
    }

    /// <summary>Runs one invocation and returns its exit code (0, <see cref="CliErrors.Failure"/> or <see cref="CliErrors.BadInput"/>).</summary>
    public static int Run(string[] args)
    {
        var root = Create();
        // Without a command: the overview, as '--help' shows it, and the exit code of a usage error.
        if (args.Length == 0)
        {
            root.Parse(["--help"]).Invoke();
            return CliErrors.BadInput;
        }
        var parse = root.Parse(args);
        // A usage error is one line and exit code 2, like every other bad input; help stays one '--help' away.
        if (parse.Errors.Count > 0)
        {
            var path = new List<string>();
            for (var command = parse.CommandResult; command is not null; command = command.Parent as CommandResult)
                path.Insert(0, command.Command == root ? "physis" : command.Command.Name);
            // "Required command was not provided" comes first for 'physis nosuch'; the unrecognised word says more.
            var error = parse.Errors.FirstOrDefault(e => e.Message.StartsWith("Unrecognized", StringComparison.Ordinal)) ?? parse.Errors[0];
            Console.Error.WriteLine(CliErrors.ParseError(error.Message, string.Join(' ', path)));
            return CliErrors.BadInput;
        }
        return parse.Invoke();
    }
}
