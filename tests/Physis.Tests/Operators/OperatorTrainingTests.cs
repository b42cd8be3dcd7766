using Physis.Data;
using Physis.Data.Datasets;
using Physis.Networks.Operators;
using Physis.Training.Operators;
using Physis.Training.Optimizers;
using static TorchSharp.torch;

namespace Physis.Tests.Operators;

public class OperatorTrainingTests
{
    /// <summary>
    /// The heat semigroup u -> exp(t d^2/dx^2) u on the periodic unit interval, a linear operator that damps mode k by
    /// exp(-4 pi^2 k^2 t), applied to random Fourier series with modes 1 to 4.
    /// </summary>
    internal static OperatorDataset HeatData(int samples, int n, int seed, double time = 0.005)
    {
        var random = new Random(seed);
        var inputs = new double[samples * n];
        var targets = new double[samples * n];
        for (int s = 0; s < samples; s++)
            for (int k = 1; k <= 4; k++)
            {
                double a = random.NextDouble() * 2 - 1, b = random.NextDouble() * 2 - 1, decay = Math.Exp(-4 * Math.PI * Math.PI * k * k * time);
                for (int j = 0; j < n; j++)
                {
                    double phase = 2 * Math.PI * k * j / n, value = a * Math.Cos(phase) + b * Math.Sin(phase);
                    inputs[s * n + j] += value;
                    targets[s * n + j] += decay * value;
                }
            }
        return new OperatorDataset(inputs, targets, samples, [Enumerable.Range(0, n).Select(j => j / (double)n).ToArray()]);
    }

    private static OperatorModel Fno(OperatorDataset train, int seed = 0) => new(new OperatorModelSpec
    {
        Architecture = new FnoSettings { Modes = [6], Width = 12, Layers = 2, ProjectionWidth = 24 },
        InputNormaliser = GaussianNormaliser.Fit(train.Inputs),
        OutputNormaliser = GaussianNormaliser.Fit(train.Targets),
        TrainingGrid = train.Grid,
        Seed = seed,
    });

    /// <summary>A small DeepONet for 20-sensor data (the output normaliser, a scale only, is fitted on the training targets).</summary>
    internal static OperatorModel DeepOnet(OperatorDataset train) => new(new OperatorModelSpec
    {
        Architecture = new DeepOnetSettings { Branch = [20, 32, 32], Trunk = [1, 32, 32] },
        InputNormaliser = GaussianNormaliser.Fit(train.Inputs),
        OutputNormaliser = GaussianNormaliser.Fit(train.Targets),
        TrainingGrid = train.Grid,
    });

    [Fact]
    public void TinyFnoLearnsTheHeatSemigroup()
    {
        var train = HeatData(200, 32, seed: 1);
        var test = HeatData(50, 32, seed: 2);
        using var model = Fno(train);
        using var trainer = new OperatorTrainer(model, train, test, new OperatorTrainingSettings
        {
            Epochs = 30,
            BatchSize = 20,
            Schedule = new LearningRateSchedule.Cosine(5e-3, Period: 30),
            WeightDecay = 0,
        });
        trainer.Train();
        Assert.True(trainer.History[^1].TestRelativeL2 < 0.05, $"test relative L2 {trainer.History[^1].TestRelativeL2}");
        Assert.True(trainer.History[^1].TestRelativeL2 < trainer.History[0].TestRelativeL2 / 4);
    }

    [Fact]
    public void TinyDeepOnetLearnsTheAntiderivative()
    {
        var data = AntiderivativeDataset.Generate(250, sensors: 20, seed: 3);
        var (train, test) = (data.Slice(0, 200), data.Slice(200, 50));
        using var model = DeepOnet(train);
        using var trainer = new OperatorTrainer(model, train, test, new OperatorTrainingSettings
        {
            Epochs = 200,
            BatchSize = 50,
            Schedule = new LearningRateSchedule.Cosine(1e-2, Period: 200),
            WeightDecay = 0,
            Loss = OperatorLoss.MeanSquare,
        });
        trainer.Train();
        var (first, last) = (trainer.History[0].TestMeanSquare, trainer.History[^1].TestMeanSquare);
        // 800 steps: a tenfold drop and a rough fit; the benchmark (README) trains to MSE of order 1e-6.
        Assert.True(last < first / 10, $"test MSE {first} after one epoch, {last} after {trainer.Epoch}");
        Assert.True(trainer.History[^1].TestRelativeL2 < 0.3, $"test relative L2 {trainer.History[^1].TestRelativeL2}");
    }

    [Fact]
    public void ResumedTrainingMatchesAnUninterruptedRunAndSavedModelsReload()
    {
        var train = HeatData(40, 16, seed: 4);
        var settings = new OperatorTrainingSettings
        {
            Epochs = 2,
            BatchSize = 8,
            Schedule = new LearningRateSchedule.Step(1e-2, StepEvery: 50, StepFactor: 0.5),
        };
        string folder = Path.Combine(Path.GetTempPath(), $"physis-operator-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            using var straight = Fno(train);
            using (var trainer = new OperatorTrainer(straight, train, null, settings)) trainer.Train();

            string checkpoint = Path.Combine(folder, "checkpoint.bin");
            using (var first = Fno(train))
            using (var trainer = new OperatorTrainer(first, train, null, settings with { Epochs = 1 }))
            {
                trainer.EnableCheckpoints(checkpoint, 1);
                trainer.Train();
            }
            using var resumed = Fno(train);
            using (var trainer = new OperatorTrainer(resumed, train, null, settings))
            {
                trainer.LoadCheckpoint(checkpoint);
                Assert.Equal(1, trainer.Epoch);
                trainer.Train();
            }
            foreach (var ((name, a), (_, b)) in straight.NamedParameters().Zip(resumed.NamedParameters()))
                Assert.True(a.allclose(b, rtol: 0, atol: 0), $"parameter {name} differs after resuming");

            string path = Path.Combine(folder, OperatorModel.FileName);
            resumed.Save(path);
            using var loaded = OperatorModel.Load(path);
            Assert.Equal(resumed.Spec.OutputNormaliser, loaded.Spec.OutputNormaliser);
            var before = OperatorTrainer.Predict(resumed, train);
            var after = OperatorTrainer.Predict(loaded, train);
            Assert.Equal(before, after);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void RelativeH1PenalisesOscillationMoreThanRelativeL2()
    {
        var x = arange(64, dtype: ScalarType.Float64) / 64;
        using var truth = sin(2 * Math.PI * x).reshape(1, 64);
        using var wiggly = truth + 0.01 * sin(2 * Math.PI * 20 * x).reshape(1, 64);
        double l2 = OperatorLosses.RelativeLp(wiggly, truth).item<double>();
        double h1 = OperatorLosses.RelativeH1(wiggly, truth, 1).item<double>();
        Assert.InRange(l2, 0.0099, 0.0101);
        Assert.True(h1 > 10 * l2, $"H1 {h1} vs L2 {l2}");
    }
}

public class PhysicsInformedDeepOnetTests
{
    [Fact]
    public void AntiderivativeIsLearnedFromTheEquationAlone()
    {
        var data = AntiderivativeDataset.Generate(150, sensors: 20, seed: 5);
        var (train, test) = (data.Slice(0, 100), data.Slice(100, 50));
        using var model = OperatorTrainingTests.DeepOnet(train);
        // No target values enter the loss: only G' = u and G(0) = 0 at the sensors.
        using var trainer = new OperatorTrainer(model, train, test, new OperatorTrainingSettings
        {
            Epochs = 60,
            BatchSize = 50,
            Schedule = new LearningRateSchedule.Cosine(1e-2, Period: 60),
            WeightDecay = 0,
            DataWeight = 0,
        }, OperatorPhysics.Antiderivative());
        trainer.Train();
        var (first, last) = (trainer.History[0].TestRelativeL2, trainer.History[^1].TestRelativeL2);
        Assert.True(last < 0.3 && last < first / 3, $"test relative L2 {first} after one epoch, {last} after {trainer.Epoch}");
    }
}
