using Physis.Evaluation;
using Physis.Geometry;
using Physis.Networks;
using Physis.Networks.Layers;
using Physis.Problems;
using Physis.Training;
using Physis.Training.Adaptive;
using Physis.Training.Weighting;
using static TorchSharp.torch;

namespace Physis.Tests.Training;

public class PinnTrainingTests
{
    private static readonly TrainerOptions Float64 = new() { DType = ScalarType.Float64, Seed = 1 };

    /// <summary>-u'' = pi^2 sin(pi x) on [-1, 1], u(±1) = 0: exact u = sin(pi x).</summary>
    internal static PdeProblem Poisson1D(Expr diffusivity) => new(new Interval(-1, 1),
        f => -(diffusivity * f.Dxx("u")) - Math.PI * Math.PI * Functions.Sin(Math.PI * f.X),
        [Condition.Dirichlet("u")]);

    internal static double[,] Grid(int n)
    {
        var x = new double[n, 1];
        for (int i = 0; i < n; i++) x[i, 0] = -1 + 2.0 * i / (n - 1);
        return x;
    }

    [Fact]
    public void PoissonIsLearnedToSmallError()
    {
        using var net = new Mlp(1, [16, 16], 1, Activation.Tanh, seed: 2, dtype: ScalarType.Float64);
        using var trainer = new PinnTrainer(Poisson1D(1.0), net, new Sampling(64, 2), Float64);
        trainer.Train([new AdamPhase(500, 1e-2), new LbfgsPhase(300)]);

        var x = Grid(201);
        var exact = new double[201, 1];
        for (int i = 0; i < 201; i++) exact[i, 0] = Math.Sin(Math.PI * x[i, 0]);
        double error = Metrics.RelativeL2(trainer.Predict(x), exact);
        Assert.True(error < 1e-3, $"relative L2 error {error:E2} should be below 1e-3");
        Assert.True(trainer.History[^1].Total < 1e-3 * trainer.History[0].Total, "the loss must fall by three orders of magnitude");
    }

    /// <summary>-k u'' = f with the true k = 2 behind observations u = 0.5 sin(pi x); k starts from 0.5.</summary>
    private static (PdeProblem Problem, TrainableParameter K) DiffusivityProblem()
    {
        var k = new TrainableParameter("k", 0.5);
        var observed = Grid(25);
        var values = Enumerable.Range(0, 25).Select(i => 0.5 * Math.Sin(Math.PI * observed[i, 0])).ToArray();
        return (new PdeProblem(new Interval(-1, 1),
            f => -(k * f.Dxx("u")) - Math.PI * Math.PI * Functions.Sin(Math.PI * f.X),
            [Condition.Dirichlet("u"), Condition.PointData("u", observed, values)]), k);
    }

    [Fact]
    public void InverseProblemRecoversTheDiffusivity()
    {
        var (problem, k) = DiffusivityProblem();
        Assert.Equal([k], problem.Parameters);

        using var net = new Mlp(1, [16, 16], 1, seed: 3, dtype: ScalarType.Float64);
        using var trainer = new PinnTrainer(problem, net, new Sampling(64, 2), Float64);
        trainer.Train([new AdamPhase(500, 1e-2), new LbfgsPhase(500)]);
        double recovered = trainer.ParameterValues["k"];
        Assert.True(Math.Abs(recovered - 2.0) < 0.01, $"recovered k = {recovered}, true 2");
    }

    [Fact]
    public void AHoldingPhaseTrainsTheNetworkAndLeavesTheParameterWhereItWas()
    {
        var (problem, _) = DiffusivityProblem();
        using var net = new Mlp(1, [16, 16], 1, seed: 3, dtype: ScalarType.Float64);
        using var trainer = new PinnTrainer(problem, net, new Sampling(64, 2), Float64);
        var before = net.parameters().Select(p => p.clone()).ToList();

        trainer.Train([new AdamPhase(50, 1e-2) { HoldsProblemParameters = true }]);
        Assert.Equal(0.5, trainer.ParameterValues["k"]);
        Assert.Contains(net.parameters().Zip(before), pair => !pair.First.allclose(pair.Second));
        Assert.True(trainer.History[^1].Total < trainer.History[0].Total, "the network must have trained while k was held");

        trainer.Train([new AdamPhase(50, 1e-2)]);
        Assert.NotEqual(0.5, trainer.ParameterValues["k"]);
    }

    internal sealed class KillAt(int step) : ITrainingCallback
    {
        public void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep)
        {
            if (trainer.Step == step) throw new OperationCanceledException("simulated kill");
        }
    }

    [Theory]
    [InlineData(30, "")]  // killed during Adam
    [InlineData(70, "")]  // killed during L-BFGS
    [InlineData(30, "gradnorm+rar")]
    [InlineData(70, "gradnorm+rar")]
    [InlineData(33, "multiadam+ntk+rad")]
    [InlineData(23, "natural+gradnorm")]
    public void ResumedRunEndsWhereAnUninterruptedRunEnds(int killAt, string methods)
    {
        string folder = Directory.CreateTempSubdirectory("physis-ckpt").FullName;
        TrainingPhase first = methods.Contains("multiadam") ? new MultiAdamPhase(50, 5e-3)
            : methods.Contains("natural") ? new NaturalGradientPhase(25) : new AdamPhase(50, 5e-3);
        TrainingPhase[] schedule = [first, new LbfgsPhase(40)];
        var options = Float64 with
        {
            Methods = new ITrainingMethodOptions?[]
            {
                methods.Contains("gradnorm") ? new GradientNormBalancing(Every: 7)
                    : methods.Contains("ntk") ? new NtkBalancing(Every: 9, Subsample: 8) : null,
                methods.Contains("rar") ? new ResidualAdaptiveRefinement(Every: 20, Candidates: 200, PointsAdded: 5)
                    : methods.Contains("rad") ? new ResidualAdaptiveDistribution(Every: 15, Candidates: 300) : null,
            }.OfType<ITrainingMethodOptions>().ToList(),
        };
        PinnTrainer NewTrainer(Mlp net, TrainerOptions o) => new(Poisson1D(1.0), net, new Sampling(48, 2, 0, SamplingMethod.Uniform), o);
        try
        {
            using var netA = new Mlp(1, [12, 12], 1, seed: 5, dtype: ScalarType.Float64);
            using var uninterrupted = NewTrainer(netA, options);
            uninterrupted.Train(schedule);

            string checkpoint = Path.Combine(folder, "run.ckpt");
            using (var netB = new Mlp(1, [12, 12], 1, seed: 5, dtype: ScalarType.Float64))
            using (var killed = NewTrainer(netB, options))
            {
                killed.EnableCheckpoints(checkpoint, every: 10);
                Assert.Throws<OperationCanceledException>(() => killed.Train(schedule, new KillAt(killAt + 5)));
            }

            // A fresh process would build a different network and different points: the checkpoint must restore both.
            using var netC = new Mlp(1, [12, 12], 1, seed: 99, dtype: ScalarType.Float64);
            using var resumed = NewTrainer(netC, options with { Seed = 42 });
            resumed.LoadCheckpoint(checkpoint);
            Assert.InRange(resumed.Step, 1, killAt + 5);
            resumed.Train(schedule);

            Assert.Equal(uninterrupted.Step, resumed.Step);
            Assert.Equal(uninterrupted.History.Select(r => r.Total), resumed.History.Select(r => r.Total));
            Assert.Equal(uninterrupted.History.Select(r => r.Values.Values.Sum()), resumed.History.Select(r => r.Values.Values.Sum()));
            Assert.Equal(uninterrupted.DomainPoints.Cast<double>(), resumed.DomainPoints.Cast<double>());
            var x = Grid(11);
            Assert.Equal(uninterrupted.Predict(x).Cast<double>(), resumed.Predict(x).Cast<double>());
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void CorruptOrForeignCheckpointsAreRejected()
    {
        string folder = Directory.CreateTempSubdirectory("physis-ckpt").FullName;
        try
        {
            string garbage = Path.Combine(folder, "garbage.ckpt");
            File.WriteAllText(garbage, "not a checkpoint");
            using var net = new Mlp(1, [8], 1, dtype: ScalarType.Float64);
            using var trainer = new PinnTrainer(Poisson1D(1.0), net, new Sampling(16, 2), Float64);
            Assert.Contains("not a Physis checkpoint", Assert.Throws<InvalidDataException>(() => trainer.LoadCheckpoint(garbage)).Message);

            string saved = Path.Combine(folder, "other.ckpt");
            trainer.SaveCheckpoint(saved);
            using var wider = new Mlp(1, [9], 1, dtype: ScalarType.Float64);
            var problem = new PdeProblem(new Interval(-1, 1), f => f.Dxx("u"), [Condition.Dirichlet("u"), Condition.Neumann("u").Named("flux")]);
            using var other = new PinnTrainer(problem, wider, new Sampling(16, 2), Float64);
            Assert.Contains("loss terms", Assert.Throws<InvalidDataException>(() => other.LoadCheckpoint(saved)).Message);

            var bytes = File.ReadAllBytes(saved);
            File.WriteAllBytes(saved, bytes[..(bytes.Length / 2)]);
            Assert.Contains("truncated", Assert.Throws<InvalidDataException>(() => trainer.LoadCheckpoint(saved)).Message);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
