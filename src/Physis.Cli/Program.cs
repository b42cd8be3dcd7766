using Physis.Cli.Commands;

return PhysisCommandLine.Run(args);
