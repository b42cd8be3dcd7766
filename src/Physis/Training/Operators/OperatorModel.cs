using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Physis.Data;
using Physis.Infrastructure;
using Physis.Networks.Operators;
using static TorchSharp.torch;

namespace Physis.Training.Operators;

/// <summary>What a saved operator model is: architecture, normalisers fitted on its training set, and the grid it was trained on.</summary>
public sealed record OperatorModelSpec
{
    /// <summary>The network's architecture; its kind (<see cref="OperatorArchitecture.Kinds"/>) is stored with it.</summary>
    public required OperatorArchitecture Architecture { get; init; }
    public required GaussianNormaliser InputNormaliser { get; init; }
    public required GaussianNormaliser OutputNormaliser { get; init; }
    /// <summary>Points per axis of the training data.</summary>
    public required int[] TrainingGrid { get; init; }
    public int Seed { get; init; }
    /// <summary>
    /// Grid features are the data's coordinates; false in models saved before this setting, whose features were
    /// linspace(0, 1, n) per axis whatever the data's grid.
    /// </summary>
    public bool CoordinateFeatures { get; init; }
    /// <summary>The network's values and the data it takes: float32 (the default, and that of models saved before this setting) or float64.</summary>
    public ScalarType ScalarType { get; init; } = ScalarType.Float32;
}

/// <summary>
/// A neural operator with its normalisers: maps input fields [B, n1(, n2)] in physical units to output fields on the same
/// grid. A grid operator (FNO, MgNO, LSM) takes the grids its construction allows; a DeepONet needs its sensor count and
/// evaluates at the grid points.
/// </summary>
public sealed class OperatorModel : IDisposable
{
    public const string FileName = "model.bin";

    public static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        // A run without a test split records its test errors as NaN.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <param name="device">Where the network's parameters live, and where its trainer puts the data (default: the CPU).</param>
    public OperatorModel(OperatorModelSpec spec, Device? device = null)
    {
        Spec = spec;
        Device = device ?? CPU;
        if (spec.ScalarType is not (ScalarType.Float32 or ScalarType.Float64))
            throw new ArgumentException($"An operator model is float32 or float64, not {spec.ScalarType}.");
        Network = (spec.Architecture ?? throw new ArgumentException("The model has no Architecture.")).Create(spec.Seed, Device, spec.ScalarType);
        if (GridOperator is { } grid && grid.Dimension != spec.TrainingGrid.Length)
        {
            string kind = spec.Architecture.Kind;
            Network.Dispose();
            throw new ArgumentException($"The {kind} model is {grid.Dimension}D but the data are "
                + $"{spec.TrainingGrid.Length}D{(spec.Architecture is FnoSettings ? ": give Modes one count per dimension" : "")}.");
        }
    }

    public OperatorModelSpec Spec { get; }
    public Device Device { get; }
    public nn.Module Network { get; }
    public IGridOperator? GridOperator => Network as IGridOperator;
    public FourierNeuralOperator? Fno => Network as FourierNeuralOperator;
    public DeepOperatorNetwork? DeepOnet => Network as DeepOperatorNetwork;
    public long ParameterCount => Network.parameters().Sum(p => p.numel());

    /// <summary>Throws a clear error unless the model can evaluate data on this grid.</summary>
    public void CheckGrid(IReadOnlyList<int> grid)
    {
        if (grid.Count != Spec.TrainingGrid.Length)
            throw new ArgumentException($"The model was trained on {Spec.TrainingGrid.Length}D data; these data are {grid.Count}D.");
        GridOperator?.CheckResolution([.. grid.Select(n => (long)n)]);
        if (DeepOnet is { } deepOnet && grid.Aggregate(1, (a, b) => a * b) != deepOnet.Settings.Sensors)
            throw new ArgumentException($"This DeepONet reads {deepOnet.Settings.Sensors} sensors, "
                + $"but the data have {string.Join(" x ", grid)} input points; a DeepONet cannot change resolution.");
    }

    /// <summary>Outputs [B, n...] for inputs [B, n...] (physical units) on the grid with these coordinates.</summary>
    /// <param name="queryPoints">The grid points [P, d] (<see cref="QueryPoints"/>), where a DeepONet evaluates.</param>
    /// <param name="axes">The coordinates per axis (<see cref="Axes"/>), a grid operator's grid features.</param>
    public Tensor Forward(Tensor inputs, Tensor queryPoints, IReadOnlyList<Tensor> axes)
    {
        var encoded = Spec.InputNormaliser.Encode(inputs);
        Tensor raw;
        if (GridOperator is { } grid)
            raw = (Spec.CoordinateFeatures ? grid.forward(encoded.unsqueeze(1), axes) : grid.forward(encoded.unsqueeze(1))).squeeze(1);
        else
        {
            long batch = inputs.shape[0];
            raw = DeepOnet!.Cartesian(encoded.reshape(batch, -1), queryPoints).reshape(inputs.shape);
        }
        return Spec.OutputNormaliser.Decode(raw);
    }

    /// <summary>Triples for a DeepONet: function i at its own point; inputs [B, sensors], points [B, d]; outputs [B].</summary>
    public Tensor ForwardPointwise(Tensor inputs, Tensor points) =>
        Spec.OutputNormaliser.Decode(DeepOnet!.Pointwise(Spec.InputNormaliser.Encode(inputs), points).squeeze(1));

    /// <summary>Grid points [P, d] (row-major over the grid) as DeepONet query points, in <paramref name="dtype"/>.</summary>
    public static Tensor QueryPoints(IReadOnlyList<double[]> coordinates, Device? device = null, ScalarType dtype = ScalarType.Float32)
    {
        if (coordinates.Count == 1) return tensor(coordinates[0], dtype, device).unsqueeze(1);
        int nx = coordinates[0].Length, ny = coordinates[1].Length;
        var points = new double[nx * ny * 2];
        for (int i = 0; i < nx; i++)
            for (int j = 0; j < ny; j++)
                (points[2 * (i * ny + j)], points[2 * (i * ny + j) + 1]) = (coordinates[0][i], coordinates[1][j]);
        return tensor(points, [nx * ny, 2], dtype, device);
    }

    /// <summary>The coordinates of each axis as tensors in <paramref name="dtype"/>.</summary>
    public static Tensor[] Axes(IReadOnlyList<double[]> coordinates, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        [.. coordinates.Select(c => tensor(c, dtype, device))];

    public IEnumerable<(string Name, Tensor Value)> NamedParameters() =>
        Network.named_parameters().Select(p => (p.name, (Tensor)p.parameter));

    public void Save(string path) =>
        TensorArchive.Save(path, JsonSerializer.Serialize(Spec, Json), NamedParameters().ToDictionary(p => $"network/{p.Name}", p => p.Value));

    public static OperatorModel Load(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"No saved model at '{path}': give the output folder of a finished operator training run "
                + $"(it holds {FileName}).", path);
        var (json, tensors) = TensorArchive.Load(path);
        try
        {
            var model = new OperatorModel(ReadSpec(json, path));
            try
            {
                model.LoadParameters(tensors, path);
            }
            catch
            {
                model.Dispose();
                throw;
            }
            return model;
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    /// <summary>The model header of <paramref name="path"/>; a header without an
    /// "architecture" object (Physis before it had one) is refused.</summary>
    internal static OperatorModelSpec ReadSpec(string json, string path)
    {
        try
        {
            return JsonSerializer.Deserialize<OperatorModelSpec>(json, Json) ?? throw new InvalidDataException($"{path}: the model header is empty.");
        }
        catch (JsonException e)
        {
            bool old;
            try { old = JsonNode.Parse(json) is JsonObject header && header.ContainsKey("kind") && !header.ContainsKey("architecture"); }
            catch (JsonException) { old = false; }
            throw new InvalidDataException(old
                ? $"{path} was saved by an older Physis, whose model header names the operator by \"kind\" instead of an \"architecture\" object; "
                    + "retrain the model with this version."
                : $"{path}: the model header cannot be read ({e.Message}).", e);
        }
    }

    internal void LoadParameters(IReadOnlyDictionary<string, Tensor> tensors, string path)
    {
        using var noGrad = no_grad();
        foreach (var (name, p) in NamedParameters())
            p.copy_(tensors.TryGetValue($"network/{name}", out var saved) ? saved
                : throw new InvalidDataException($"{path} lacks parameter '{name}': was it written for another architecture?"));
    }

    public void Dispose() => Network.Dispose();
}
