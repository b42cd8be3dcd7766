using Physis.Data;
using Physis.Networks.Operators;
using Physis.Training;
using Physis.Training.Operators;
using Physis.Training.Optimizers;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace Physis.Tests.Operators;

/// <summary>AdamW, the periodic H1 error, neuraloperator's mode counts, grid features from coordinates and divergence recovery.</summary>
public class OperatorTrainingOptionsTests
{
    [Fact]
    public void AdamWShrinksTheParametersApartFromTheGradient()
    {
        // One step on f(p) = sum(p^2) / 2 (gradient p): Adam's bias-corrected first step moves each parameter by
        // rate * g / (|g| + eps); AdamW first multiplies it by 1 - rate * decay.
        double rate = 0.1, decay = 0.5;
        double[] start = [2.0, -3.0];
        using var p = new Parameter(tensor(start, ScalarType.Float64));
        using var adamW = new Adam([p], new LearningRateSchedule.Constant(rate), decoupledWeightDecay: decay);
        adamW.Step(new LossObjective(() =>
        {
            var loss = p.square().sum() / 2;
            loss.backward();
            return loss.item<double>();
        }));
        var after = p.data<double>().ToArray();
        for (int i = 0; i < start.Length; i++)
        {
            double g = start[i], expected = start[i] * (1 - rate * decay) - rate * g / (Math.Abs(g) + 1e-8);
            Assert.Equal(expected, after[i], 12);
        }
    }

    [Fact]
    public void AdamWAndAdamWeightDecayTrainDifferently()
    {
        var train = OperatorTrainingTests.HeatData(20, 16, seed: 1);
        double[] Trained(OperatorOptimizer optimizer)
        {
            using var model = Model(train);
            using var trainer = new OperatorTrainer(model, train, null, new OperatorTrainingSettings
            {
                Epochs = 2,
                BatchSize = 10,
                Schedule = new LearningRateSchedule.Constant(1e-2),
                WeightDecay = 0.1,
                Optimizer = optimizer,
            });
            trainer.Train();
            return [.. trainer.History.Select(r => r.TrainLoss)];
        }
        var adam = Trained(OperatorOptimizer.Adam);
        var adamW = Trained(OperatorOptimizer.AdamW);
        // The same first batch loss, then other steps: the L2 term enters Adam's moments, the decoupled decay does not.
        Assert.NotEqual(adam[1], adamW[1]);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void PeriodicH1OfSinesMatchesTheAnalyticValue(int k)
    {
        // truth sin(2 pi x), error a sin(2 pi k x) on [0, 1): |e|_H1^2 / |u|_H1^2 = a^2 (1 + (2 pi k)^2) / (1 + (2 pi)^2), and
        // central differences of sin(2 pi k x) carry the relative error (2 pi k h)^2 / 6, below 1e-3 for n = 256.
        const int n = 256;
        const double a = 0.1;
        var x = Enumerable.Range(0, n).Select(i => i / (double)n).ToArray();
        using var truth = tensor(x.Select(v => Math.Sin(2 * Math.PI * v)).ToArray(), ScalarType.Float64).reshape(1, n);
        using var error = tensor(x.Select(v => a * Math.Sin(2 * Math.PI * k * v)).ToArray(), ScalarType.Float64).reshape(1, n);
        using var relative = OperatorLosses.RelativeH1(truth + error, truth, 1, H1Differences.Periodic);
        double analytic = a * Math.Sqrt((1 + Math.Pow(2 * Math.PI * k, 2)) / (1 + Math.Pow(2 * Math.PI, 2)));
        Assert.Equal(analytic, relative.item<double>(), analytic * 2e-3);
    }

    [Fact]
    public void ModesFromTotalFollowsNeuraloperatorsCount()
    {
        Assert.Equal([4, 5], FnoSettings.ModesFromTotal([8, 8]));
        Assert.Equal([9], FnoSettings.ModesFromTotal([16]));
        Assert.Equal([6, 4], FnoSettings.ModesFromTotal([12, 7]));
        Assert.Contains("must be even", Assert.Throws<ArgumentException>(() => FnoSettings.ModesFromTotal([7, 8])).Message);
        // neuraloperator's spectral weight for n_modes (8, 8) and 24 channels: [24, 24, 8, 8 / 2 + 1] complex values.
        using var layer = new SpectralConvolution(24, 24, FnoSettings.ModesFromTotal([8, 8]));
        Assert.Equal(2L * 24 * 24 * 8 * 5, layer.parameters().Sum(p => p.numel()));
    }

    [Fact]
    public void GridFeaturesAreTheGivenCoordinates()
    {
        using var fno = new FourierNeuralOperator(new FnoSettings { Modes = [4], Width = 8, Layers = 1, ProjectionWidth = 8 });
        using var x = randn(2, 1, 16);
        using var unit = linspace(0, 1, 16);
        using var wider = linspace(0, 2, 16);
        using var plain = fno.forward(x);
        Assert.True(plain.allclose(fno.forward(x, [unit]), rtol: 0, atol: 0));
        Assert.False(plain.allclose(fno.forward(x, [wider]), rtol: 1e-3, atol: 1e-5));
        Assert.Contains("coordinates have [8]", Assert.Throws<ArgumentException>(() => fno.forward(x, [linspace(0, 1, 8)])).Message);
    }

    [Fact]
    public void DivergenceRollsBackHalvesTheRateAndTrainsOn()
    {
        var train = OperatorTrainingTests.HeatData(40, 16, seed: 1);
        var test = OperatorTrainingTests.HeatData(10, 16, seed: 2);
        using var model = Model(train);
        // A rate of 1e3 wrecks the network in one step; halving it ten times brings it near 1.
        var settings = new OperatorTrainingSettings
        {
            Epochs = 2,
            BatchSize = 10,
            Schedule = new LearningRateSchedule.Constant(1e3),
            WeightDecay = 0,
            MaxRecoveries = 40,
        };
        using var trainer = new OperatorTrainer(model, train, test, settings);
        trainer.Train();
        Assert.NotEmpty(trainer.Recoveries);
        Assert.All(trainer.Recoveries.Zip(trainer.Recoveries.Skip(1)), pair => Assert.Equal(pair.First.RateScale / 2, pair.Second.RateScale));
        Assert.Equal(trainer.Recoveries.Count, trainer.History.Sum(r => r.Recoveries));
        Assert.Equal(1e3 * trainer.Recoveries[^1].RateScale, trainer.History[^1].LearningRate);
        Assert.All(model.Network.parameters(), p => Assert.True(p.isfinite().all().item<bool>()));
        Assert.All(trainer.History, r => Assert.True(double.IsFinite(r.TrainLoss) && double.IsFinite(r.TestRelativeL2)));

        using var again = Model(train);
        using var exhausted = new OperatorTrainer(again, train, test, settings with { MaxRecoveries = 1 });
        var error = Assert.Throws<TrainingDivergedException>(() => exhausted.Train());
        Assert.Contains("after 1 rollbacks", error.Message);
    }

    [Fact]
    public void NormalisedLossIsTheLossBetweenNormalisedFields()
    {
        // One batch of all samples: the epoch's loss is the MSE at the initial parameters, which in normalised units is the
        // physical MSE over the output deviation squared.
        var train = OperatorTrainingTests.HeatData(20, 16, seed: 1);
        double InitialLoss(bool normalised, out double physical, out double deviation)
        {
            using var model = Model(train);
            using (no_grad())
            {
                using var inputs = tensor(train.Inputs.Select(v => (float)v).ToArray(), [20, 16]);
                using var targets = tensor(train.Targets.Select(v => (float)v).ToArray(), [20, 16]);
                using var query = OperatorModel.QueryPoints(train.Coordinates);
                var axes = OperatorModel.Axes(train.Coordinates);
                using var prediction = model.Forward(inputs, query, axes);
                physical = (prediction - targets).square().mean().item<float>();
                foreach (var a in axes) a.Dispose();
            }
            deviation = model.Spec.OutputNormaliser.StandardDeviation;
            using var trainer = new OperatorTrainer(model, train, null, new OperatorTrainingSettings
            {
                Epochs = 1,
                BatchSize = 20,
                Loss = OperatorLoss.MeanSquare,
                NormalisedLoss = normalised,
                WeightDecay = 0,
            });
            trainer.Train();
            return trainer.History[0].TrainLoss;
        }
        double normalisedLoss = InitialLoss(true, out double physical, out double deviation);
        Assert.Equal(physical / (deviation * deviation), normalisedLoss, physical / (deviation * deviation) * 1e-4);
        Assert.Equal(physical, InitialLoss(false, out _, out _), physical * 1e-4);
    }

    [Fact]
    public void AllZeroTargetsAreRefusedForRelativeErrors()
    {
        var data = OperatorTrainingTests.HeatData(10, 16, seed: 1);
        var zero = new OperatorDataset(data.Inputs, new double[data.Targets.Length], data.Count, data.Coordinates);
        using var model = Model(data);
        var error = Assert.Throws<ArgumentException>(() => new OperatorTrainer(model, zero, data, new OperatorTrainingSettings()));
        Assert.Contains("Sample 0 of the training data has all-zero targets", error.Message);
        error = Assert.Throws<ArgumentException>(() => new OperatorTrainer(model, data, zero, new OperatorTrainingSettings()));
        Assert.Contains("Sample 0 of the test data has all-zero targets", error.Message);
    }

    private static OperatorModel Model(OperatorDataset train) => new(new OperatorModelSpec
    {
        Architecture = new FnoSettings { Modes = [4], Width = 8, Layers = 2, ProjectionWidth = 16 },
        InputNormaliser = GaussianNormaliser.Fit(train.Inputs),
        OutputNormaliser = GaussianNormaliser.Fit(train.Targets),
        TrainingGrid = train.Grid,
        CoordinateFeatures = true,
    });
}
