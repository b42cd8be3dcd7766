using System.CommandLine;
using Physis.Export;
using Physis.Runs;
using Physis.Suite.Problems;

namespace Physis.Cli.Commands;

/// <summary>`physis export`: the trained network of a run folder as a file other tools run (ONNX).</summary>
internal static class ExportCommand
{
    private static readonly string[] Formats = ["onnx"];

    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Output folder of a 'physis solve' or 'physis train-operator' run." };
        var format = new Option<string?>("--format") { Description = $"The file format: {string.Join(", ", Formats)}." };
        var output = new Option<string?>("--out") { Description = $"The file to write (default: {OnnxExport.FileName} in the run folder)." };
        var command = new Command("export",
            "Write the trained network of a run as an ONNX model (opset 17, float32): a PINN maps coordinates [n, d] to fields [n, k]; "
            + "a neural operator maps raw input fields [batch, n...] to raw output fields, its normalisers included.")
        {
            model, format, output,
        };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            string folder = parse.GetValue(model)
                ?? throw new ArgumentException("--model DIR is required: the output folder of a solve or train-operator run.");
            string chosen = parse.GetValue(format) ?? throw new ArgumentException($"--format is required; known: {string.Join(", ", Formats)}.");
            if (!Formats.Contains(chosen)) throw new ArgumentException($"Unknown format '{chosen}'; known: {string.Join(", ", Formats)}.");
            string? path = parse.GetValue(output);
            if (path is not null && Path.GetDirectoryName(Path.GetFullPath(path)) is { } parent && !Directory.Exists(parent))
                throw new ArgumentException($"--out: there is no folder '{parent}'.");
            var result = OnnxExport.RunKind(folder) switch
            {
                PinnRun.Kind => Pinn(folder, path),
                OperatorRun.Kind => OnnxExport.Operator(folder, path),
                var kind => throw new ArgumentException($"The run in {folder} is of kind '{kind}'; PINN and operator runs can be exported."),
            };
            Console.WriteLine($"wrote {result.Path}");
            foreach (var input in result.Inputs) Console.WriteLine($"  input  {input}");
            foreach (var o in result.Outputs) Console.WriteLine($"  output {o}");
            return 0;
        }));
        return command;
    }

    /// <summary>A run of a built-in problem, with the hard constraint the problem offers (used when the run's settings switched it on).</summary>
    private static OnnxExportResult Pinn(string folder, string? path)
    {
        var problem = ProblemCatalog.Find(OnnxExport.RunName(folder));
        return OnnxExport.Pinn(problem.Create(), folder, path, problem.HardConstraint);
    }
}
