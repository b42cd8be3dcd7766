using Microsoft.ML.OnnxRuntime;
using Physis.Data;
using Physis.Export;
using Physis.Geometry;
using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Constraints;
using Physis.Networks.Embeddings;
using Physis.Networks.Layers;
using Physis.Networks.Operators;
using Physis.Problems;
using Physis.Training.Operators;
using static TorchSharp.torch;
using DenseTensor = Microsoft.ML.OnnxRuntime.Tensors.DenseTensor<float>;

namespace Physis.Tests.Export;

/// <summary>
/// Exported networks run in ONNX Runtime and give Physis's own outputs to 1e-5 relative (the largest difference over the
/// largest value) on random inputs: every PINN architecture and embedding, weight factorisation, input scaling, and FNOs
/// and TFNOs in 1D and 2D at their training grid and at others.
/// </summary>
public class OnnxExportTests
{
    private const double Tolerance = 1e-5;

    /// <summary>Runs a model on named float32 inputs and returns its one output.</summary>
    internal static float[] RunOnnx(byte[] model, params (string Name, float[] Values, long[] Shape)[] inputs)
    {
        using var options = new SessionOptions { IntraOpNumThreads = 1 };
        using var session = new InferenceSession(model, options);
        var values = inputs.Select(i => NamedOnnxValue.CreateFromTensor(i.Name,
            new DenseTensor(i.Values, [.. i.Shape.Select(s => (int)s)]))).ToList();
        using var results = session.Run(values);
        return [.. Assert.Single(results).AsEnumerable<float>()];
    }

    internal static void AssertClose(Tensor expected, float[] actual)
    {
        using var reference = expected.detach().to(ScalarType.Float64).flatten();
        var want = reference.data<double>().ToArray();
        Assert.Equal(want.Length, actual.Length);
        double largest = want.Max(Math.Abs), difference = want.Zip(actual, (w, a) => Math.Abs(w - a)).Max();
        Assert.True(largest > 0, "the reference output is all zeros, so the comparison proves nothing");
        Assert.True(difference <= Tolerance * largest, $"ONNX Runtime differs from Physis by {difference:E2} where the outputs reach {largest:E2}");
    }

    private static float[] Uniform(long count, double low, double high, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, (int)count).Select(_ => (float)(low + (high - low) * random.NextDouble()))];
    }

    public static TheoryData<string> Networks => [.. PinnNetworks.Keys];

    /// <summary>Three inputs (x, y, t) and two fields; a PirateNet starts with alpha 0.5 so its blocks are not the identity.</summary>
    private static readonly Dictionary<string, Func<nn.Module<Tensor, Tensor>>> PinnNetworks = new()
    {
        ["mlp"] = () => new Mlp(3, [16, 16], 2, Activation.Tanh, seed: 1),
        ["mlp scaled inputs, sin"] = () => new Mlp(3, [16, 16], 2, Activation.Sin, seed: 2,
            inputBox: new BoundingBox([-2, 0, 0], [3, 1, 10])),
        ["mlp gelu, glorot uniform"] = () => Pinn(new() { Activation = Activation.Gelu, Initializer = Initializer.GlorotUniform }),
        ["mlp silu, weight factorisation"] = () => Pinn(new() { Activation = Activation.Silu, WeightFactorization = new() }),
        ["modified mlp"] = () => Pinn(new() { Architecture = new ModifiedMlpArchitecture(16, 3) }),
        ["residual"] = () => Pinn(new() { Architecture = new ResidualArchitecture(16, 2, 2) }),
        ["pirate net, factorised"] = () => Pinn(new()
        {
            Architecture = new PirateNetArchitecture(16, 2, 0.5),
            WeightFactorization = new(1, 0.1),
        }),
        ["periodic embedding"] = () => Pinn(new()
        {
            Embeddings = [new PeriodicEmbeddingOptions([new PeriodicCoordinate(0, 2, 3), new PeriodicCoordinate(1, 1)])],
        }),
        ["fourier features on x, y"] = () => Pinn(new() { Embeddings = [new FourierFeatureOptions(8, 2) { Coordinates = [0, 1] }] }),
        ["fourier features, all, trainable"] = () => Pinn(new() { Embeddings = [new FourierFeatureOptions(8, 1) { Trainable = true }] }),
        ["gaussian features"] = () => Pinn(new() { Embeddings = [new GaussianFeatureOptions(12, 6) { InitialWidth = 0.5 }] }),
        ["gaussian features, isotropic"] = () => Pinn(new() { Embeddings = [new GaussianFeatureOptions(12, 6) { Isotropic = true }] }),
        ["interface features then periodic, pirate net"] = () => Pinn(new()
        {
            Embeddings = [new InterfaceFeatureOptions(1, [0.25, 0.5]), PeriodicEmbeddingOptions.Of(0, 2)],
            Architecture = new PirateNetArchitecture(16, 1, 0.3),
        }),
        ["pinn network scaled inputs, float64"] = () => new PinnNetwork(3, 2, new() { Architecture = new ResidualArchitecture(16, 1) }, seed: 4,
            dtype: ScalarType.Float64, inputBox: new BoundingBox([-2, 0, 0], [3, 1, 10])),
    };

    private static PinnNetwork Pinn(NetworkOptions options) => new(3, 2, options, seed: 3);

    [Theory]
    [MemberData(nameof(Networks))]
    public void APinnNetworkRunsInOnnxRuntimeAsInPhysis(string name)
    {
        using var network = PinnNetworks[name]();
        const int n = 64;
        var points = Uniform(n * 3, -1.5, 1.5, seed: name.Length);
        var model = PinnGraph.Build(network, 3, 2, null).ToModel(name);
        var actual = RunOnnx(model, (PinnGraph.InputName, points, [n, 3]));
        using var dtype = network.parameters().First();
        using var x = tensor(points, [n, 3]).to(dtype.dtype);
        using var expected = network.forward(x);
        AssertClose(expected, actual);
    }

    public static TheoryData<string> Constraints => [.. HardConstraintCases.Keys];

    /// <summary>Problems in (x, y, t) with fields u, v, and a hard constraint on each.</summary>
    private static readonly Dictionary<string, (global::Physis.Geometry.Geometry Geometry, HardConstraintOptions Options)> HardConstraintCases = new()
    {
        ["dirichlet 0 on a box"] = (new Rectangle(-1, 0, 1, 1).WithTime(0, 1), new DirichletConstraintOptions()),
        ["dirichlet on v, holed box"] = ((new Rectangle(-1, -1, 1, 1) - new Disk(0.2, 0, 0.3)).WithTime(0, 1),
            new DirichletConstraintOptions(f => Functions.Sin(Math.PI * f.X) * Functions.Exp(-f.T) + f.Y.Pow(3) / 2 + f.X.Pow(2)) { Fields = ["v"] }),
        ["dirichlet on a union of disks"] = ((new Disk(0, 0, 1) | new Disk(0.8, 0, 0.5)).WithTime(0, 1),
            new DirichletConstraintOptions(f => 1.0 + Functions.Tanh(f.X) - Functions.Sqrt(Functions.Abs(f.Y)) * Functions.Cos(f.T))),
        ["initial value"] = (new Rectangle(-1, 0, 1, 1).WithTime(0.5, 2), new InitialConstraintOptions(f => Functions.Log(2 + f.X * f.Y))),
        ["initial value and boundary"] = (new Rectangle(-1, 0, 1, 1).WithTime(0, 1),
            new InitialConstraintOptions(f => -Functions.Sin(Math.PI * f.X), AlsoBoundary: true) { Fields = ["u"] }),
        ["initial value and velocity, saturating"] = (new Rectangle(-1, 0, 1, 1).WithTime(0.2, 1),
            new InitialConstraintOptions(f => Functions.Sin(Math.PI * f.X) * f.Y, AlsoBoundary: true)
            {
                FixesVelocity = true,
                Velocity = f => Functions.Cos(f.X) - f.Y,
                TimeScale = 0.1,
            }),
        ["initial value at rest"] = (new Rectangle(-1, 0, 1, 1).WithTime(0, 1),
            new InitialConstraintOptions(f => f.X * f.X) { FixesVelocity = true }),
    };

    [Theory]
    [MemberData(nameof(Constraints))]
    public void AHardConstrainedNetworkRunsInOnnxRuntimeAsInPhysis(string name)
    {
        var (geometry, options) = HardConstraintCases[name];
        var problem = new PdeProblem(geometry, f => f.Dt("u") - f.Laplacian("u"), [], fields: ["u", "v"]);
        using var network = new PinnNetwork(3, 2, new NetworkOptions { Architecture = new ModifiedMlpArchitecture(16, 2) }, seed: 6,
            outputTransform: options.Create(problem));
        const int n = 200;
        var bounds = geometry.Bounds;
        var unit = Uniform(n * 3, 0, 1, seed: name.Length);
        var points = unit.Select((u, i) => (float)(bounds.Min[i % 3] + u * (bounds.Max[i % 3] - bounds.Min[i % 3]))).ToArray();
        var parts = options.Parts(problem);
        var model = PinnGraph.Build(network, 3, 2, (graph, x, raw) => ConstraintGraph.Apply(graph, parts, x, raw, 2)).ToModel(name);
        var actual = RunOnnx(model, (PinnGraph.InputName, points, [n, 3]));
        using var x = tensor(points, [n, 3]);
        using var expected = network.forward(x);
        AssertClose(expected, actual);
    }

    public static TheoryData<string, int[], int[]> Operators => new()
    {
        // name, training grid, evaluation grid
        { "fno 1d", [64], [64] },
        { "fno 1d padded, other grids", [64], [48] },
        { "fno 1d nyquist", [64], [10] },
        { "fno 1d linspace features", [32], [33] },
        { "fno 2d", [16, 12], [16, 12] },
        { "fno 2d padded, other grid", [16, 12], [20, 9] },
        { "tfno 2d tucker", [16, 16], [16, 16] },
        { "tfno 1d cp", [32], [40] },
    };

    private static FnoSettings Architecture(string name, int dimension)
    {
        int[] modes = dimension == 1 ? [6] : [4, 5];
        FnoSettings settings = name.StartsWith("tfno", StringComparison.Ordinal)
            ? new TfnoSettings
            {
                Modes = modes,
                Factorisation = name.Contains("cp") ? SpectralFactorisation.Cp : SpectralFactorisation.Tucker,
                RankRatio = 0.5,
            }
            : new FnoSettings { Modes = modes };
        return settings with { Width = 8, Layers = 2, ProjectionWidth = 16, Padding = name.Contains("padded") ? 0.25 : 0 };
    }

    [Theory]
    [MemberData(nameof(Operators))]
    public void AnOperatorRunsInOnnxRuntimeAsInPhysis(string name, int[] trainingGrid, int[] grid)
    {
        int d = grid.Length;
        using var model = new OperatorModel(new OperatorModelSpec
        {
            Architecture = Architecture(name, d),
            InputNormaliser = new GaussianNormaliser(0.3, 1.7),
            OutputNormaliser = new GaussianNormaliser(-0.2, 0.05),
            TrainingGrid = trainingGrid,
            Seed = 5,
            CoordinateFeatures = !name.Contains("linspace"),
        });
        // The initial spectral weights are small beside the skips; raised, an error in the spectral path cannot hide.
        using (no_grad())
            foreach (var layer in model.Fno!.SpectralLayers) layer.Weights.parameters().First().mul_(64);
        const int batch = 3;
        long points = grid.Aggregate(1L, (a, b) => a * b);
        var inputs = Uniform(batch * points, -2, 3, seed: grid.Sum());
        // A grid that is not [0, 1], so the coordinates the model is given must reach it.
        double[][] coordinates = [.. grid.Select(n => Enumerable.Range(0, n).Select(i => -1 + 3.0 * i / n).ToArray())];
        var path = Path.Combine(Path.GetTempPath(), $"physis-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            var written = OnnxExport.Operator(model, path);
            Assert.Equal(path, written.Path);
            List<(string, float[], long[])> feeds = [(OperatorGraph.InputName, inputs, [batch, .. grid.Select(n => (long)n)])];
            if (model.Spec.CoordinateFeatures)
                feeds.AddRange(coordinates.Select((c, j) =>
                    (OperatorGraph.AxisNames[j], c.Select(v => (float)v).ToArray(), new long[] { c.Length })));
            var actual = RunOnnx(File.ReadAllBytes(path), [.. feeds]);
            using var scope = NewDisposeScope();
            var x = tensor(inputs, [batch, .. grid.Select(n => (long)n)]);
            var expected = model.Forward(x, OperatorModel.QueryPoints(coordinates), OperatorModel.Axes(coordinates));
            AssertClose(expected, actual);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new[] { 16 })]
    [InlineData(new[] { 6, 5 })]
    public void ADeepOnetRunsInOnnxRuntimeAsInPhysis(int[] grid)
    {
        int d = grid.Length, sensors = grid.Aggregate(1, (a, b) => a * b);
        using var model = new OperatorModel(new OperatorModelSpec
        {
            Architecture = new DeepOnetSettings { Branch = [sensors, 12, 8], Trunk = [d, 12, 8], Activation = Activation.Silu },
            InputNormaliser = new GaussianNormaliser(0.3, 1.7),
            OutputNormaliser = new GaussianNormaliser(-0.2, 0.05),
            TrainingGrid = grid,
            Seed = 2,
        });
        using (no_grad()) model.DeepOnet!.Bias.fill_(0.4);
        const int batch = 3;
        var inputs = Uniform(batch * sensors, -2, 3, seed: sensors);
        double[][] coordinates = [.. grid.Select(n => Enumerable.Range(0, n).Select(i => -1 + 3.0 * i / n).ToArray())];
        using var scope = NewDisposeScope();
        var points = OperatorModel.QueryPoints(coordinates);
        var path = Path.Combine(Path.GetTempPath(), $"physis-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExport.Operator(model, path);
            var actual = RunOnnx(File.ReadAllBytes(path), (OperatorGraph.InputName, inputs, [batch, .. grid.Select(n => (long)n)]),
                (OperatorGraph.PointsName, points.data<float>().ToArray(), [sensors, d]));
            var expected = model.Forward(tensor(inputs, [batch, .. grid.Select(n => (long)n)]), points, OperatorModel.Axes(coordinates));
            AssertClose(expected, actual);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(MultigridBoundary.Dirichlet, new[] { 33 })]
    [InlineData(MultigridBoundary.Dirichlet, new[] { 18, 13 })]
    [InlineData(MultigridBoundary.Periodic, new[] { 32 })]
    [InlineData(MultigridBoundary.Periodic, new[] { 16, 24 })]
    public void AnMgnoRunsInOnnxRuntimeAsInPhysis(MultigridBoundary boundary, int[] grid)
    {
        int d = grid.Length;
        using var model = new OperatorModel(new OperatorModelSpec
        {
            Architecture = new MgnoSettings
            {
                Dimension = d,
                TrainingGrid = grid,
                Channels = 6,
                Layers = 2,
                Levels = 3,
                Smoothing = 2,
                Boundary = boundary,
            },
            InputNormaliser = new GaussianNormaliser(0.3, 1.7),
            OutputNormaliser = new GaussianNormaliser(-0.2, 0.05),
            TrainingGrid = grid,
            Seed = 8,
        });
        // Biases start at zero; random ones show they are placed on the right nodes.
        using (no_grad())
            foreach (var p in model.Network.named_parameters().Where(p => p.name.Contains("bias"))) p.parameter.normal_(0, 0.5);
        const int batch = 2;
        long[] shape = [batch, .. grid.Select(n => (long)n)];
        var inputs = Uniform(shape.Aggregate(1L, (a, b) => a * b), -2, 3, seed: d);
        double[][] coordinates = [.. grid.Select(n => Enumerable.Range(0, n).Select(i => (double)i / n).ToArray())];
        var path = Path.Combine(Path.GetTempPath(), $"physis-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            OnnxExport.Operator(model, path);
            var actual = RunOnnx(File.ReadAllBytes(path), (OperatorGraph.InputName, inputs, shape));
            using var scope = NewDisposeScope();
            var expected = model.Forward(tensor(inputs, shape), OperatorModel.QueryPoints(coordinates), OperatorModel.Axes(coordinates));
            AssertClose(expected, actual);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Theory]
    [InlineData(new[] { 30 }, true)]
    [InlineData(new[] { 12, 10 }, true)]
    [InlineData(new[] { 16, 8 }, false)]
    public void AnLsmRunsInOnnxRuntimeAsInPhysis(int[] grid, bool positional)
    {
        int d = grid.Length;
        using var model = new OperatorModel(new OperatorModelSpec
        {
            Architecture = new LsmSettings
            {
                Dimension = d,
                Width = 8,
                Scales = 2,
                Tokens = 3,
                Basis = 4,
                Patches = 2,
                Heads = 2,
                ProjectionWidth = 8,
                PositionalFeatures = positional,
            },
            InputNormaliser = new GaussianNormaliser(0.3, 1.7),
            OutputNormaliser = new GaussianNormaliser(-0.2, 0.05),
            TrainingGrid = grid,
            Seed = 9,
            CoordinateFeatures = true,
        });
        const int batch = 2;
        long[] shape = [batch, .. grid.Select(n => (long)n)];
        var inputs = Uniform(shape.Aggregate(1L, (a, b) => a * b), -2, 3, seed: d);
        double[][] coordinates = [.. grid.Select(n => Enumerable.Range(0, n).Select(i => -1 + 3.0 * i / n).ToArray())];
        var path = Path.Combine(Path.GetTempPath(), $"physis-onnx-{Guid.NewGuid():N}.onnx");
        try
        {
            var written = OnnxExport.Operator(model, path);
            Assert.Equal(positional ? 1 + d : 1, written.Inputs.Count);
            List<(string, float[], long[])> feeds = [(OperatorGraph.InputName, inputs, shape)];
            if (positional)
                feeds.AddRange(coordinates.Select((c, j) =>
                    (OperatorGraph.AxisNames[j], c.Select(v => (float)v).ToArray(), new long[] { c.Length })));
            var actual = RunOnnx(File.ReadAllBytes(path), [.. feeds]);
            using var scope = NewDisposeScope();
            var expected = model.Forward(tensor(inputs, shape), OperatorModel.QueryPoints(coordinates), OperatorModel.Axes(coordinates));
            AssertClose(expected, actual);
        }
        finally
        {
            File.Delete(path);
        }
    }
}
