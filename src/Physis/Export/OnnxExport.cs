using System.Text.Json.Nodes;
using Physis.Infrastructure;
using Physis.Networks.Constraints;
using Physis.Networks.Operators;
using Physis.Problems;
using Physis.Runs;
using Physis.Training.Operators;
using static TorchSharp.torch;

namespace Physis.Export;

/// <summary>What an export wrote: the file, and its inputs and outputs as one line each ("coordinates [n, 2] float32").</summary>
public sealed record OnnxExportResult(string Path, IReadOnlyList<string> Inputs, IReadOnlyList<string> Outputs);

/// <summary>
/// Writes the trained network of a run folder as an ONNX model (opset <see cref="OnnxGraph.Opset"/>, float32): a PINN
/// from a <see cref="PinnRun"/> folder maps coordinates [n, d] to fields [n, k]; a neural operator (FNO, TFNO, DeepONet, MgNO, LSM) from an
/// <see cref="OperatorRun"/> folder maps raw input fields [batch, n1(, n2)] to raw output fields, its normalisers inside.
/// </summary>
public static class OnnxExport
{
    public const string FileName = "model.onnx";

    /// <summary>The kind of run stored in <paramref name="folder"/> (<see cref="PinnRun.Kind"/>, <see cref="OperatorRun.Kind"/>, ...).</summary>
    public static string RunKind(string folder)
    {
        var run = new RunFolder(folder);
        if (!Directory.Exists(folder)) throw new ArgumentException($"There is no folder '{folder}'.");
        if (!run.HasRun)
            throw new ArgumentException($"{folder} is not a run folder (it holds no {RunFolder.SettingsFile}); give the output folder of "
                + "'physis solve' or 'physis train-operator'.");
        return run.Read<JsonObject>().Identity.Kind;
    }

    /// <summary>The name the run stored in <paramref name="folder"/> trained (the problem of a PINN run).</summary>
    public static string RunName(string folder) => new RunFolder(folder).Read<JsonObject>().Identity.Name;

    /// <summary>
    /// Exports the network of the PINN run of <paramref name="problem"/> in <paramref name="folder"/>, as its last
    /// checkpoint holds it, to <paramref name="output"/> (default: model.onnx in the folder). A run with hard constraints
    /// needs the <paramref name="constraint"/> it ran with (<see cref="PinnRunOptions.HardConstraint"/>); its output
    /// transform goes into the model.
    /// </summary>
    public static OnnxExportResult Pinn(PdeProblem problem, string folder, string? output = null, HardConstraint? constraint = null)
    {
        var run = new RunFolder(folder);
        var (identity, settings) = run.Read<PinnSettings>();
        if (identity.Kind != PinnRun.Kind) throw new ArgumentException($"The run in {folder} is a {identity.Kind} run, not a PINN run.");
        if (PinnRun.Identity(problem, identity.Name).DifferenceFrom(identity) is { } difference)
            throw new ArgumentException($"The run in {folder} is not a run of this problem: {difference}.");
        if (settings.Marching.Windows > 1)
            throw new ArgumentException($"The run in {folder} marched in time with one network per window; "
                + "only a run with one network can be exported to ONNX.");
        if (settings.HardConstraints && constraint is null)
            throw new ArgumentException($"The run in {folder} built hard constraints into its network: give the constraint it ran with.");
        var parts = settings.HardConstraints ? constraint!.Transform.Parts(problem) : null;
        if (!File.Exists(run.Checkpoint)) throw new ArgumentException($"{folder} holds no {RunFolder.CheckpointFile}: the run has not trained yet.");
        int inputs = problem.Geometry.Dimension, outputs = problem.Fields.Count;
        using var network = PinnRun.CreateNetwork(problem, settings, settings.Seed, settings.DType, null);
        LoadNetwork(network, run.Checkpoint);
        string path = output ?? run.File(FileName);
        var graph = PinnGraph.Build(network, inputs, outputs,
            parts is null ? null : (g, x, raw) => ConstraintGraph.Apply(g, parts, x, raw, outputs));
        graph.Write(path, $"Physis PINN of {identity.Name}: {settings.Network}; inputs {string.Join(", ", problem.Terms.Coordinates)}, "
            + $"outputs {string.Join(", ", problem.Fields)}");
        return new OnnxExportResult(path, [$"{PinnGraph.InputName} [n, {inputs}] float32 ({string.Join(", ", problem.Terms.Coordinates)})"],
            [$"{PinnGraph.OutputName} [n, {outputs}] float32 ({string.Join(", ", problem.Fields)})"]);
    }

    /// <summary>Copies the network's parameters and buffers from a trainer checkpoint (its "network/" entries).</summary>
    private static void LoadNetwork(nn.Module network, string checkpoint)
    {
        var (_, tensors) = TensorArchive.Load(checkpoint);
        try
        {
            using var noGrad = no_grad();
            var state = network.named_parameters().Select(p => (p.name, (Tensor)p.parameter)).Concat(network.named_buffers());
            foreach (var (name, value) in state)
                value.copy_(tensors.TryGetValue($"network/{name}", out var saved) ? saved
                    : throw new InvalidDataException($"{checkpoint} lacks the network's '{name}': was it written with other settings?"));
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>Exports the model of the operator run in <paramref name="folder"/> (its model.bin) to <paramref name="output"/>.</summary>
    public static OnnxExportResult Operator(string folder, string? output = null)
    {
        string file = Path.Combine(folder, OperatorModel.FileName);
        if (!File.Exists(file)) throw new ArgumentException($"{folder} holds no {OperatorModel.FileName}: the operator run has not finished.");
        using var model = OperatorModel.Load(file);
        return Operator(model, output ?? Path.Combine(folder, FileName));
    }

    /// <summary>Exports <paramref name="model"/> to <paramref name="output"/>.</summary>
    public static OnnxExportResult Operator(OperatorModel model, string output)
    {
        var graph = OperatorGraph.Build(model);
        var spec = model.Spec;
        int d = spec.TrainingGrid.Length;
        string grid = string.Join(", ", OperatorGraph.AxisNames.Take(d).Select(a => $"n{a}"));
        graph.Write(output, $"Physis {spec.Architecture.Kind} operator trained on [{string.Join(" x ", spec.TrainingGrid)}]");
        if (model.DeepOnet is { } deepOnet)
        {
            var settings = deepOnet.Settings;
            return new OnnxExportResult(output,
                [
                    $"{OperatorGraph.InputName} [batch, {string.Join(", ", spec.TrainingGrid)}] float32 (the input fields at the sensors)",
                    $"{OperatorGraph.PointsName} [points, {settings.QueryDimension}] float32 (where to evaluate)",
                ],
                [$"{OperatorGraph.OutputName} [batch, points{(settings.Outputs == 1 ? "" : $", {settings.Outputs}")}] float32"]);
        }
        // An FNO takes any grid; the others the one they were trained on.
        string sizes = model.Fno is null ? string.Join(", ", spec.TrainingGrid) : grid;
        List<string> inputs = [$"{OperatorGraph.InputName} [batch, {sizes}] float32"];
        bool positional = model.Fno?.Settings.PositionalFeatures ?? (model.Network as LatentSpectralModel)?.Settings.PositionalFeatures ?? false;
        if (positional && spec.CoordinateFeatures)
            inputs.AddRange(OperatorGraph.AxisNames.Take(d).Select((a, j) =>
                $"{a} [{(model.Fno is null ? spec.TrainingGrid[j] : $"n{a}")}] float32 (the grid's coordinates)"));
        return new OnnxExportResult(output, inputs, [$"{OperatorGraph.OutputName} [batch, {sizes}] float32"]);
    }
}
