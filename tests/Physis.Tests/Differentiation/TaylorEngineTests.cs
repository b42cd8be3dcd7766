using Physis.Differentiation;
using Physis.Differentiation.Taylor;
using Physis.Geometry;
using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Embeddings;
using Physis.Networks.Layers;
using TorchSharp;
using Xunit;
using static TorchSharp.torch;

namespace Physis.Tests.Differentiation;

/// <summary>Taylor mode against nested autograd in float64: every derivative and the parameter gradient of a loss built from them.</summary>
public class TaylorEngineTests
{
    // Mixed and pure partials up to order 4 in three coordinates, as KdV, biharmonic and Navier-Stokes residuals ask.
    private static readonly MultiIndex[] Orders =
    [
        new(0, 0, 0), new(1, 0, 0), new(0, 0, 1), new(0, 2, 0), new(1, 1, 0), new(2, 0, 1), new(1, 1, 1), new(0, 3, 0),
        new(4, 0, 0), new(2, 2, 0), new(0, 1, 3),
    ];

    private static Mlp Network(Activation activation, int seed, OutputTransform? transform = null) =>
        new(3, [7, 5], 2, activation, seed: seed, dtype: ScalarType.Float64, outputTransform: transform,
            inputBox: new BoundingBox([-1, 0, 2], [1, 3, 5]));

    private static Tensor Points(int seed)
    {
        using var generator = new Generator((ulong)seed);
        return rand([13, 3], ScalarType.Float64, generator: generator) * tensor(new[] { 2.0, 3, 3 }) + tensor(new[] { -1.0, 0, 2 });
    }

    private static DerivativeRequest[] Requests() => [.. Orders.SelectMany(o => new[] { new DerivativeRequest(0, o), new DerivativeRequest(1, o) })];

    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sin)]
    [InlineData(Activation.Silu)]
    [InlineData(Activation.Gelu)]
    [InlineData(Activation.Relu)]
    public void EveryDerivativeEqualsNestedAutograd(Activation activation)
    {
        using var scope = NewDisposeScope();
        using var network = Network(activation, seed: 3);
        var points = Points(5);
        var requests = Requests();
        var taylor = new TaylorEngine().Evaluate(network, points, requests);
        var autograd = new AutogradEngine().Evaluate(network, points, requests);
        foreach (var request in requests)
            AssertClose(autograd.Get(request), taylor.Get(request), 1e-12, $"{activation} field {request.Field} derivative {request.Order}");
    }

    [Theory]
    [InlineData(Activation.Tanh)]
    [InlineData(Activation.Sin)]
    [InlineData(Activation.Gelu)]
    public void TheGradientOfAResidualLossEqualsNestedAutograd(Activation activation)
    {
        using var scope = NewDisposeScope();
        using var network = Network(activation, seed: 11);
        var points = Points(17);
        var requests = Requests();
        var parameters = network.parameters().ToArray();
        Tensor[] Gradient(IDifferentiationEngine engine)
        {
            var f = engine.Evaluate(network, points, requests);
            Tensor Get(int field, MultiIndex order) => f.Get(new DerivativeRequest(field, order));
            // A nonlinear residual of several orders, as a KdV or Navier-Stokes residual combines them.
            var residual = Get(0, new(1, 0, 0)) + Get(0, new(0, 0, 0)) * Get(1, new(0, 3, 0)) - Get(1, new(4, 0, 0)) * 0.1
                + Get(0, new(1, 1, 1)) * Get(1, new(2, 2, 0)) + Get(1, new(0, 1, 3));
            var loss = residual.Squared().mean();
            return [.. autograd.grad([loss], parameters)];
        }
        var expected = Gradient(new AutogradEngine());
        var actual = Gradient(new TaylorEngine());
        for (int i = 0; i < parameters.Length; i++) AssertClose(expected[i], actual[i], 1e-12, $"{activation} gradient of parameter {i}");
    }

    /// <summary>PINN networks with other architectures, embeddings and weight factorisation, in float64 (three inputs, two fields).</summary>
    private static readonly Dictionary<string, Func<PinnNetwork>> PinnNetworks = new()
    {
        ["silu, weight factorisation"] = () => Pinn(new() { Activation = Activation.Silu, WeightFactorization = new() }),
        ["modified mlp"] = () => Pinn(new() { Architecture = new ModifiedMlpArchitecture(9, 3) }),
        ["residual, scaled inputs"] = () => new PinnNetwork(3, 2, new() { Architecture = new ResidualArchitecture(9, 2, 2) }, seed: 4,
            dtype: ScalarType.Float64, inputBox: new BoundingBox([-1, 0, 2], [1, 3, 5])),
        ["periodic embedding, modified mlp, factorised"] = () => Pinn(new()
        {
            Embeddings = [new PeriodicEmbeddingOptions([new PeriodicCoordinate(0, 2, 3), new PeriodicCoordinate(1, 1)])],
            Architecture = new ModifiedMlpArchitecture(9, 2),
            WeightFactorization = new(1, 0.1),
        }),
        ["fourier features on x, y, then periodic"] = () => Pinn(new()
        {
            Embeddings = [new FourierFeatureOptions(4, 1) { Coordinates = [0, 1] }],
            Activation = Activation.Sin,
        }),
    };

    private static PinnNetwork Pinn(NetworkOptions options) => new(3, 2, options, seed: 3, dtype: ScalarType.Float64);

    public static TheoryData<string> PinnNetworkNames => [.. PinnNetworks.Keys];

    [Theory]
    [MemberData(nameof(PinnNetworkNames))]
    public void PinnNetworksGiveNestedAutogradsDerivativesAndGradients(string name)
    {
        using var scope = NewDisposeScope();
        using var network = PinnNetworks[name]();
        Assert.Null(TaylorEngine.Unsupported(network));
        var points = Points(8);
        var requests = Requests();
        var parameters = network.parameters().ToArray();
        (IFieldDerivatives Derivatives, Tensor[] Gradient) Run(IDifferentiationEngine engine)
        {
            var f = engine.Evaluate(network, points, requests);
            Tensor loss = f.Get(requests[0]).Squared().mean();
            foreach (var request in requests.Skip(1)) loss = loss + (f.Get(request) * f.Get(requests[0])).mean();
            return (f, [.. autograd.grad([loss], parameters, retain_graph: true, allow_unused: true)]);
        }
        var (expected, expectedGradient) = Run(new AutogradEngine());
        var (actual, actualGradient) = Run(new TaylorEngine());
        foreach (var request in requests)
            AssertClose(expected.Get(request), actual.Get(request), 1e-12, $"{name} field {request.Field} derivative {request.Order}");
        for (int i = 0; i < parameters.Length; i++)
            if (expectedGradient[i] is { IsInvalid: false } g) AssertClose(g, actualGradient[i], 1e-12, $"{name} gradient of parameter {i}");
    }

    [Fact]
    public void AWholeLaplacianIsTheSumOfThePureSecondDerivatives()
    {
        using var scope = NewDisposeScope();
        using var network = Network(Activation.Tanh, seed: 2);
        var points = Points(4);
        DerivativeRequest[] seconds = [.. Enumerable.Range(0, 3).Select(c => new DerivativeRequest(1, MultiIndex.Zero(3).Raise(c).Raise(c)))];
        var taylor = new TaylorEngine().Evaluate(network, points, seconds);
        AssertClose(new AutogradEngine().Evaluate(network, points, []).Laplacian(1), taylor.Laplacian(1), 1e-12, "Laplacian");
    }

    [Fact]
    public void UnsupportedNetworksAndUndeclaredDerivativesAreRefusedPlainly()
    {
        using var scope = NewDisposeScope();
        using var constrained = Network(Activation.Tanh, 1, (x, y) => y * x[.., 0..1]);
        Assert.Contains("output transform", TaylorEngine.Unsupported(constrained));
        using var gaussian = Pinn(new() { Embeddings = [new GaussianFeatureOptions(4, 3)] });
        Assert.Contains("GaussianFeatures embedding", TaylorEngine.Unsupported(gaussian));
        using var pirate = Pinn(new() { Architecture = new PirateNetArchitecture(8, 1, 0.5) });
        Assert.Contains("PirateNet architecture", TaylorEngine.Unsupported(pirate));
        var refused = Assert.Throws<ArgumentException>(() => new TaylorEngine().Evaluate(constrained, Points(1), Requests()));
        Assert.Contains("cannot differentiate this network", refused.Message);

        using var network = Network(Activation.Tanh, 1);
        var derivatives = new TaylorEngine().Evaluate(network, Points(1), [new DerivativeRequest(0, new(1, 0, 0))]);
        var undeclared = Assert.Throws<InvalidOperationException>(() => derivatives.Get(new DerivativeRequest(0, new(0, 1, 0))));
        Assert.Contains("not among the derivatives declared", undeclared.Message);
    }

    [Fact]
    public void AutoTakesTaylorModeWhereItIsFasterAndTheNetworkAllowsIt()
    {
        using var scope = NewDisposeScope();
        using var network = Network(Activation.Tanh, 1);
        using var constrained = Network(Activation.Tanh, 1, (x, y) => y * x[.., 0..1]);
        var engine = new AutomaticEngine();
        DerivativeRequest[] burgers = [new(0, new(1, 0, 0)), new(0, new(0, 0, 1)), new(0, new(2, 0, 0))];
        DerivativeRequest[] kdv = [new(0, new(0, 0, 1)), new(0, new(3, 0, 0))];
        engine.Evaluate(network, Points(1), burgers);
        Assert.Equal("autograd", engine.Chosen);
        engine.Evaluate(network, Points(1), kdv);
        Assert.Equal("taylor", engine.Chosen);
        engine.Evaluate(constrained, Points(1), kdv);
        Assert.Equal("autograd", engine.Chosen);
    }

    /// <summary>
    /// The sparse and dense STDE estimates through the network's Taylor polynomial along lines equal those of nested
    /// autograd through the network.
    /// </summary>
    [Theory]
    [InlineData(LaplacianEstimatorKind.StdeSparse)]
    [InlineData(LaplacianEstimatorKind.StdeDense)]
    public void StdeAlongJetsEqualsNestedAutogradAlongTheLines(LaplacianEstimatorKind kind)
    {
        using var scope = NewDisposeScope();
        // A hard constraint with a line form, as the high-dimensional ball problems use.
        var box = new BoundingBox([-1, -1, -1, -1, -1], [1, 1, 1, 1, 1]);
        using var network = new Mlp(5, [12, 12], 1, Activation.Tanh, seed: 9, dtype: ScalarType.Float64, inputBox: box);
        network.OutputTransform = new SquaredOffset().Transform;
        using var generator = new Generator(3);
        var points = rand([6, 5], ScalarType.Float64, generator: generator) * 2 - 1;
        var options = new LaplacianEstimatorOptions(kind, 3) { Seed = 4 };
        var parameters = network.parameters().ToArray();
        (Tensor Estimate, Tensor[] Gradient) Run(ILineFunction function)
        {
            var estimate = new LaplacianEstimator(options).Estimate(function, points);
            return (estimate, [.. autograd.grad([estimate.Squared().sum()], parameters)]);
        }
        var (viaJets, jetGradient) = Run(network);
        var (viaAutograd, autogradGradient) = Run(new AlongOnly(network));
        AssertClose(viaAutograd, viaJets, 1e-12, $"{kind} estimate");
        for (int i = 0; i < parameters.Length; i++) AssertClose(autogradGradient[i], jetGradient[i], 1e-12, $"{kind} gradient {i}");
    }

    /// <summary>The network's line form alone, so the estimator differentiates through the network by nested autograd.</summary>
    private sealed class AlongOnly(ILineFunction function) : ILineFunction
    {
        public Tensor Along(PointLines lines) => function.Along(lines);
    }

    /// <summary>u = |x|^2 y + 1 with its line form.</summary>
    private sealed class SquaredOffset : ILineOutputTransform
    {
        public Tensor Transform(Tensor x, Tensor y) => x.Squared().sum(1, keepdim: true) * y + 1;

        public Tensor Along(PointLines lines, Tensor rawOutput) => Transform(lines.Materialize(), rawOutput);
    }

    [Fact]
    public void TheClosureHoldsEveryMultiIndexBelowTheRequestedOnes()
    {
        var closure = JetLayout.Closure([new MultiIndex(2, 1)], 2);
        Assert.Equal(["(0,0)", "(0,1)", "(1,0)", "(1,1)", "(2,0)", "(2,1)"], closure.Select(o => o.ToString()).Order());
        Assert.True(closure[0].IsZero);
    }

    /// <summary>|a - e| ≤ tolerance · max|e| entrywise (relative to the column's scale; derivatives can vanish at a point).</summary>
    private static void AssertClose(Tensor expected, Tensor actual, double tolerance, string what)
    {
        Assert.Equal(expected.shape, actual.shape);
        double scale = Math.Max(expected.abs().max().ToDouble(), 1e-300);
        double error = (actual - expected).abs().max().ToDouble();
        Assert.True(error <= tolerance * scale, $"{what}: largest difference {error:E2} against scale {scale:E2}");
    }
}
