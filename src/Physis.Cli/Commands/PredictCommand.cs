using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Physis.Data;
using Physis.Infrastructure;
using Physis.Runs;
using Physis.Training.Operators;

namespace Physis.Cli.Commands;

internal static class PredictCommand
{
    public static Command Create()
    {
        var model = new Option<string?>("--model") { Description = "Output folder of a 'physis train-operator' run (holds model.bin)." };
        var data = new Option<string?>("--data") { Description = "HDF5 file in the operator layout to evaluate on." };
        var resolution = new Option<int?>("--resolution")
        {
            Description = "Subsample the data to this many points per axis (an FNO evaluates at any resolution that resolves its modes).",
        };
        var samples = new Option<int?>("--samples")
        {
            Description = "Evaluate only the last N samples of the file (its usual test split); default all.",
        };
        var output = new Option<string?>("--out")
        {
            Description = "Folder for predict_<resolution>.json, sample plots and ParaView files (default: the model folder).",
        };
        var vtk = new Option<int?>("--vtk")
        {
            Description = "Also write the first N evaluated samples (input, prediction, target, error) for ParaView: predict_GRID.pvd, "
                + "one step per sample.",
        };
        var batch = new Option<int>("--batch") { Description = "Samples evaluated at a time (sets the peak memory).", DefaultValueFactory = _ => 20 };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for the tensor engine.", DefaultValueFactory = _ => 1 };
        var variables = ConvertCommand.VariableOptions();
        var command = new Command("predict", "Evaluate a saved neural operator on a dataset, possibly at another resolution, and report its errors.")
        {
            model, data, resolution, samples, output, vtk, batch, threads, variables.Input, variables.Output, variables.Samples,
        };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            string folder = parse.GetValue(model)
                ?? throw new ArgumentException("--model DIR is required: the --out folder of a train-operator run.");
            string file = parse.GetValue(data) ?? throw new ArgumentException("--data FILE is required.");
            int threadCount = parse.GetValue(threads);
            TensorEngine.Configure(threadCount);
            var dataset = OperatorDataset.Read(file, ConvertCommand.Variables(parse, variables));
            if (parse.GetValue(resolution) is { } r) dataset = dataset.Subsample(r);
            int fileCount = dataset.Count;
            if (parse.GetValue(samples) is { } n)
            {
                if (n <= 0 || n > dataset.Count) throw new ArgumentException($"--samples must lie in [1, {dataset.Count}]; got {n}.");
                dataset = dataset.Slice(dataset.Count - n, n);
            }
            dataset.RequireNonZeroTargets(file);
            int? vtkSamples = parse.GetValue(vtk);
            if (vtkSamples is < 1 || vtkSamples > dataset.Count)
                throw new ArgumentException($"--vtk must lie in [1, {dataset.Count}] (the samples evaluated); got {vtkSamples}.");
            using var operatorModel = OperatorModel.Load(Path.Combine(folder, OperatorModel.FileName));
            operatorModel.CheckGrid(dataset.Grid);
            var prediction = OperatorTrainer.Predict(operatorModel, dataset, parse.GetValue(batch));
            double relative = OperatorRun.MeanRelativeL2(prediction, dataset);
            double meanSquare = prediction.Zip(dataset.Targets, (p, t) => (p - t) * (p - t)).Average();
            string grid = string.Join("x", dataset.Grid);
            string outFolder = parse.GetValue(output) ?? folder;
            AtomicFile.WriteAllText(Path.Combine(outFolder, $"predict_{grid}.json"), JsonSerializer.Serialize(new
            {
                Data = file,
                Samples = dataset.Count,
                Grid = dataset.Grid,
                TrainingGrid = operatorModel.Spec.TrainingGrid,
                RelativeL2 = relative,
                Mse = meanSquare,
            }, OperatorModel.Json));
            OperatorRun.PlotSamples(outFolder, dataset, prediction, $"predict_{grid}");
            if (vtkSamples is { } shown)
                OperatorRun.WriteSamplesVtk(Path.Combine(outFolder, $"predict_{grid}.pvd"), dataset, prediction, shown, fileCount - dataset.Count);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{operatorModel.Spec.Architecture.Kind} trained on [{string.Join(" x ", operatorModel.Spec.TrainingGrid)}], evaluated on "
                + $"{dataset.Count} samples at [{string.Join(" x ", dataset.Grid)}]: relative L2 {relative:0.000E+00}, MSE {meanSquare:0.000E+00}"));
            return 0;
        }));
        return command;
    }
}
