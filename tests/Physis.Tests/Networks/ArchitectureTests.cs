using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Embeddings;
using Physis.Networks.Layers;
using TorchSharp;
using static Physis.Tests.Networks.NetworkAssert;
using static TorchSharp.torch;

namespace Physis.Tests.Networks;

public class ArchitectureTests
{
    /// <summary>Every architecture behind an embedding that exercises it, for inputs (x, t).</summary>
    private static NetworkOptions Options(string kind) => kind switch
    {
        "mlp" => new() { Architecture = new MlpArchitecture([12, 12]), Activation = Activation.Sin },
        "modified-mlp" =>
            new() { Embeddings = [new FourierFeatureOptions(6, 1.0) { Coordinates = [0] }], Architecture = new ModifiedMlpArchitecture(12, 3) },
        "residual" => new() { Architecture = new ResidualArchitecture(12, 2), Activation = Activation.Gelu },
        "piratenet" => new() { Embeddings = [new FourierFeatureOptions(6, 1.0)], Architecture = new PirateNetArchitecture(12, 2, InitialAlpha: 0.4) },
        "gaussian" => new() { Embeddings = [new GaussianFeatureOptions(16, 4) { InitialWidth = 0.5 }], Architecture = new MlpArchitecture([8]) },
        "factorized-piratenet" => Options("piratenet") with { WeightFactorization = new(0.5, 0.1) },
        "factorized-modified-mlp" => Options("modified-mlp") with { WeightFactorization = new(1.0, 0.1) },
        _ => throw new ArgumentException(kind),
    };

    public static TheoryData<string> Kinds =>
        ["mlp", "modified-mlp", "residual", "piratenet", "gaussian", "factorized-piratenet", "factorized-modified-mlp"];

    [Theory]
    [MemberData(nameof(Kinds))]
    public void AutogradDerivativesMatchFiniteDifferences(string kind)
    {
        using var net = new PinnNetwork(2, 2, Options(kind), seed: 11, dtype: ScalarType.Float64);
        var points = RandomPoints(6, 2, seed: 2);
        const double h1 = 1e-6, h2 = 1e-4;
        for (int field = 0; field < 2; field++)
        {
            for (int c = 0; c < 2; c++)
            {
                var plus = Forward(net, Shift(points, c, h1));
                var minus = Forward(net, Shift(points, c, -h1));
                var fd = Enumerable.Range(0, 6).Select(i => (plus[i, field] - minus[i, field]) / (2 * h1)).ToArray();
                AllClose(fd, Derivative(net, points, field, c == 0 ? [1, 0] : [0, 1]), 1e-7, $"{kind}: first derivative by coordinate {c}");
            }
            var p2 = Forward(net, Shift(points, 0, h2));
            var m2 = Forward(net, Shift(points, 0, -h2));
            var at = Forward(net, points);
            var fdxx = Enumerable.Range(0, 6).Select(i => (p2[i, field] - 2 * at[i, field] + m2[i, field]) / (h2 * h2)).ToArray();
            AllClose(fdxx, Derivative(net, points, field, 2, 0), 1e-5, $"{kind}: second derivative");
        }
    }

    [Theory]
    [InlineData(ScalarType.Float32)]
    [InlineData(ScalarType.Float64)]
    public void NetworksComputeInTheirPrecision(ScalarType dtype)
    {
        foreach (var kind in Kinds)
        {
            using var net = new PinnNetwork(2, 3, Options(kind), seed: 1, dtype: dtype);
            Assert.All(net.parameters(), p => Assert.Equal(dtype, p.dtype));
            using var x = rand([5, 2], dtype: dtype);
            using var y = net.forward(x);
            Assert.Equal([5L, 3L], y.shape);
            Assert.Equal(dtype, y.dtype);
            Assert.True(y.isfinite().all().ToBoolean(), kind);
        }
    }

    [Fact]
    public void PirateNetWithZeroAlphaIsItsLinearHeadOnTheEmbedding()
    {
        var options = new NetworkOptions { Embeddings = [new FourierFeatureOptions(8, 1.0)], Architecture = new PirateNetArchitecture(16, 3) };
        using var net = new PinnNetwork(2, 2, options, seed: 5, dtype: ScalarType.Float64);
        var pirate = Assert.IsType<PirateNet>(net.Body);
        Assert.All(pirate.Blocks, b => Assert.Equal(0.0, b.Alpha.ToDouble()));
        using var scope = NewDisposeScope();
        var x = Points(RandomPoints(20, 2, seed: 3));
        var linear = pirate.Head.forward(net.Embed(x));
        Assert.Equal(Values(linear), Values(net.forward(x)));

        // Once alpha moves, the blocks contribute.
        using (no_grad()) pirate.Blocks[1].Alpha.fill_(0.3);
        Assert.NotEqual(Values(linear), Values(net.forward(x)));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void PirateNetHeadFitStartsTheNetworkAtTheGivenData(bool factorized)
    {
        // Physics-informed initialisation: with alpha = 0 the network is linear in its Fourier features, so a least-squares
        // head reproduces smooth data (here an initial condition u0(x) = sin(pi x) + x^2 / 2) almost exactly.
        var options = new NetworkOptions
        {
            Embeddings = [new FourierFeatureOptions(32, 1.0)],
            Architecture = new PirateNetArchitecture(16, 2),
            WeightFactorization = factorized ? new WeightFactorizationOptions() : null,
        };
        using var net = new PinnNetwork(1, 1, options, seed: 7, dtype: ScalarType.Float64);
        var pirate = (PirateNet)net.Body;
        var points = RandomPoints(100, 1, seed: 8);
        var u0 = Enumerable.Range(0, 100).Select(i => Math.Sin(Math.PI * points[i, 0]) + points[i, 0] * points[i, 0] / 2).ToArray();
        using (var scope = NewDisposeScope())
        {
            var x = Points(points);
            pirate.FitHead(net.Embed(x), tensor(u0, [100, 1], ScalarType.Float64));
        }
        AllClose(u0, Forward(net, points).Cast<double>().ToArray(), 1e-4, "fitted network");
        Assert.Equal(factorized, pirate.Head.IsFactorized);
        var error = Assert.Throws<ArgumentException>(() => pirate.FitHead(zeros(4, 64, ScalarType.Float64), zeros(4, 2, ScalarType.Float64)));
        Assert.Contains("needs targets [4, 1]", error.Message);
    }

    [Theory]
    [InlineData("mlp")]
    [InlineData("modified-mlp")]
    [InlineData("residual")]
    [InlineData("piratenet")]
    public void WeightFactorizationReproducesTheUnfactorisedFunctionAtConstruction(string kind)
    {
        var plain = Options(kind);
        using var net = new PinnNetwork(2, 2, plain, seed: 9, dtype: ScalarType.Float64);
        using var factorized = new PinnNetwork(2, 2, plain with { WeightFactorization = new(0.5, 0.1) }, seed: 9, dtype: ScalarType.Float64);

        var plainLayers = net.modules().OfType<Dense>().ToList();
        var factorizedLayers = factorized.modules().OfType<Dense>().ToList();
        Assert.Equal(plainLayers.Count, factorizedLayers.Count);
        Assert.All(plainLayers, d => Assert.False(d.IsFactorized));
        var scales = new List<double>();
        for (int i = 0; i < plainLayers.Count; i++)
        {
            var layer = factorizedLayers[i];
            Assert.True(layer.IsFactorized);
            var parameters = layer.named_parameters().ToDictionary(p => p.name, p => p.parameter);
            Assert.Equal(["log_scale", "direction", "bias"], parameters.Keys);
            // W = diag(exp(s)) V, and it is the unfactorised W up to one rounding of the division V = W / exp(s).
            using var w = layer.Weight();
            using var expected = parameters["log_scale"].exp().unsqueeze(1) * parameters["direction"];
            Assert.Equal(Values(expected), Values(w));
            using var original = plainLayers[i].Weight();
            AllClose(Values(original), Values(w), 1e-15, $"layer {i} weight");
            scales.AddRange(Values(parameters["log_scale"]));
        }
        Assert.InRange(scales.Average(), 0.4, 0.6);   // s ~ N(0.5, 0.1^2)

        var points = RandomPoints(16, 2, seed: 4);
        AllClose(Forward(net, points).Cast<double>().ToArray(), Forward(factorized, points).Cast<double>().ToArray(), 1e-13, "outputs");
    }

    [Fact]
    public void SameSeedGivesTheSameNetworkAndDevicesAreHonoured()
    {
        var options = Options("piratenet");
        using var a = new PinnNetwork(2, 1, options, seed: 3, dtype: ScalarType.Float64, device: CPU);
        using var b = new PinnNetwork(2, 1, options, seed: 3, dtype: ScalarType.Float64);
        using var c = new PinnNetwork(2, 1, options, seed: 4, dtype: ScalarType.Float64);
        var points = RandomPoints(5, 2, seed: 1);
        Assert.Equal(Forward(a, points), Forward(b, points));
        Assert.NotEqual(Forward(a, points), Forward(c, points));
        Assert.All(a.parameters(), p => Assert.Equal(DeviceType.CPU, p.device_type));
    }
}
