using System.CommandLine;
using Physis.Cli.Commands;

var root = new RootCommand("Physis: physics-informed neural networks, neural operators and classical PDE solvers.\n" +
                           "Run 'physis solve burgers' to train a PINN on viscous Burgers and measure it against the exact solution.");
root.Subcommands.Add(SolveCommand.Create());
root.Subcommands.Add(GenerateCommand.Create());
root.Subcommands.Add(GenerateCommand.CreateMerge());
root.Subcommands.Add(GenerateCommand.CreatePlot());
root.Subcommands.Add(TrainOperatorCommand.Create());
root.Subcommands.Add(PredictCommand.Create());
root.Subcommands.Add(BenchCommand.Create());
return root.Parse(args).Invoke();
