using Physis.Evaluation;
using Physis.Geometry;
using Physis.Networks;
using Physis.Problems;
using Physis.Runs;
using Physis.Training;
using Physis.Training.Adaptive;
using Physis.Training.Causal;
using Physis.Training.Weighting;
using static TorchSharp.torch;

namespace Physis.Tests.Training;

public class TrainingMethodsTests
{
    private static readonly TrainerOptions Float64 = new() { DType = ScalarType.Float64, Seed = 1 };

    /// <summary>Advection u_t + u_x = 0 on [0, 2] x [0, 1] with u(x, 0) = sin(pi x) and u(0, t) = sin(-pi t).</summary>
    private static PdeProblem Advection() => new(new Interval(0, 2).WithTime(0, 1),
        f => f.Dt("u") + f.Dx("u"),
        [Condition.Dirichlet("u", p => Math.Sin(Math.PI * (p[0] - p[1])), where: p => p[0] < 1e-9),
            Condition.Initial("u", p => Math.Sin(Math.PI * p[0]))]);

    private static double[] FlatGradient(Tensor total, nn.Module<Tensor, Tensor> net)
    {
        var parameters = net.parameters().ToArray();
        var grads = autograd.grad([total], parameters);
        return cat(grads.Select(g => g.reshape(-1)).ToList()).data<double>().ToArray();
    }

    private static double Cosine(double[] a, double[] b) =>
        a.Zip(b, (x, y) => x * y).Sum() / Math.Sqrt(a.Sum(x => x * x) * b.Sum(y => y * y));

    [Fact]
    public void CausalWeightsAreWithinZeroOneAndNonIncreasingInTime()
    {
        using var net = new Mlp(2, [16, 16], 1, seed: 4, dtype: ScalarType.Float64);
        var options = Float64 with { Methods = [new CausalTraining(Chunks: 16, Epsilons: [1.0, 100.0])] };
        using var trainer = new PinnTrainer(Advection(), net, new Sampling(512, 64, 64), options);
        trainer.Loss();
        var weights = trainer.Method<CausalWeighting>()!.Weights!;
        Assert.Equal(16, weights.Length);
        Assert.Equal(1.0, weights[0]);
        Assert.All(weights, w => Assert.InRange(w, 0.0, 1.0));
        for (int i = 1; i < weights.Length; i++)
            Assert.True(weights[i] <= weights[i - 1], $"weight {i} = {weights[i]} exceeds weight {i - 1} = {weights[i - 1]}");
        Assert.True(weights[^1] < 0.99, "an untrained network has a residual, so late slabs must be down-weighted");

        // Training records the smallest weight and eps; the tolerance moves on only once all slabs are resolved.
        trainer.Train(new AdamPhase(3, 1e-3));
        Assert.All(trainer.History, r => Assert.Equal(weights.Min(), r.Values[CausalWeighting.MinWeightColumn], 1));
        Assert.Equal(1.0, trainer.Method<CausalWeighting>()!.Epsilon);
    }

    [Fact]
    public void CausalTrainingResumesExactlyWithItsToleranceSchedule()
    {
        // Tiny tolerances are met at once, so eps climbs the schedule during the run and must survive the restart.
        var options = Float64 with { Methods = [new CausalTraining(Chunks: 4, Epsilons: [1e-6, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 1])] };
        TrainingPhase[] schedule = [new AdamPhase(30, 5e-3), new LbfgsPhase(10)];
        PinnTrainer NewTrainer(Mlp net, TrainerOptions o) => new(Advection(), net, new Sampling(64, 16, 16, SamplingMethod.Uniform), o);
        using var netA = new Mlp(2, [8], 1, seed: 6, dtype: ScalarType.Float64);
        using var uninterrupted = NewTrainer(netA, options);
        uninterrupted.Train(schedule);
        Assert.True(uninterrupted.History.Select(r => r.Values[CausalWeighting.EpsilonColumn]).Distinct().Count() > 2,
            "the tolerance should have advanced");

        var resumed = HistoryAfterKillAndResume(seed => new Mlp(2, [8], 1, seed: seed, dtype: ScalarType.Float64), 6, NewTrainer, options, schedule,
            killAt: 18, checkpointStep: 15);
        Assert.Equal(uninterrupted.History.Select(r => r.Total), resumed.Select(r => r.Total));
        Assert.Equal(uninterrupted.History.Select(r => r.Values[CausalWeighting.EpsilonColumn]),
            resumed.Select(r => r.Values[CausalWeighting.EpsilonColumn]));
    }

    /// <summary>
    /// Trains with a checkpoint every 5 steps until killed at step <paramref name="killAt"/>, then resumes a new trainer
    /// with another network seed and run seed (so everything must come from the checkpoint) and returns its history.
    /// </summary>
    private static List<LossRecord> HistoryAfterKillAndResume(Func<int, Mlp> network, int networkSeed,
        Func<Mlp, TrainerOptions, PinnTrainer> newTrainer, TrainerOptions options, TrainingPhase[] schedule, int killAt, int checkpointStep)
    {
        string folder = Directory.CreateTempSubdirectory("physis-kill").FullName;
        string checkpoint = Path.Combine(folder, "run.ckpt");
        try
        {
            using (var net = network(networkSeed))
            using (var killed = newTrainer(net, options))
            {
                killed.EnableCheckpoints(checkpoint, every: 5);
                Assert.Throws<OperationCanceledException>(() => killed.Train(schedule, new PinnTrainingTests.KillAt(killAt)));
            }
            using var other = network(networkSeed + 71);
            using var resumed = newTrainer(other, options with { Seed = options.Seed + 8 });
            resumed.LoadCheckpoint(checkpoint);
            Assert.Equal(checkpointStep, resumed.Step);
            resumed.Train(schedule);
            return [.. resumed.History];
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void CausalWeightsHoldStillDuringLbfgsAndResumeThere()
    {
        var options = Float64 with { Methods = [new CausalTraining(Chunks: 8, Epsilons: [10.0])] };
        TrainingPhase[] schedule = [new AdamPhase(20, 5e-3), new LbfgsPhase(60)];
        PinnTrainer NewTrainer(Mlp net, TrainerOptions o) => new(Advection(), net, new Sampling(256, 32, 32, SamplingMethod.Uniform), o);
        using var netA = new Mlp(2, [16, 16], 1, seed: 3, dtype: ScalarType.Float64);
        using var uninterrupted = NewTrainer(netA, options);
        uninterrupted.Train(schedule);
        var lbfgs = uninterrupted.History.Where(r => r.Phase == "lbfgs").ToList();
        Assert.True(lbfgs.Count > 20, $"L-BFGS stopped after {lbfgs.Count} iterations");
        Assert.True(lbfgs[0].Values[CausalWeighting.MinWeightColumn] < 0.9, "the test needs late slabs that are still down-weighted");
        // The weights change only when L-BFGS has converged at the frozen ones, not at every evaluation.
        int freezes = lbfgs.Select(r => r.Values[CausalWeighting.MinWeightColumn]).Distinct().Count();
        Assert.True(freezes <= lbfgs.Count / 5, $"{freezes} different causal weights in {lbfgs.Count} L-BFGS iterations");
        // Between re-freezes the objective is fixed, so the accepted L-BFGS losses cannot rise.
        for (int i = 1; i < lbfgs.Count; i++)
            if (lbfgs[i].Values[CausalWeighting.MinWeightColumn] == lbfgs[i - 1].Values[CausalWeighting.MinWeightColumn])
                Assert.True(lbfgs[i].Total <= lbfgs[i - 1].Total * (1 + 1e-12),
                    $"L-BFGS loss rose from {lbfgs[i - 1].Total} to {lbfgs[i].Total} at step {lbfgs[i].Step} under frozen weights");

        // Killed in the L-BFGS phase (step 33, checkpoint at 30): the frozen weights come back from the checkpoint.
        var resumed = HistoryAfterKillAndResume(seed => new Mlp(2, [16, 16], 1, seed: seed, dtype: ScalarType.Float64), 3, NewTrainer, options,
            schedule, killAt: 33, checkpointStep: 30);
        Assert.Equal(uninterrupted.History.Select(r => r.Total), resumed.Select(r => r.Total));
        Assert.Equal(uninterrupted.History.Select(r => r.Values[CausalWeighting.MinWeightColumn]),
            resumed.Select(r => r.Values[CausalWeighting.MinWeightColumn]));
    }

    [Fact]
    public void CausalTrainingRejectsBadSettingsAndProblemsWithoutTime()
    {
        Assert.Contains("increase", Assert.Throws<ArgumentException>(() => new CausalTraining(Epsilons: [1, 0.1]).Validate()).Message);
        Assert.Contains("Chunks", Assert.Throws<ArgumentException>(() => new CausalTraining(Chunks: 1).Validate()).Message);
        using var net = new Mlp(1, [4], 1, dtype: ScalarType.Float64);
        var error = Assert.Throws<ArgumentException>(() => new PinnTrainer(PinnTrainingTests.Poisson1D(1.0), net, new Sampling(16, 2),
            Float64 with { Methods = [new CausalTraining()] }));
        Assert.Contains("no time axis", error.Message);
    }

    /// <summary>-u'' = f with a sharp peak of f at x = 0.3, and the network u = 0: |residual| = f.</summary>
    private static (PdeProblem Problem, AnalyticNetwork Network) PeakedResidual()
    {
        var problem = new PdeProblem(new Interval(-1, 1), f => -f.Dxx("u") - Functions.Exp(-200.0 * (f.X - 0.3) * (f.X - 0.3)),
            [Condition.Dirichlet("u")]);
        return (problem, AnalyticNetwork.Of(c => zeros_like(c[0])));
    }

    [Fact]
    public void RarAddsTheCandidatesWithTheLargestResidual()
    {
        var (problem, network) = PeakedResidual();
        var options = Float64 with { Methods = [new ResidualAdaptiveRefinement(Every: 10, Candidates: 2000, PointsAdded: 8)] };
        using var trainer = new PinnTrainer(problem, network, new Sampling(32, 2, 0, SamplingMethod.Uniform), options);
        var before = trainer.DomainPoints;
        trainer.Method<AdaptiveResampling>()!.Resample();
        var after = trainer.DomainPoints;
        Assert.Equal(40, after.GetLength(0));
        for (int i = 0; i < 32; i++) Assert.Equal(before[i, 0], after[i, 0]);
        var added = new double[8, 1];
        for (int i = 0; i < 8; i++) added[i, 0] = after[32 + i, 0];
        // 2000 uniform candidates on [-1, 1]: the top 8 lie within a few spacings of the peak, where |r| ~ 1.
        Assert.All(trainer.ResidualMagnitude(added), r => Assert.True(r > 0.98, $"added point with |r| = {r}"));
        double smallestAdded = trainer.ResidualMagnitude(added).Min();
        Assert.All(trainer.ResidualMagnitude(before), r => Assert.True(r <= smallestAdded || r > 0.98));

        using var capped = new PinnTrainer(problem, network, new Sampling(32, 2, 0, SamplingMethod.Uniform),
            Float64 with { Methods = [new ResidualAdaptiveRefinement(Every: 10, Candidates: 2000, PointsAdded: 8, MaxPoints: 36)] });
        capped.Method<AdaptiveResampling>()!.Resample();
        capped.Method<AdaptiveResampling>()!.Resample();
        Assert.Equal(36, capped.DomainPoints.GetLength(0));
    }

    [Fact]
    public void RadConcentratesPointsWhereTheResidualIsLargeAndKeepsTheirNumber()
    {
        var (problem, network) = PeakedResidual();
        var options = Float64 with { Methods = [new ResidualAdaptiveDistribution(Every: 10, Candidates: 4000, Exponent: 2, Offset: 0.1)] };
        using var trainer = new PinnTrainer(problem, network, new Sampling(400, 2, 0, SamplingMethod.Uniform), options);
        int NearPeak(double[,] p) => Enumerable.Range(0, p.GetLength(0)).Count(i => Math.Abs(p[i, 0] - 0.3) < 0.1);
        int uniform = NearPeak(trainer.DomainPoints);
        trainer.Method<AdaptiveResampling>()!.Resample();
        Assert.Equal(400, trainer.DomainPoints.GetLength(0));
        int adapted = NearPeak(trainer.DomainPoints);
        Assert.True(adapted > 3 * uniform, $"{adapted} of 400 points near the peak after RAD, {uniform} before");
    }

    private static double[] WeightedGradient(LossBalancing? balancing, double dirichletWeight)
    {
        var problem = new PdeProblem(new Interval(-1, 1),
            f => -f.Dxx("u") - Math.PI * Math.PI * Functions.Sin(Math.PI * f.X),
            [Condition.Dirichlet("u", p => 0.3).WithWeight(dirichletWeight), Condition.Neumann("u", where: p => p[0] > 0)]);
        using var net = new Mlp(1, [10, 10], 1, seed: 8, dtype: ScalarType.Float64);
        using var trainer = new PinnTrainer(problem, net, new Sampling(40, 2), Float64 with { Methods = balancing is null ? [] : [balancing] });
        if (balancing is not null) trainer.Method<LossWeighting>()!.Update();
        using var scope = NewDisposeScope();
        return FlatGradient(trainer.Loss().Total, net);
    }

    [Theory]
    [InlineData("gradnorm-max")]
    [InlineData("gradnorm-mean")]
    [InlineData("ntk")]
    public void BalancedGradientDirectionIsInvariantToScalingATerm(string method)
    {
        LossBalancing balancing = method switch
        {
            "gradnorm-max" => new GradientNormBalancing(),
            "gradnorm-mean" => new GradientNormBalancing(Statistic: GradientStatistic.Mean),
            _ => new NtkBalancing(Subsample: 16),
        };
        double unbalanced = Cosine(WeightedGradient(null, 1), WeightedGradient(null, 100));
        double balanced = Cosine(WeightedGradient(balancing, 1), WeightedGradient(balancing, 100));
        Assert.True(unbalanced < 0.99, $"without balancing, weighting a term by 100 should turn the gradient (cosine {unbalanced})");
        Assert.True(1 - balanced < 1e-12, $"with {method}, the gradient direction changed: cosine {balanced}");
    }

    [Theory]
    [InlineData("gradnorm")]
    [InlineData("ntk")]
    public void ATermMetToRoundOffKeepsWeightOne(string method)
    {
        // A periodic condition under an exact periodic embedding is zero to round-off; reweighting it by the inverse of
        // its gradient (about 1e30) would feed that round-off into training.
        var problem = new PdeProblem(new Interval(0, 2 * Math.PI).WithTime(0, 1), f => f.Dt("u") + 3 * f.Dx("u"),
            [Condition.Initial("u", p => Math.Sin(p[0])), Condition.Periodic("u", "x")]);
        var options = new NetworkOptions
        {
            Embeddings = [Physis.Networks.Embeddings.PeriodicEmbeddingOptions.Of(0, 2 * Math.PI, 1)],
            Architecture = new Physis.Networks.Architectures.MlpArchitecture([8]),
        };
        using var net = new PinnNetwork(2, 1, options, seed: 3, dtype: ScalarType.Float64);
        LossBalancing balancing = method == "ntk" ? new NtkBalancing(Every: 1, Subsample: 16) : new GradientNormBalancing(Every: 1, Alpha: 0);
        using var trainer = new PinnTrainer(problem, net, new Sampling(64, 16, 16), Float64 with { Methods = balancing is null ? [] : [balancing] });
        trainer.Train(new AdamPhase(1, 1e-3));
        var weights = trainer.LossTermNames.Select(n => trainer.History[^1].Values[LossWeighting.Column(n)]).ToArray();
        int periodic = trainer.LossTermNames.ToList().IndexOf("periodic_u_x");
        Assert.True(trainer.History[^1].Terms[periodic] < 1e-25, $"the periodic term should be round-off, got {trainer.History[^1].Terms[periodic]}");
        Assert.Equal(1.0, weights[periodic]);
        Assert.NotEqual(1.0, weights[trainer.LossTermNames.ToList().IndexOf("initial_u")]);
    }

    [Fact]
    public void LossWeightsAreLoggedAndValidated()
    {
        using var net = new Mlp(1, [8], 1, seed: 2, dtype: ScalarType.Float64);
        using var trainer = new PinnTrainer(PinnTrainingTests.Poisson1D(1.0), net, new Sampling(32, 2),
            Float64 with { Methods = [new GradientNormBalancing(Every: 2)] });
        trainer.Train(new AdamPhase(4, 1e-3));
        string first = LossWeighting.Column(trainer.LossTermNames[0]), second = LossWeighting.Column(trainer.LossTermNames[1]);
        Assert.All(trainer.History, r => Assert.Equal([first, second], r.Values.Keys));
        Assert.All(trainer.History, r => Assert.Equal(1.0, r.Values[first]));
        Assert.NotEqual(1.0, trainer.History[0].Values[second]);
        // loss.csv carries them: a weight column per term, holding the weights of each iteration.
        var table = PinnRun.LossTable(trainer.LossTermNames, trainer.History).Split('\n');
        var header = table[0].Split(',');
        int column = Array.IndexOf(header, $"weight_{trainer.LossTermNames[1]}");
        Assert.True(column > 0, table[0]);
        Assert.Equal(trainer.History[0].Values[second], double.Parse(table[1].Split(',')[column], System.Globalization.CultureInfo.InvariantCulture));
        Assert.Contains("Alpha", Assert.Throws<ArgumentException>(() => new GradientNormBalancing(Alpha: 1.5).Validate()).Message);
        Assert.Contains("Every", Assert.Throws<ArgumentException>(() => new NtkBalancing(Every: 0).Validate()).Message);
    }

    [Fact]
    public void MultiAdamStepsAreInvariantToScalingALossTerm()
    {
        double[] Train(double weight, TrainingPhase phase)
        {
            var problem = new PdeProblem(new Interval(-1, 1),
                f => -f.Dxx("u") - Math.PI * Math.PI * Functions.Sin(Math.PI * f.X),
                [Condition.Dirichlet("u", p => 0.3).WithWeight(weight)]);
            using var net = new Mlp(1, [10, 10], 1, seed: 8, dtype: ScalarType.Float64);
            using var trainer = new PinnTrainer(problem, net, new Sampling(40, 2), Float64);
            trainer.Train(phase);
            return net.parameters().SelectMany(p => p.data<double>().ToArray()).ToArray();
        }
        static double MaxDifference(double[] a, double[] b) => a.Zip(b, (x, y) => Math.Abs(x - y)).Max();

        // Exact invariance holds up to the epsilon in the denominator: with a negligible epsilon, to rounding.
        var multi = new MultiAdamPhase(5, 1e-2, Epsilon: 1e-30);
        double multiDifference = MaxDifference(Train(1, multi), Train(100, multi));
        Assert.True(multiDifference < 1e-12, $"MultiAdam's steps changed by {multiDifference:E2} when a term was scaled");
        var defaultEpsilon = new MultiAdamPhase(5, 1e-2);
        Assert.True(MaxDifference(Train(1, defaultEpsilon), Train(100, defaultEpsilon)) < 1e-6);
        var adam = new AdamPhase(5, 1e-2);
        Assert.True(MaxDifference(Train(1, adam), Train(100, adam)) > 1e-4, "plain Adam should feel the scaling (sanity check of the test)");
        Assert.Contains("unknown loss term 'wall'",
            Assert.Throws<ArgumentException>(() => new MultiAdamPhase(1, Groups: [["wall"]]).GroupOfTerm(["pde", "dirichlet_u"])).Message);
        Assert.Equal([1, 0, 0], new MultiAdamPhase(1, Groups: [["dirichlet_u", "initial_u"]]).GroupOfTerm(["pde", "dirichlet_u", "initial_u"]));
    }

    [Fact]
    public void NaturalGradientBeatsAdamByOrdersOfMagnitudeOnPoisson()
    {
        double Error(TrainingPhase phase, out PinnTrainer trainerOut, Mlp net)
        {
            var trainer = new PinnTrainer(PinnTrainingTests.Poisson1D(1.0), net, new Sampling(64, 2), Float64);
            trainer.Train(phase);
            var x = PinnTrainingTests.Grid(201);
            var exact = new double[201, 1];
            for (int i = 0; i < 201; i++) exact[i, 0] = Math.Sin(Math.PI * x[i, 0]);
            trainerOut = trainer;
            return Metrics.RelativeL2(trainer.Predict(x), exact);
        }
        using var netN = new Mlp(1, [16], 1, seed: 3, dtype: ScalarType.Float64);
        using var netA = new Mlp(1, [16], 1, seed: 3, dtype: ScalarType.Float64);
        var clock = System.Diagnostics.Stopwatch.StartNew();
        double natural = Error(new NaturalGradientPhase(80), out var n, netN);
        double naturalSeconds = clock.Elapsed.TotalSeconds;
        clock.Restart();
        double adam = Error(new AdamPhase(400, 1e-2), out var a, netA);
        double adamSeconds = clock.Elapsed.TotalSeconds;
        using (n) using (a)
        {
            // Eighty natural-gradient iterations (a fifth of Adam's) take the error far below Adam's on every vector kernel
            // libtorch picks: at forty, the generic kernel (ATEN_CPU_CAPABILITY=default) had not yet got there.
            Console.WriteLine($"natural gradient: {n.Step} iterations, relative L2 {natural:E2}, {naturalSeconds:F1} s; "
                + $"Adam: 400 iterations, relative L2 {adam:E2}, {adamSeconds:F1} s");
            Assert.True(natural < 1e-4, $"natural gradient reached only {natural:E2}");
            Assert.True(natural < 1e-2 * adam,
                $"natural gradient {natural:E2} vs Adam {adam:E2}: expected two orders of magnitude better with a fifth of the iterations");
        }
    }

    [Fact]
    public void PhasesAreValidatedBeforeAnyTraining()
    {
        using var net = new Mlp(1, [8], 1, seed: 2, dtype: ScalarType.Float64);
        using var trainer = new PinnTrainer(PinnTrainingTests.Poisson1D(1.0), net, new Sampling(16, 2), Float64);
        var error = Assert.Throws<ArgumentException>(() => trainer.Train([new AdamPhase(5), new MultiAdamPhase(5, Groups: [["pde"], ["boundary"]])]));
        Assert.Contains("unknown loss term 'boundary'; this problem's terms are: pde, dirichlet_u", error.Message);
        Assert.Contains("MinStep", Assert.Throws<ArgumentException>(() => trainer.Train(new NaturalGradientPhase(5, new() { MinStep = 2 }))).Message);
        Assert.Equal(0, trainer.Step);
    }

    [Fact]
    public void LossTableAddsAColumnPerMethodValueOnlyWhenTheRunHasThem()
    {
        string[] names = ["pde", "initial_u"];
        Assert.Equal("step,phase,total,pde,initial_u\n1,adam,3,1,2\n", PinnRun.LossTable(names, [new LossRecord(1, "adam", 3.0, [1.0, 2.0])]));
        var lines = PinnRun.LossTable(names,
        [
            new LossRecord(1, "adam", 3.0, [1.0, 2.0])
            {
                Values = new Dictionary<string, double>
                {
                    ["weight_pde"] = 1.0, ["weight_initial_u"] = 0.5, ["causal_min_weight"] = 0.25, ["causal_epsilon"] = 0.01,
                },
            },
            new LossRecord(2, "lbfgs", 2.0, [0.5, 1.5]),
        ]).Split('\n');
        Assert.Equal("step,phase,total,pde,initial_u,weight_pde,weight_initial_u,causal_min_weight,causal_epsilon", lines[0]);
        Assert.Equal("1,adam,3,1,2,1,0.5,0.25,0.01", lines[1]);
        Assert.Equal("2,lbfgs,2,0.5,1.5,,,,", lines[2]);
    }
}
