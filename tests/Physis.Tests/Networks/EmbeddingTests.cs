using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Embeddings;
using Physis.Networks.Layers;
using TorchSharp;
using static Physis.Tests.Networks.NetworkAssert;
using static TorchSharp.torch;

namespace Physis.Tests.Networks;

public class EmbeddingTests
{
    public static TheoryData<string> PeriodicNetworks => ["mlp", "pirate-fourier"];

    [Theory]
    [MemberData(nameof(PeriodicNetworks))]
    public void PeriodicEmbeddingMakesTheNetworkExactlyPeriodic(string kind)
    {
        const double period = 2.0;
        var periodic = PeriodicEmbeddingOptions.Of(coordinate: 0, period, harmonics: 3);
        var options = kind == "mlp"
            ? new NetworkOptions { Embeddings = [periodic], Architecture = new MlpArchitecture([16, 16]) }
            // A periodic embedding followed by Fourier features of its output stays periodic.
            : new NetworkOptions
            {
                Embeddings = [periodic, new FourierFeatureOptions(8, 1.0)],
                Architecture = new PirateNetArchitecture(16, 2, InitialAlpha: 0.5),
            };
        using var net = new PinnNetwork(2, 1, options, seed: 4, dtype: ScalarType.Float64);
        var points = RandomPoints(16, 2, seed: 1);
        var shifted = Shift(points, 0, period);
        var twice = Shift(points, 0, -2 * period);
        foreach (var order in new[] { new[] { 0, 0 }, [1, 0], [2, 0], [1, 1], [0, 1], [3, 0] })
        {
            var at = Derivative(net, points, 0, order);
            AllClose(at, Derivative(net, shifted, 0, order), 1e-12, $"order ({string.Join(",", order)}) at x + P");
            AllClose(at, Derivative(net, twice, 0, order), 1e-12, $"order ({string.Join(",", order)}) at x - 2P");
        }
    }

    [Fact]
    public void PeriodicEmbeddingListsHarmonicsAndPassesOtherCoordinates()
    {
        using var layers = new LayerFactory(0, ScalarType.Float64);
        using var embedding = new PeriodicEmbeddingOptions([new PeriodicCoordinate(1, 4.0, 2)]).Create(2, layers);
        Assert.Equal(5, embedding.Outputs);
        var y = Values(embedding.forward(Points(new double[,] { { 0.3, 0.5 } })));
        double w = 2 * Math.PI / 4.0;
        AllClose([0.3, Math.Cos(w * 0.5), Math.Cos(2 * w * 0.5), Math.Sin(w * 0.5), Math.Sin(2 * w * 0.5)], y, 1e-15, "features");
    }

    [Fact]
    public void InterfaceFeaturesAreSignedSquaresWhoseCurvatureJumpsByFour()
    {
        using var layers = new LayerFactory(0, ScalarType.Float64);
        using var embedding = new InterfaceFeatureOptions(1, [-1.0, 0.5]).Create(2, layers);
        Assert.Equal(4, embedding.Outputs);
        AllClose([0.3, 0.2, 1.44, -0.09], Values(embedding.forward(Points(new double[,] { { 0.3, 0.2 } }))), 1e-15, "features");
        var points = new double[,] { { 0, 0.5 - 1e-9 }, { 0, 0.5 + 1e-9 }, { 0, -2 }, { 0, 3 } };
        AllClose([2e-9, 2e-9, 5, 5], Derivative(embedding, points, 3, [0, 1]), 1e-12, "first derivative 2|y - c|");
        AllClose([-2, 2, -2, 2], Derivative(embedding, points, 3, [0, 2]), 1e-12, "second derivative 2 sign(y - c)");
    }

    [Fact]
    public void ANetworkOnInterfaceFeaturesKeepsItsSlopeAndBendsAtTheInterface()
    {
        double Jump(NetworkOptions options, int order)
        {
            using var net = new PinnNetwork(1, 1, options, seed: 2, dtype: ScalarType.Float64);
            var d = Derivative(net, new double[,] { { 0.4 - 1e-9 }, { 0.4 + 1e-9 } }, 0, order);
            return Math.Abs(d[1] - d[0]);
        }
        var smooth = new NetworkOptions { Architecture = new MlpArchitecture([16, 16]) };
        var withInterface = smooth with { Embeddings = [new InterfaceFeatureOptions(0, [0.4])] };
        foreach (int order in new[] { 0, 1 })
            Assert.True(Jump(withInterface, order) < 1e-7, $"derivative {order} must stay continuous across the interface");
        Assert.True(Jump(smooth, 2) < 1e-7, "a smooth network's curvature is continuous");
        Assert.True(Jump(withInterface, 2) > 1e-3, "interface features let the curvature jump");
    }

    [Fact]
    public void FourierFeaturesAreReproducibleBySeedAndHaveTheDocumentedShape()
    {
        var options = new FourierFeatureOptions(Features: 10, Scale: 2.0) { Coordinates = [0, 1] };
        FourierFeatures Make(int seed)
        {
            using var layers = new LayerFactory(seed, ScalarType.Float64);
            return (FourierFeatures)options.Create(3, layers);
        }
        using var a = Make(7);
        using var b = Make(7);
        using var c = Make(8);
        Assert.Equal([10L, 2L], a.Frequencies.shape);
        Assert.Equal(Values(a.Frequencies), Values(b.Frequencies));
        Assert.NotEqual(Values(a.Frequencies), Values(c.Frequencies));
        // Entries are N(0, sigma^2): the sample standard deviation of 20 draws is near 2.
        double sd = a.Frequencies.std().ToDouble();
        Assert.InRange(sd, 1.0, 3.0);

        var x = new double[,] { { 0.1, -0.4, 0.9 }, { 0.7, 0.2, -0.3 } };
        var features = a.forward(Points(x));
        Assert.Equal([2L, 21L], features.shape);
        Assert.Equal(21, options.Outputs(3));
        var f = Values(features);
        var B = Values(a.Frequencies);
        for (int i = 0; i < 2; i++)
        {
            for (int k = 0; k < 10; k++)
            {
                double phase = 2 * Math.PI * (B[2 * k] * x[i, 0] + B[2 * k + 1] * x[i, 1]);
                Assert.Equal(Math.Cos(phase), f[i * 21 + k], 12);
                Assert.Equal(Math.Sin(phase), f[i * 21 + 10 + k], 12);
            }
            Assert.Equal(x[i, 2], f[i * 21 + 20]);   // the third coordinate passes through
        }
        // Fixed frequencies are a buffer (saved with checkpoints), trainable ones a parameter.
        Assert.Empty(a.parameters());
        Assert.Single(a.buffers());
        using var layers2 = new LayerFactory(7, ScalarType.Float64);
        using var trainable = (options with { Trainable = true }).Create(3, layers2);
        Assert.Single(trainable.parameters());
    }

    [Fact]
    public void GaussianFeaturesAreWeightedSumsOfTrainableGaussians()
    {
        var options = new GaussianFeatureOptions(Gaussians: 5, Features: 3) { InitialWidth = 0.4, Lower = [0, 0], Upper = [1, 2] };
        using var layers = new LayerFactory(3, ScalarType.Float64);
        using var g = (GaussianFeatures)options.Create(2, layers);
        Assert.Equal([5L, 2L], g.Widths().shape);
        var mu = Values(g.Centres);
        for (int i = 0; i < 5; i++)
        {
            Assert.InRange(mu[2 * i], 0, 1);
            Assert.InRange(mu[2 * i + 1], 0, 2);
        }
        var x = new double[,] { { 0.3, 1.1 } };
        var y = Values(g.forward(Points(x)));
        var f = Values(g.FeatureVectors);
        for (int k = 0; k < 3; k++)
        {
            double expected = 0;
            for (int i = 0; i < 5; i++)
            {
                double r2 = Math.Pow((x[0, 0] - mu[2 * i]) / 0.4, 2) + Math.Pow((x[0, 1] - mu[2 * i + 1]) / 0.4, 2);
                expected += Math.Exp(-0.5 * r2) * f[i * 3 + k];
            }
            Assert.Equal(expected, y[k], 12);
        }
        // Centres, widths and features all receive gradients.
        g.forward(Points(x)).sum().backward();
        Assert.All(g.parameters(), p => Assert.True(p.grad is not null && p.grad.abs().sum().ToDouble() > 0));

        using var isotropic = (GaussianFeatures)(options with { Isotropic = true }).Create(2, layers);
        Assert.Equal([5L, 1L], isotropic.Widths().shape);
    }

    [Fact]
    public void OptionsDescribeThemselvesInOneLine()
    {
        var options = new NetworkOptions
        {
            Embeddings = [PeriodicEmbeddingOptions.Of(0, 2.0, 3), new FourierFeatureOptions(16, 2.5) { Coordinates = [0, 1] }],
            Architecture = new PirateNetArchitecture(64, 3),
            WeightFactorization = new(),
        };
        Assert.Equal("periodic (coordinate 0: P = 2, K = 3) -> Fourier features (m = 16, sigma = 2.5, coordinates 0, 1) -> "
            + "PirateNet (width 64, 3 blocks, initial alpha 0), tanh, GlorotNormal, weight factorisation (s ~ N(0.5, 0.1^2))", options.ToString());
    }

    [Fact]
    public void InvalidOptionsAreRejectedWithMessagesThatNameTheSetting()
    {
        static string Error(NetworkOptions options, int inputs = 2) =>
            Assert.Throws<ArgumentException>(() => new PinnNetwork(inputs, 1, options)).Message;

        Assert.Contains("scale sigma must be positive", Error(new() { Embeddings = [new FourierFeatureOptions(8, -1)] }));
        Assert.Contains("number of features must be positive", Error(new() { Embeddings = [new FourierFeatureOptions(0, 1)] }));
        Assert.Contains("coordinate index 2 is out of range", Error(new() { Embeddings = [new FourierFeatureOptions(8, 1) { Coordinates = [2] }] }));
        Assert.Contains("period of coordinate 0 must be positive", Error(new() { Embeddings = [PeriodicEmbeddingOptions.Of(0, 0.0)] }));
        Assert.Contains("listed more than once", Error(new() { Embeddings = [new PeriodicEmbeddingOptions([new(0, 1), new(0, 2)])] }));
        Assert.Contains("needs at least one harmonic", Error(new() { Embeddings = [PeriodicEmbeddingOptions.Of(1, 1.0, 0)] }));
        Assert.Contains("initial width must be positive", Error(new() { Embeddings = [new GaussianFeatureOptions(4, 2) { InitialWidth = 0 }] }));
        Assert.Contains("centre box has 1 and 1 bounds",
            Error(new() { Embeddings = [new GaussianFeatureOptions(4, 2) { Lower = [0], Upper = [1] }] }));
        Assert.Contains("hidden layer widths must be positive", Error(new() { Architecture = new MlpArchitecture([8, 0]) }));
        Assert.Contains("PirateNet: the width must be positive", Error(new() { Architecture = new PirateNetArchitecture(0, 2) }));
        Assert.Contains("Modified MLP: the depth", Error(new() { Architecture = new ModifiedMlpArchitecture(8, 0) }));
        Assert.Contains("standard deviation of the log-scales", Error(new() { WeightFactorization = new(0.5, -0.1) }));
        // Coordinates are checked against the output of the previous embedding: after a periodic embedding of x
        // (2 harmonics) the input (x, t) becomes 5 features, so index 4 is valid and 5 is not.
        _ = new PinnNetwork(2, 1,
            new() { Embeddings = [PeriodicEmbeddingOptions.Of(0, 1.0, 2), new FourierFeatureOptions(4, 1) { Coordinates = [4] }] });
        Assert.Contains("coordinate index 5",
            Error(new() { Embeddings = [PeriodicEmbeddingOptions.Of(0, 1.0, 2), new FourierFeatureOptions(4, 1) { Coordinates = [5] }] }));
    }
}
