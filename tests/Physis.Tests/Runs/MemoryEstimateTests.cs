using Physis.Infrastructure;
using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Embeddings;
using Physis.Networks.Operators;
using Physis.Runs;
using Physis.Tests.Cli;
using Physis.Tests.Operators;
using Physis.Training.Operators;
using static TorchSharp.torch;

namespace Physis.Tests.Runs;

/// <summary>
/// Runs too large for the machine are refused with one line before anything is built or written (libtorch would crash on
/// the allocation), and the estimates behind the refusal count the networks' parameters as the built networks have them.
/// Nothing here allocates a large network.
/// </summary>
public class MemoryEstimateTests
{
    private static string TempPath(string suffix = "") => Path.Combine(Path.GetTempPath(), $"physis-memory-{Guid.NewGuid():N}{suffix}");

    private static long Parameters(nn.Module network) => network.parameters().Sum(p => p.numel());

    [Theory]
    [InlineData(512L, "512 bytes")]
    [InlineData(640L << 20, "640 MiB")]
    [InlineData(3L << 29, "1.5 GiB")]
    [InlineData(298L << 30, "298 GiB")]
    [InlineData((1L << 30) - (1L << 18), "1 GiB")]
    [InlineData(20L << 40, "20 TiB")]
    [InlineData(long.MaxValue, "8 EiB")]
    public void FormatsBytesInBinaryUnits(long bytes, string text) => Assert.Equal(text, MemoryBudget.Format(bytes));

    [Fact]
    public void RefusesOnlyAboveWhatIsAvailable()
    {
        MemoryBudget.Require(20L << 30, "the network", available: 21L << 30);
        var refused = Assert.Throws<ArgumentException>(() => MemoryBudget.Require(298L << 30, "the network's parameters and activations", 21L << 30));
        Assert.Equal("This run needs about 298 GiB for the network's parameters and activations, but the machine has 21 GiB available; "
            + "use a smaller network, fewer points or a smaller batch.", refused.Message);
        Assert.InRange(MemoryBudget.Available(), 1L << 20, long.MaxValue);
        Assert.Equal(long.MaxValue, MemoryBudget.Saturated(1e30));
    }

    [Fact]
    public void AHugePinnIsRefusedBeforeItsFolderIsCreated()
    {
        var problem = LShapedPoisson.Create();
        var huge = new[]
        {
            NetworkOptions.Mlp([200_000, 200_000]),
            new NetworkOptions { Embeddings = [new FourierFeatureOptions(500_000_000, 1.0)], Architecture = new MlpArchitecture([64]) },
            new NetworkOptions { Architecture = new PirateNetArchitecture(100_000, 3) },
        };
        foreach (var network in huge)
        {
            string folder = TempPath();
            var settings = LShapedPoisson.Settings with { Network = network };
            var refused = Assert.Throws<ArgumentException>(() => PinnRun.Execute(problem, settings, folder));
            Assert.Contains("needs about", refused.Message);
            Assert.Contains("available", refused.Message);
            Assert.False(Directory.Exists(folder), network.ToString());
        }
    }

    [Fact]
    public void ASmallPinnIsFarBelowTheMachine()
    {
        long bytes = PinnRun.EstimateMemory(LShapedPoisson.Create(), LShapedPoisson.Settings);
        // 16 x 16 float64 with L-BFGS history 100 on 540 points: kilobytes of parameters, a few MiB of activations.
        Assert.InRange(bytes, 1L << 20, 64L << 20);
    }

    public static TheoryData<string> PinnNetworks => ["mlp", "fourier-modified", "periodic-residual", "gaussian-pirate", "trainable-fourier-mlp"];

    [Theory]
    [MemberData(nameof(PinnNetworks))]
    public void PinnParameterEstimatesMatchTheBuiltNetworks(string name)
    {
        var options = name switch
        {
            "mlp" => NetworkOptions.Mlp([16, 12]),
            "fourier-modified" => new NetworkOptions
            {
                Embeddings = [new FourierFeatureOptions(8, 1.0) { Coordinates = [0] }],
                Architecture = new ModifiedMlpArchitecture(12, 3),
            },
            "periodic-residual" => new NetworkOptions
            {
                Embeddings = [PeriodicEmbeddingOptions.Of(0, 2.0, 3)],
                Architecture = new ResidualArchitecture(10, 2, 3),
            },
            "gaussian-pirate" => new NetworkOptions
            {
                Embeddings = [new GaussianFeatureOptions(6, 4)],
                Architecture = new PirateNetArchitecture(12, 2),
            },
            _ => new NetworkOptions
            {
                Embeddings = [new FourierFeatureOptions(5, 1.0) { Trainable = true }],
                Architecture = new MlpArchitecture([9]),
            },
        };
        using var network = new PinnNetwork(2, 3, options, dtype: ScalarType.Float64);
        var (estimate, _) = PinnRun.EstimateNetwork(options, 2, 3);
        Assert.Equal(Parameters(network), estimate);
        if (name == "mlp")
        {
            using var mlp = new Mlp(2, [16, 12], 3);
            Assert.Equal(Parameters(mlp), estimate);
        }
    }

    public static TheoryData<string> Operators => ["fno", "fno2d", "tfno", "cp", "mgno", "lsm", "deeponet"];

    [Theory]
    [MemberData(nameof(Operators))]
    public void OperatorParameterEstimatesMatchTheBuiltNetworks(string kind)
    {
        OperatorArchitecture architecture = kind switch
        {
            "fno" => new FnoSettings { Modes = [6], Width = 10, Layers = 3, ProjectionWidth = 16, Padding = 0.1 },
            "fno2d" => new FnoSettings { Modes = [4, 3], Width = 6, Layers = 2, ProjectionWidth = 8 },
            "tfno" => new TfnoSettings { Modes = [4, 4], Width = 8, Layers = 2, ProjectionWidth = 8, RankRatio = 0.3 },
            "cp" => new TfnoSettings { Modes = [8], Width = 12, Layers = 2, Factorisation = SpectralFactorisation.Cp, RankRatio = 0.2 },
            "mgno" => new MgnoSettings { Dimension = 2, Channels = 6, Layers = 3, Levels = 2, Smoothing = 2, TrainingGrid = [9, 9] },
            "lsm" => new LsmSettings { Dimension = 2, Width = 8, Scales = 3, Tokens = 3, Basis = 4, Patches = 2, Heads = 2, ProjectionWidth = 16 },
            _ => new DeepOnetSettings { Branch = [16, 20, 12], Trunk = [1, 10, 12], Outputs = 2 },
        };
        architecture.Validate();
        using var network = architecture.Create(seed: 0);
        long actual = Parameters(network), estimate = architecture.EstimateParameters();
        // Exact where nothing is chosen; a factorisation's ranks are rounded, so within a factor of two there.
        if (architecture is TfnoSettings) Assert.InRange(estimate, actual / 2, actual * 2);
        else Assert.Equal(actual, estimate);
        Assert.InRange(architecture.EstimateActivations([16, 16], 4), 1, 100_000_000);
    }

    [Fact]
    public void AHugeFnoIsRefusedBeforeItsFolderIsCreatedOrItsNetworkBuilt()
    {
        var data = OperatorTrainingTests.HeatData(12, 16, seed: 1);
        var settings = new OperatorRunSettings
        {
            DataPath = TempPath(".h5"),
            Architecture = new FnoSettings { Modes = [4], Width = 100_000 },
            Training = new OperatorTrainingSettings { Epochs = 1, BatchSize = 4 },
        };
        string folder = TempPath();
        var refused = Assert.Throws<ArgumentException>(() => OperatorRun.Execute(settings, data.Slice(0, 10), data.Slice(10, 2), folder, false, 1));
        Assert.Contains("needs about", refused.Message);
        Assert.Contains("available", refused.Message);
        Assert.False(Directory.Exists(folder));
        // The default FNO on the same data needs little.
        var small = settings with { Architecture = new FnoSettings { Modes = [4] } };
        Assert.InRange(OperatorRun.EstimateMemory(small, data.Slice(0, 10), data.Slice(10, 2)), 1L << 10, 256L << 20);
    }

    [Fact]
    public void TheCommandsRefuseHugeNetworksWithOneLineAndWriteNothing()
    {
        string data = TempPath(".h5"), folder = TempPath();
        try
        {
            OperatorTrainingTests.HeatData(20, 16, seed: 1).Write(data);
            var (code, _, error) = SolveCommandTests.Physis("train-operator", "fno", "--width", "100000", "--data", data, "--out", folder);
            Assert.Equal(2, code);
            Assert.Matches(@"^error: This run needs about \d+(\.\d)? [KMGTPE]iB for .*available; .*\.$", Assert.Single(error.Trim().Split('\n')));
            Assert.False(Directory.Exists(folder));

            (code, _, error) = SolveCommandTests.Physis("solve", "burgers", "--hidden", "200000,200000", "--out", folder);
            Assert.Equal(2, code);
            Assert.Contains("needs about", Assert.Single(error.Trim().Split('\n')));
            Assert.False(Directory.Exists(folder));
        }
        finally
        {
            File.Delete(data);
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
