using Physis.Geometry;
using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Embeddings;
using Physis.Problems;
using Physis.Runs;
using Physis.Suite.Problems;
using Physis.Training;
using Physis.Training.Marching;
using static TorchSharp.torch;

namespace Physis.Tests.Training;

public class HardWindowStartTests
{
    private static readonly TrainerOptions Float64 = new() { DType = ScalarType.Float64, Seed = 3 };

    [Fact]
    public void PeriodicInterpolantReproducesTrigonometricPolynomialsAndTheirDerivatives()
    {
        // Two fields on [-1, 1): f = 0.3 + sin(pi x) + 0.5 cos(3 pi x) - 0.2 sin(7 pi x) and g = cos(pi x)^2, sampled on 33 points.
        static (double F, double Fx, double Fxx) F(double x) => (
            0.3 + Math.Sin(Math.PI * x) + 0.5 * Math.Cos(3 * Math.PI * x) - 0.2 * Math.Sin(7 * Math.PI * x),
            Math.PI * Math.Cos(Math.PI * x) - 1.5 * Math.PI * Math.Sin(3 * Math.PI * x) - 1.4 * Math.PI * Math.Cos(7 * Math.PI * x),
            -Math.PI * Math.PI * (Math.Sin(Math.PI * x) + 4.5 * Math.Cos(3 * Math.PI * x) - 9.8 * Math.Sin(7 * Math.PI * x)));
        static double G(double x) => Math.Pow(Math.Cos(Math.PI * x), 2);
        var grid = PeriodicInterpolant.Grid(33, -1, 2);
        var samples = new double[33, 2];
        for (int j = 0; j < 33; j++) (samples[j, 0], samples[j, 1]) = (F(grid[j]).F, G(grid[j]));
        using var interpolant = new PeriodicInterpolant(samples, -1, 2);
        Assert.Equal(7, interpolant.Modes); // of 16: the rest are round-off

        // Off the grid, and outside the sampled period (the interpolant is periodic).
        double[] xs = [-0.987, -0.31, 0.0123, 0.5, 0.999, 1.7, -3.2];
        var x = tensor(xs, [xs.Length, 1], ScalarType.Float64).requires_grad_();
        var y = interpolant.Evaluate(x);
        var fx = autograd.grad([y[.., 0].sum()], [x], retain_graph: true, create_graph: true)[0];
        var fxx = autograd.grad([fx.sum()], [x])[0];
        for (int i = 0; i < xs.Length; i++)
        {
            var exact = F(xs[i]);
            Assert.Equal(exact.F, y[i, 0].item<double>(), 11);
            Assert.Equal(G(xs[i]), y[i, 1].item<double>(), 11);
            Assert.Equal(exact.Fx, fx[i, 0].item<double>(), 10);
            Assert.Equal(exact.Fxx, fxx[i, 0].item<double>(), 8);
        }

        Assert.Contains("odd number", Assert.Throws<ArgumentException>(() => new PeriodicInterpolant(new double[32, 1], -1, 2)).Message);
        Assert.Contains("not finite",
            Assert.Throws<ArgumentException>(() => new PeriodicInterpolant(new double[,] { { 0 }, { double.NaN }, { 1 } }, 0, 1)).Message);
        Assert.Throws<ArgumentException>(() => new PeriodicInterpolant(new double[3, 1], 0, 0));
    }

    [Fact]
    public void AHardStartContinuesExactlyFromThePreviousWindow()
    {
        // u_t + u_x = 0, periodic on [0, 2 pi), u0 = sin x: two windows of a periodic network, a few iterations each.
        var problem = new PdeProblem(new Interval(0, 2 * Math.PI).WithTime(0, 1), f => f.Dt("u") + f.Dx("u"),
            [Condition.Initial("u", p => Math.Sin(p[0])), Condition.Periodic("u", "x")]);
        var options = new NetworkOptions
        {
            Embeddings = [PeriodicEmbeddingOptions.Of(0, 2 * Math.PI, 1)],
            Architecture = new MlpArchitecture([16, 16]),
        };
        using var solution = TimeMarching.Train(problem, new TimeMarchingOptions(2, HardStart: true),
            k => new PinnNetwork(2, 1, options, seed: 40 + k, dtype: ScalarType.Float64),
            new Sampling(200, 20, 40), [new AdamPhase(100, 1e-2), new LbfgsPhase(100)], Float64);

        // sin x is resolved by its interpolant, so window 0 starts hard as well: no initial-condition term anywhere.
        Assert.All(solution.Windows, w => Assert.DoesNotContain("initial_u", w.LossTermNames));
        var initial = new double[,] { { 0.3, 0 }, { 2.9, 0 }, { 6.1, 0 } };
        var atStart = solution.Windows[0].Predict(initial);
        for (int i = 0; i < 3; i++) Assert.Equal(Math.Sin(initial[i, 0]), atStart[i, 0], 12);
        // At t = 0.5 the second window equals the first at any x, not only at the 1025 grid points: the interpolant of
        // a smooth periodic state is exact to round-off. A soft start would differ by the initial-condition residual.
        int n = 37;
        var edge = new double[n, 2];
        for (int i = 0; i < n; i++) (edge[i, 0], edge[i, 1]) = (2 * Math.PI * (i + 0.377) / n, 0.5);
        var first = solution.Windows[0].Predict(edge);
        var second = solution.Windows[1].Predict(edge);
        for (int i = 0; i < n; i++) Assert.Equal(first[i, 0], second[i, 0], 10);

        // The trained marching solution still solves the problem: u = sin(x - t).
        var points = new double[n * 5, 2];
        var exact = new double[n * 5, 1];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < 5; j++)
            {
                double x = 2 * Math.PI * i / n, t = j / 4.0;
                (points[i * 5 + j, 0], points[i * 5 + j, 1]) = (x, t);
                exact[i * 5 + j, 0] = Math.Sin(x - t);
            }
        double error = Physis.Evaluation.Metrics.RelativeL2(solution.Predict(points), exact);
        Assert.True(error < 1e-2, $"relative L2 {error:E2}");
    }

    [Fact]
    public void FilteringSmoothsAKinkAndLeavesTheRestOfTheSeriesAlone()
    {
        // f = |x| on [-1, 1) has kinks at x = 0 and where the period joins; g = cos(pi x) + 0.1 sin(5 pi x) is smooth.
        var grid = PeriodicInterpolant.Grid(257, -1, 2);
        var samples = new double[257, 2];
        for (int j = 0; j < 257; j++)
            (samples[j, 0], samples[j, 1]) = (Math.Abs(grid[j]), Math.Cos(Math.PI * grid[j]) + 0.1 * Math.Sin(5 * Math.PI * grid[j]));
        using var raw = new PeriodicInterpolant(samples, -1, 2);
        using var filtered = raw.Filtered(8);

        // Between 0.3 and 0.7 (38 to 90 grid spacings from the kinks) the raw interpolant of |x| ripples with a curvature
        // of order 1 (the ripple of its aliasing error does not die out away from the kink); the filtered one is |x| to round-off.
        double[] xs = [.. Enumerable.Range(0, 41).Select(i => 0.3 + 0.01 * i)];
        var x = tensor(xs, [xs.Length, 1], ScalarType.Float64).requires_grad_();
        (Tensor U, Tensor Uxx) Curvature(PeriodicInterpolant p)
        {
            var u = p.Evaluate(x);
            var ux = autograd.grad([u[.., 0].sum()], [x], retain_graph: true, create_graph: true)[0];
            return (u, autograd.grad([ux.sum()], [x])[0]);
        }
        var (u, uxx) = Curvature(filtered);
        double rawCurvature = Curvature(raw).Uxx.abs().max().item<double>();
        Assert.True(rawCurvature > 1, $"raw |u_xx| up to {rawCurvature:E2}");
        Assert.True(uxx.abs().max().item<double>() < 1e-6, $"filtered |u_xx| up to {uxx.abs().max().item<double>():E2}");
        for (int i = 0; i < xs.Length; i++)
        {
            Assert.Equal(xs[i], u[i, 0].item<double>(), 11);
            Assert.Equal(Math.Cos(Math.PI * xs[i]) + 0.1 * Math.Sin(5 * Math.PI * xs[i]), u[i, 1].item<double>(), 9); // mode 5 is scaled by 1 - 2e-10
        }
        Assert.Contains("even order", Assert.Throws<ArgumentException>(() => raw.Filtered(3)).Message);
    }

    [Fact]
    public void AnInitialValueTheInterpolantDoesNotResolveStartsFromItsFilteredInterpolant()
    {
        // allen-cahn's u0 = x^2 cos(pi x): periodic values, but a kink where the period joins (u0' = -2 at x = 1, +2 at x = -1).
        var problem = ProblemCatalog.Find("allen-cahn").Create();
        using var solution = TimeMarching.Train(problem, new TimeMarchingOptions(2, HardStart: true),
            k => new Mlp(2, [4], 1, seed: k, dtype: ScalarType.Float64), new Sampling(16, 4, 8), [new AdamPhase(2, 1e-3)], Float64);
        Assert.All(solution.Windows, w => Assert.DoesNotContain("initial_u", w.LossTermNames));
        // At t = 0 the solution is u0 to the filter's error away from the kink, and close to it at the kink.
        var points = new double[,] { { -0.5, 0 }, { 0, 0 }, { 0.3, 0 }, { 0.77, 0 }, { 0.999, 0 } };
        var start = solution.Predict(points);
        for (int i = 0; i < 4; i++) Assert.Equal(points[i, 0] * points[i, 0] * Math.Cos(Math.PI * points[i, 0]), start[i, 0], 6);
        Assert.True(Math.Abs(start[4, 0] - 0.999 * 0.999 * Math.Cos(Math.PI * 0.999)) < 1e-2, $"u(0.999, 0) = {start[4, 0]}");
    }

    /// <summary>Records each window's parameters after its first optimizer step, flattened into one vector.</summary>
    private sealed class FirstStepParameters : ITrainingCallback
    {
        public List<double[]> Windows { get; } = [];
        public void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep)
        {
            if (trainer.Step == 1) Windows.Add(Flatten(trainer.Network));
        }
    }

    private static double[] Flatten(nn.Module<Tensor, Tensor> network) =>
        [.. network.parameters().SelectMany(p => p.detach().cpu().to_type(ScalarType.Float64).data<double>().ToArray())];

    [Theory]
    [InlineData(true, true)]
    [InlineData(false, true)]
    [InlineData(true, false)]
    public void AWarmStartBeginsEachWindowFromThePreviousWindowsWeights(bool warm, bool hard)
    {
        // u_t + u_x = 0 on [0, 2 pi), u0 = sin x.
        var problem = new PdeProblem(new Interval(0, 2 * Math.PI).WithTime(0, 1), f => f.Dt("u") + f.Dx("u"),
            [Condition.Initial("u", p => Math.Sin(p[0])), Condition.Periodic("u", "x")]);
        var options = new NetworkOptions
        {
            Embeddings = [PeriodicEmbeddingOptions.Of(0, 2 * Math.PI, 1)],
            Architecture = new MlpArchitecture([8, 8]),
        };
        var firstSteps = new FirstStepParameters();
        using var solution = TimeMarching.Train(problem, new TimeMarchingOptions(2, HardStart: hard) { WarmStart = warm },
            k => new PinnNetwork(2, 1, options, seed: 40 + k, dtype: ScalarType.Float64),
            new Sampling(100, 10, 20), [new AdamPhase(30, 1e-3)], Float64, firstSteps);

        // One Adam step moves each weight by about the learning rate; two independent initialisations differ by O(0.1).
        double[] trained = Flatten(solution.Windows[0].Network), started = firstSteps.Windows[1];
        double largest = trained.Zip(started, (a, b) => Math.Abs(a - b)).Max();
        if (warm) Assert.True(largest < 2e-3, $"largest weight change {largest:E2}");
        else Assert.True(largest > 0.05, $"largest weight difference {largest:E2}");
    }

    [Fact]
    public void AHardStartIsRefusedWhereTheStateIsNotPeriodic()
    {
        var heat = new PdeProblem(new Interval(0, 1).WithTime(0, 1), f => f.Dt("u") - f.Dxx("u"),
            [Condition.Dirichlet("u"), Condition.Initial("u", p => Math.Sin(Math.PI * p[0]))]);
        var error = Assert.Throws<ArgumentException>(() => TimeMarching.Train(heat, new TimeMarchingOptions(2, HardStart: true),
            k => new Mlp(2, [4], 1, seed: k, dtype: ScalarType.Float64), new Sampling(10, 4, 4), [new AdamPhase(1, 1e-3)], Float64));
        Assert.Contains("no periodic condition on u along x", error.Message);

        // A periodic derivative alone does not make the values periodic.
        var derivativeOnly = new PdeProblem(new Interval(0, 1).WithTime(0, 1), f => f.Dt("u") - f.Dxx("u"),
            [Condition.Periodic("u", "x", 1), Condition.Initial("u", p => 0)]);
        Assert.Throws<ArgumentException>(() => TimeMarching.Train(derivativeOnly, new TimeMarchingOptions(2, HardStart: true),
            k => new Mlp(2, [4], 1, seed: k, dtype: ScalarType.Float64), new Sampling(10, 4, 4), [new AdamPhase(1, 1e-3)], Float64));

        var square = new PdeProblem(new Rectangle(0, 0, 1, 1).WithTime(0, 1), f => f.Dt("u"),
            [Condition.Periodic("u", "x"), Condition.Initial("u", p => 0)]);
        Assert.Contains("must be an interval", Assert.Throws<ArgumentException>(() =>
            TimeMarching.Train(square, new TimeMarchingOptions(2, HardStart: true),
                k => new Mlp(3, [4], 1, seed: k, dtype: ScalarType.Float64), new Sampling(10, 4, 4), [new AdamPhase(1, 1e-3)], Float64)).Message);

        Assert.Contains("set TimeWindows to 2 or more", Assert.Throws<ArgumentException>(() =>
            (ProblemCatalog.Find("allen-cahn").Presets["periodic"] with { Marching = new MarchingSettings(HardStart: true) }).Validate()).Message);
        Assert.Contains("set TimeWindows to 2 or more", Assert.Throws<ArgumentException>(() =>
            (ProblemCatalog.Find("allen-cahn").Presets["periodic"] with { Marching = new MarchingSettings(WarmStart: true) }).Validate()).Message);
    }
}
