using System.Text.Json;
using Physis.Geometry;
using Physis.Networks;
using Physis.Problems;
using Physis.Runs;
using Physis.Tests.Runs;
using Physis.Training;
using Physis.Training.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Tests.Training;

/// <summary>Periodic point pairs, constant conditions, early stopping, the time budget, L-BFGS's stop reasons and divergence recovery.</summary>
public class TrainingControlTests
{
    private static readonly TrainerOptions Float64 = new() { DType = ScalarType.Float64, Seed = 1 };

    /// <summary>u_t + u_x = 0 on [0, 2 pi] x [0, 1], periodic in x: the only spatial condition is periodic.</summary>
    private static PdeProblem PeriodicAdvection() => new(new Interval(0, 2 * Math.PI).WithTime(0, 1), f => f.Dt("u") + f.Dx("u"),
        [Condition.Periodic("u", "x"), Condition.Initial("u", p => Math.Sin(p[0]))]);

    private static long PairRows(Sampling sampling)
    {
        using var network = new Mlp(2, [4], 1, seed: 1, dtype: ScalarType.Float64);
        using var trainer = new PinnTrainer(PeriodicAdvection(), network, sampling, Float64);
        return trainer.Batch.Conditions[0].Rows.Count;
    }

    [Fact]
    public void PeriodicPairsHaveTheirOwnCount()
    {
        Assert.Equal(Sampling.DefaultPeriodicPairs, PairRows(new Sampling(Domain: 50, Initial: 20)));
        Assert.Equal(7, PairRows(new Sampling(Domain: 50, Initial: 20, Periodic: 7)));
        Assert.Equal(30, PairRows(new Sampling(Domain: 50, Boundary: 30, Initial: 20)));
        var none = Assert.Throws<ArgumentException>(() => PairRows(new Sampling(Domain: 50, Initial: 20, Periodic: 0)));
        Assert.Contains("Sampling.Periodic", none.Message);
        Assert.Throws<ArgumentException>(() => new Sampling(50, Periodic: -1).Validate());
    }

    [Fact]
    public void ConstantConditionsHoldTheirValueEverywhere()
    {
        double[] point = [0.25, 0.5];
        Assert.Equal(0.3, Condition.Dirichlet("u", 0.3).Target!(point));
        Assert.Equal(-2.0, Condition.Neumann("u", -2).Target!(point));
        Assert.Equal(1.5, Condition.Robin("u", 1, 2, 1.5).Target!(point));
        Assert.Equal(4.0, Condition.Initial("u", 4).Target!(point));
        Assert.Equal(0.0, Condition.InitialDerivative("u", 0).Target!(point));
        Assert.Throws<ArgumentException>(() => Condition.Dirichlet("u", double.NaN));
    }

    private static PinnTrainer Poisson(Mlp network) => new(PinnTrainingTests.Poisson1D(1.0), network, new Sampling(32, 2), Float64);

    [Fact]
    public void EarlyStoppingEndsTrainingAfterPatienceWithoutImprovementAndTrainContinues()
    {
        using var network = new Mlp(1, [8], 1, seed: 2, dtype: ScalarType.Float64);
        using var trainer = Poisson(network);
        // A metric that never improves after its first value: the stop comes exactly after Patience more evaluations.
        var stopping = new EarlyStopping(patience: 3, metric: (_, _) => 1.0, name: "constant");
        trainer.Train([new AdamPhase(10, 1e-3)], stopping);
        Assert.Equal(4, trainer.History.Count);
        Assert.Equal(1, stopping.BestStep);
        var end = Assert.Single(trainer.PhaseEnds);
        Assert.Equal(4, end.Step);
        Assert.StartsWith("stopped: early stopping: constant has not improved", end.Reason);

        trainer.Train([new AdamPhase(10, 1e-3)]);
        Assert.Equal(10, trainer.History.Count);
        Assert.Equal([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], trainer.History.Select(r => r.Step));
        Assert.Equal("iterations", trainer.PhaseEnds[^1].Reason);
    }

    [Fact]
    public void EarlyStoppingOnTheLossWaitsWhileItImproves()
    {
        using var network = new Mlp(1, [8], 1, seed: 2, dtype: ScalarType.Float64);
        using var trainer = Poisson(network);
        // Adam at a small rate lowers the loss at every one of the first steps: no stop within them.
        trainer.Train([new AdamPhase(5, 1e-4)], new EarlyStopping(patience: 1));
        Assert.Equal(5, trainer.History.Count);
        Assert.Equal("iterations", trainer.PhaseEnds[^1].Reason);
    }

    [Fact]
    public void TimeBudgetStopsTraining()
    {
        using var network = new Mlp(1, [8], 1, seed: 2, dtype: ScalarType.Float64);
        using var trainer = Poisson(network);
        trainer.Train([new AdamPhase(10, 1e-3)], new TimeBudget(TimeSpan.Zero));
        Assert.Single(trainer.History);
        Assert.StartsWith("stopped: time budget", trainer.PhaseEnds[^1].Reason);

        // A fake clock at one second per iteration: a 5 s budget ends the run at step 5 of the second call's count.
        using var network2 = new Mlp(1, [8], 1, seed: 2, dtype: ScalarType.Float64);
        using var timed = Poisson(network2);
        timed.Train([new AdamPhase(10, 1e-3), new LbfgsPhase(10)], new TimeBudget(TimeSpan.FromSeconds(5), () => TimeSpan.FromSeconds(timed.Step)));
        Assert.Equal(5, timed.History.Count);
        Assert.Equal("adam", timed.PhaseEnds[^1].Phase);
    }

    /// <summary>L-BFGS on a * (x - c)^2 from x = 0 with the given settings; returns its stop reason.</summary>
    private static string? LbfgsStop(double a, double c, LbfgsSettings settings, bool nan = false)
    {
        using var x = new Parameter(zeros(1, dtype: ScalarType.Float64));
        using var lbfgs = new Lbfgs([x], settings);
        var objective = new LossObjective(() =>
        {
            var loss = a * (x - c).square().sum();
            loss.backward();
            return nan ? double.NaN : loss.ToDouble();
        });
        for (int i = 0; i < 50 && lbfgs.Step(objective); i++) { }
        return lbfgs.StopReason;
    }

    [Fact]
    public void LbfgsSaysWhyItStopped()
    {
        Assert.Contains("GradientTolerance", LbfgsStop(1, 3, new LbfgsSettings()));
        Assert.Contains("GradientTolerance", LbfgsStop(1, 3, new LbfgsSettings { GradientTolerance = 1e10 }));
        // The first slope is -36: any larger tolerance refuses the direction.
        Assert.Contains("not one of descent", LbfgsStop(1, 3, new LbfgsSettings { ChangeTolerance = 100 }));
        // The first step moves x by 1/6 of the direction 6: one unit, below a tolerance of 2 (the slope -36 passes it).
        Assert.Contains("step below ChangeTolerance", LbfgsStop(1, 3, new LbfgsSettings { ChangeTolerance = 2 }));
        // a = 0.05, c = 10: the first step moves x by one unit, the loss by 0.95, the slope is -1.
        Assert.Contains("loss change below ChangeTolerance", LbfgsStop(0.05, 10, new LbfgsSettings { ChangeTolerance = 0.97 }));
        Assert.Contains("not finite", LbfgsStop(1, 3, new LbfgsSettings(), nan: true));
    }

    [Fact]
    public void TrainerRecordsHowEachPhaseEnded()
    {
        using var network = new Mlp(1, [8], 1, seed: 2, dtype: ScalarType.Float64);
        using var trainer = Poisson(network);
        trainer.Train([new AdamPhase(3, 1e-3), new LbfgsPhase(100, new LbfgsSettings { GradientTolerance = 1e10 })]);
        PhaseEnd[] ends = [new("adam", 3, "iterations"), new("lbfgs", 3, "converged: largest gradient component below GradientTolerance")];
        Assert.Equal(ends, trainer.PhaseEnds);
    }

    private static bool Finite(Mlp network) => network.parameters().All(p => p.isfinite().all().item<bool>());

    [Fact]
    public void DivergedAdamRollsBackWithASmallerStepAndFinishes()
    {
        using var network = new Mlp(1, [8], 1, seed: 2, dtype: ScalarType.Float64);
        // A learning rate of 1e30 throws the weights to 1e30 at the first step; one rollback brings it to 1e-3.
        var options = Float64 with { Recovery = new DivergenceRecovery { StepFactor = 1e-33 } };
        using var trainer = new PinnTrainer(PinnTrainingTests.Poisson1D(1.0), network, new Sampling(32, 2), options);
        trainer.Train([new AdamPhase(20, 1e30)]);
        var rollback = Assert.Single(trainer.Rollbacks);
        Assert.Equal((2, 0, "adam"), (rollback.DivergedAtStep, rollback.ResumedFromStep, rollback.Phase));
        Assert.Equal(20, trainer.History.Count);
        Assert.All(trainer.History, r => Assert.True(double.IsFinite(r.Total) && r.Total < 1e6 * trainer.History[0].Total));
        Assert.Equal(2, trainer.History.Single(r => r.Values.ContainsKey("rollback_from_step")).Values["rollback_from_step"]);
        Assert.True(Finite(network));
    }

    [Fact]
    public void SnapshotsLeaveATrainingThatDoesNotDivergeUnchanged()
    {
        double[] Losses(DivergenceRecovery? recovery)
        {
            using var network = new Mlp(1, [8], 1, seed: 2, dtype: ScalarType.Float64);
            using var trainer = new PinnTrainer(PinnTrainingTests.Poisson1D(1.0), network, new Sampling(32, 2),
                Float64 with { Recovery = recovery });
            trainer.Train([new AdamPhase(30, 1e-2), new LbfgsPhase(20)]);
            Assert.Empty(trainer.Rollbacks);
            return [.. trainer.History.Select(r => r.Total)];
        }
        Assert.Equal(Losses(null), Losses(new DivergenceRecovery { SnapshotEvery = 3 }));
    }

    [Fact]
    public void DivergenceBeyondTheRetriesStopsWithTheLastGoodNetwork()
    {
        using var network = new Mlp(1, [8], 1, seed: 2, dtype: ScalarType.Float64);
        using var trainer = Poisson(network);
        var error = Assert.Throws<TrainingDivergedException>(() => trainer.Train([new AdamPhase(20, 1e30)]));
        Assert.Contains("after 3 rollbacks", error.Message);
        Assert.Equal(3, trainer.Rollbacks.Count);
        Assert.Equal([0.5, 0.25, 0.125], trainer.Rollbacks.Select(r => r.StepScale));
        Assert.True(Finite(network));
        Assert.All(trainer.History, r => Assert.True(double.IsFinite(r.Total)));
    }

    [Fact]
    public void RunRecordsRollbacksAndPhaseEnds()
    {
        string folder = Directory.CreateTempSubdirectory("physis-rollback").FullName;
        try
        {
            var settings = LShapedPoisson.Short(30) with { Schedule = LShapedPoisson.Short(30).Schedule with { LearningRate = 1e30 } };
            var result = PinnRun.Execute(LShapedPoisson.Create(), settings, folder,
                LShapedPoisson.Options(reference: false) with { Recovery = new DivergenceRecovery { StepFactor = 1e-32 } });
            Assert.Single(result.Rollbacks);
            Assert.Equal(30, result.Iterations);
            Assert.True(double.IsFinite(result.FinalLoss));
            var run = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, RunFolder.RunFile))).RootElement;
            Assert.Equal(1, run.GetProperty("rollbacks").GetArrayLength());
            Assert.Equal("iterations", run.GetProperty("phase_ends")[0].GetProperty("reason").GetString());
            var header = File.ReadLines(Path.Combine(folder, "loss.csv")).First().Split(',');
            Assert.Contains("rollback_from_step", header);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
