using System.Text.Json;
using Physis.Data;
using Physis.Infrastructure;
using Physis.Networks.Layers;
using Physis.Networks.Operators;
using Physis.Runs;
using Physis.Training.Operators;
using Physis.Training.Optimizers;
using static TorchSharp.torch;

namespace Physis.Tests.Operators;

/// <summary>The architecture records: one per kind, each its own factory, stored by kind in settings.json and model.bin.</summary>
public class OperatorArchitectureTests
{
    /// <summary>A small architecture of every kind for 1D data on 16 points.</summary>
    public static TheoryData<string> Kinds() => ["fno", "tfno", "mgno", "lsm", "deeponet"];

    internal static OperatorArchitecture Small(string kind) => kind switch
    {
        "fno" => new FnoSettings { Modes = [4], Width = 6, Layers = 2, ProjectionWidth = 8, Padding = 0.25 },
        "tfno" => new TfnoSettings
        {
            Modes = [4],
            Width = 6,
            Layers = 2,
            ProjectionWidth = 8,
            Factorisation = SpectralFactorisation.Cp,
            RankRatio = 0.3,
        },
        "mgno" => new MgnoSettings
        {
            Dimension = 1,
            Channels = 4,
            Layers = 2,
            Levels = 2,
            Boundary = MultigridBoundary.Periodic,
            TrainingGrid = [16],
        },
        "lsm" => new LsmSettings { Dimension = 1, Width = 4, Scales = 2, Tokens = 2, Basis = 3, Patches = 2, Heads = 2, ProjectionWidth = 8 },
        "deeponet" => new DeepOnetSettings { Branch = [16, 8, 8], Trunk = [1, 8, 8], Activation = Activation.Relu },
        _ => throw new ArgumentException(kind),
    };

    private static long Parameters(nn.Module network) => network.parameters().Sum(p => p.numel());

    private static void AssertSameNetwork(OperatorArchitecture expected, OperatorArchitecture actual, int seed)
    {
        Assert.Equal(expected.GetType(), actual.GetType());
        Assert.Equal(expected.Kind, actual.Kind);
        // Records compare arrays by reference: compare what is stored instead.
        Assert.Equal(JsonSerializer.Serialize(expected, RunFolder.Json), JsonSerializer.Serialize(actual, RunFolder.Json));
        using var a = expected.Create(seed);
        using var b = actual.Create(seed);
        Assert.True(Parameters(a) > 0);
        Assert.Equal(Parameters(a), Parameters(b));
        foreach (var ((name, p), (_, q)) in a.named_parameters().Zip(b.named_parameters()))
            Assert.True(p.allclose(q, rtol: 0, atol: 0), $"{expected.Kind}: parameter {name} differs");
    }

    [Fact]
    public void KindsComeFromTheDerivedTypesInOrder()
    {
        Assert.Equal(["fno", "tfno", "mgno", "lsm", "deeponet"], OperatorArchitecture.Kinds);
        foreach (var kind in OperatorArchitecture.Kinds) Assert.Equal(kind, Small(kind).Kind);
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EachArchitectureRoundTripsThroughSettingsJson(string kind)
    {
        var architecture = Small(kind);
        architecture.Validate();
        var settings = new OperatorRunSettings
        {
            DataPath = "/data/heat.h5",
            Architecture = architecture,
            Training = new OperatorTrainingSettings { Epochs = 3, Schedule = new LearningRateSchedule.Cosine(2e-3, Period: 3) },
        };
        string folder = Path.Combine(Path.GetTempPath(), $"physis-architecture-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            var run = new RunFolder(folder);
            run.Store(new RunIdentity(OperatorRun.Kind, architecture.Kind), settings);
            using (var stored = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, RunFolder.SettingsFile))))
            {
                var node = stored.RootElement.GetProperty("settings");
                Assert.Equal(kind, node.GetProperty("architecture").GetProperty("kind").GetString());
                Assert.False(node.TryGetProperty("kind", out _), "the kind is stored once, in the architecture");
                Assert.Equal("cosine", node.GetProperty("training").GetProperty("schedule").GetProperty("kind").GetString());
                Assert.Equal(kind, stored.RootElement.GetProperty("run").GetProperty("name").GetString());
            }
            var (identity, read) = run.Read<OperatorRunSettings>();
            Assert.Equal(kind, identity.Name);
            Assert.Equal(settings.Training, read.Training);
            AssertSameNetwork(architecture, read.Architecture, seed: 3);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Theory]
    [MemberData(nameof(Kinds))]
    public void EachArchitectureRoundTripsThroughTheModelFile(string kind)
    {
        var train = OperatorTrainingTests.HeatData(4, 16, seed: 1);
        string path = Path.Combine(Path.GetTempPath(), $"physis-architecture-{Guid.NewGuid():N}.bin");
        try
        {
            using var model = new OperatorModel(new OperatorModelSpec
            {
                Architecture = Small(kind),
                InputNormaliser = GaussianNormaliser.Fit(train.Inputs),
                OutputNormaliser = GaussianNormaliser.Fit(train.Targets),
                TrainingGrid = train.Grid,
                Seed = 5,
            });
            model.Save(path);
            var (header, tensors) = TensorArchive.Load(path);
            foreach (var t in tensors.Values) t.Dispose();
            using (var json = JsonDocument.Parse(header))
                Assert.Equal(kind, json.RootElement.GetProperty("architecture").GetProperty("kind").GetString());

            using var loaded = OperatorModel.Load(path);
            Assert.Equal(model.ParameterCount, loaded.ParameterCount);
            Assert.Equal(kind, loaded.Spec.Architecture.Kind);
            AssertSameNetwork(model.Spec.Architecture, loaded.Spec.Architecture, seed: 5);
            Assert.Equal(OperatorTrainer.Predict(model, train), OperatorTrainer.Predict(loaded, train));
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void ModelFilesOfTheOlderLayoutAreRefusedClearly()
    {
        string path = Path.Combine(Path.GetTempPath(), $"physis-architecture-{Guid.NewGuid():N}.bin");
        try
        {
            TensorArchive.Save(path, """
                { "kind": "fno", "fno": { "modes": [4], "width": 6 }, "input_normaliser": { "mean": 0, "standard_deviation": 1 },
                  "output_normaliser": { "mean": 0, "standard_deviation": 1 }, "training_grid": [16], "seed": 0 }
                """, new Dictionary<string, Tensor>());
            var error = Assert.Throws<InvalidDataException>(() => OperatorModel.Load(path));
            Assert.Contains("older Physis", error.Message);
            Assert.Contains("retrain", error.Message);
        }
        finally
        {
            File.Delete(path);
        }
    }

    [Fact]
    public void AnFnoIsDenseAndATfnoFactorised()
    {
        var tfno = new TfnoSettings { Modes = [4] };
        Assert.Equal((SpectralFactorisation.Tucker, 0.1), (tfno.Factorisation, tfno.RankRatio));
        Assert.Contains("tfno",
            Assert.Throws<ArgumentException>(() => new FnoSettings { Modes = [4], Factorisation = SpectralFactorisation.Tucker }.Validate()).Message);
        Assert.Contains("Factorisation",
            Assert.Throws<ArgumentException>(() => new TfnoSettings { Modes = [4], Factorisation = SpectralFactorisation.Dense }.Validate()).Message);
        Assert.Contains("RankRatio", Assert.Throws<ArgumentException>(() => new TfnoSettings { Modes = [4], RankRatio = 0 }.Validate()).Message);
        using var dense = new FnoSettings { Modes = [4], Width = 8 }.Create(0);
        using var factorised = new TfnoSettings { Modes = [4], Width = 8 }.Create(0);
        Assert.True(Parameters(factorised) < Parameters(dense));
    }

    /// <summary>Library errors name the settings by their property names; the CLI turns those into flags.</summary>
    [Fact]
    public void ErrorsNameTheSettings()
    {
        string Error(Action validate) => Assert.Throws<ArgumentException>(validate).Message;
        Assert.StartsWith("Modes ", Error(() => new FnoSettings { Modes = [] }.Validate()));
        Assert.StartsWith("Width ", Error(() => new FnoSettings { Modes = [4], Width = 0 }.Validate()));
        Assert.StartsWith("Layers ", Error(() => new MgnoSettings { TrainingGrid = [16, 16], Layers = 0 }.Validate()));
        Assert.StartsWith("Levels ", Error(() => new MgnoSettings { TrainingGrid = [16, 16], Levels = 0 }.Validate()));
        Assert.StartsWith("Smoothing ", Error(() => new MgnoSettings { TrainingGrid = [16, 16], Smoothing = 0 }.Validate()));
        Assert.StartsWith("Tokens ", Error(() => new LsmSettings { Tokens = 0 }.Validate()));
        Assert.StartsWith("Basis ", Error(() => new LsmSettings { Basis = 0 }.Validate()));
        Assert.StartsWith("Branch and Trunk ", Error(() => new DeepOnetSettings { Branch = [4], Trunk = [1, 4] }.Validate()));
        Assert.StartsWith("Epochs ", Error(() => new OperatorTrainingSettings { Epochs = -1 }.Validate()));
        Assert.StartsWith("BatchSize ", Error(() => new OperatorTrainingSettings { BatchSize = 0 }.Validate()));
        Assert.StartsWith("WeightDecay ", Error(() => new OperatorTrainingSettings { WeightDecay = -1 }.Validate()));
        Assert.StartsWith("PointsPerFunction ", Error(() => new OperatorTrainingSettings { PointsPerFunction = 0 }.Validate()));
        Assert.StartsWith("DataWeight ", Error(() => new OperatorTrainingSettings { DataWeight = -1 }.Validate()));
        Assert.StartsWith("LearningRate ", Error(() => new OperatorTrainingSettings { Schedule = new LearningRateSchedule.Constant(0) }.Validate()));
        Assert.StartsWith("StepEvery ",
            Error(() => new OperatorTrainingSettings { Schedule = new LearningRateSchedule.Step(1e-3, 0, 0.5) }.Validate()));
        Assert.StartsWith("StepFactor ",
            Error(() => new OperatorTrainingSettings { Schedule = new LearningRateSchedule.Step(1e-3, 10, 1.5) }.Validate()));
        foreach (var message in new[]
        {
            Error(() => new FnoSettings { Modes = [4], Width = 0 }.Validate()),
            Error(() => new OperatorTrainingSettings { Epochs = -1 }.Validate()),
            Error(() => new LsmSettings { Width = 8, Heads = 3 }.Validate()),
        })
            Assert.DoesNotContain("--", message);
    }
}

/// <summary>The one learning-rate schedule type of PINN Adam phases and operator training.</summary>
public class LearningRateScheduleTests
{
    [Fact]
    public void RatesFollowTheFormulas()
    {
        // Step (the old LearningRateSchedules.Step delegate and the operator trainer's step decay): rate * factor^floor(i / every).
        var step = new LearningRateSchedule.Step(1e-3, StepEvery: 10, StepFactor: 0.5);
        Assert.Equal(1e-3, step.RateAt(0));
        Assert.Equal(1e-3, step.RateAt(9));
        Assert.Equal(5e-4, step.RateAt(10));
        Assert.Equal(2.5e-4, step.RateAt(25));
        // Exponential (the old LearningRateSchedules.Exponential delegate): rate * factor^(i / every), smoothly.
        var exponential = new LearningRateSchedule.Exponential(1e-3, DecayEvery: 10, DecayFactor: 0.5);
        Assert.Equal(1e-3 * Math.Sqrt(0.5), exponential.RateAt(5), 1e-18);
        Assert.Equal(5e-4, exponential.RateAt(10), 1e-18);
        Assert.Equal(1e-3 * Math.Pow(0.5, 2.5), exponential.RateAt(25), 1e-18);
        // Cosine (the operator trainer's cosine decay with the run's epochs as the period).
        var cosine = new LearningRateSchedule.Cosine(1e-3, Period: 100);
        Assert.Equal(1e-3, cosine.RateAt(0));
        Assert.Equal(5e-4, cosine.RateAt(50), 1e-18);
        Assert.Equal(1e-3 * 0.5 * (1 + Math.Cos(Math.PI / 4)), cosine.RateAt(25));
        Assert.Equal(0, cosine.RateAt(100), 1e-18);
        Assert.Equal(cosine.RateAt(100), cosine.RateAt(150));
        Assert.Equal(2e-3, new LearningRateSchedule.Constant(2e-3).RateAt(12345));
    }

    /// <summary>The old operator formulas, as OperatorTrainingSettings.RateAt computed them, give the same doubles bit for bit.</summary>
    [Theory]
    [InlineData(1e-3, 50, 0.5, 500)]
    [InlineData(1e-3, 2, 0.3, 6)]
    [InlineData(5e-3, 7, 0.9, 30)]
    public void OperatorRatesAreTheOldOnes(double rate, int every, double factor, int epochs)
    {
        var step = new LearningRateSchedule.Step(rate, every, factor);
        var cosine = new LearningRateSchedule.Cosine(rate, Math.Max(epochs, 1));
        for (int epoch = 0; epoch <= epochs + 3; epoch++)
        {
            Assert.Equal(rate * Math.Pow(factor, epoch / every), step.RateAt(epoch));
            Assert.Equal(rate * 0.5 * (1 + Math.Cos(Math.PI * Math.Min(epoch, epochs) / Math.Max(epochs, 1))), cosine.RateAt(epoch));
        }
    }

    [Fact]
    public void SchedulesRoundTripThroughJsonByKind()
    {
        LearningRateSchedule[] schedules =
        [
            new LearningRateSchedule.Constant(1e-3), new LearningRateSchedule.Step(1e-3, 50, 0.5),
            new LearningRateSchedule.Exponential(2e-3, 100, 0.9), new LearningRateSchedule.Cosine(5e-3, 30),
            new LearningRateSchedule.Linear(1e-3, 40),
        ];
        Assert.Equal(["constant", "step", "exponential", "cosine", "linear"], LearningRateSchedule.Kinds);
        foreach (var schedule in schedules)
        {
            string json = JsonSerializer.Serialize(schedule, RunFolder.Json);
            using (var document = JsonDocument.Parse(json)) Assert.Equal(schedule.Kind, document.RootElement.GetProperty("kind").GetString());
            Assert.Equal(schedule, JsonSerializer.Deserialize<LearningRateSchedule>(json, RunFolder.Json));
        }
    }

    /// <summary>The operator trainer holds each epoch's rate through its batches and records it in the history.</summary>
    [Fact]
    public void OperatorTrainingRecordsTheRateOfEachEpoch()
    {
        var train = OperatorTrainingTests.HeatData(20, 16, seed: 2);
        using var model = new OperatorModel(new OperatorModelSpec
        {
            Architecture = new FnoSettings { Modes = [4], Width = 4, Layers = 1, ProjectionWidth = 4 },
            InputNormaliser = GaussianNormaliser.Fit(train.Inputs),
            OutputNormaliser = GaussianNormaliser.Fit(train.Targets),
            TrainingGrid = train.Grid,
        });
        var schedule = new LearningRateSchedule.Step(1e-2, StepEvery: 2, StepFactor: 0.5);
        using var trainer = new OperatorTrainer(model, train, null, new OperatorTrainingSettings { Epochs = 5, BatchSize = 8, Schedule = schedule });
        Assert.Equal(3, trainer.BatchesPerEpoch);
        trainer.Train();
        Assert.Equal([1e-2, 1e-2, 5e-3, 5e-3, 2.5e-3], trainer.History.Select(r => r.LearningRate));
    }
}
