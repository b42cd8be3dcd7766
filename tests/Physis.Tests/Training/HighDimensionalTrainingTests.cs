using System.Globalization;
using Physis.Differentiation;
using Physis.Networks;
using Physis.Runs;
using Physis.Suite;
using Physis.Suite.Problems;
using Physis.Training;
using Physis.Training.Adaptive;
using Physis.Training.Optimizers;

namespace Physis.Tests.Training;

/// <summary>The ball benchmarks train through the Laplacian estimators, with fresh points every step.</summary>
public sealed class HighDimensionalTrainingTests : IDisposable
{
    private readonly string folder = Directory.CreateTempSubdirectory("physis-highdim-").FullName;

    public void Dispose() => Directory.Delete(folder, recursive: true);

    private static PinnSettings Small(LaplacianEstimatorKind kind, int directions, int iterations)
    {
        var preset = ProblemCatalog.Find("poisson-twobody").Presets["default"];
        return preset with
        {
            Network = NetworkOptions.Mlp([32, 32]),
            Schedule = preset.Schedule with { AdamIterations = iterations },
            Laplacian = new LaplacianEstimatorOptions(kind, directions),
        };
    }

    private PinnRunResult Run(PinnSettings settings, string name) =>
        CatalogRun.Execute(((IDimensionalProblem)ProblemCatalog.Find("poisson-twobody")).WithDimension(10), "default", settings,
            Path.Combine(folder, name), resume: false, checkpointEvery: 1000);

    [Fact]
    public void SparseStdeLearnsTheTwoBodyPoissonProblemInTenDimensions()
    {
        // Convergence, not one machine's figure: the error of the untrained network is near 1; a thousand steps of
        // sparse STDE with 4 of 10 coordinates must at least halve it and bring it below 0.4.
        var start = Run(Small(LaplacianEstimatorKind.StdeSparse, 4, 10), "start").RelativeL2;
        var trained = Run(Small(LaplacianEstimatorKind.StdeSparse, 4, 1000), "trained").RelativeL2;
        Assert.InRange(start, 0.5, 2);
        Assert.True(trained < 0.4 && trained < start / 2, $"relative L2 went from {start:E3} to {trained:E3}");
    }

    [Fact]
    public void SparseStdeOverEveryCoordinateIsTheExactLaplacian()
    {
        // With k = d the estimator is exact, computed by jets along the axes instead of Hessian-vector products: the first
        // loss of the same run agrees to float32 round-off.
        static double FirstLoss(string file) => double.Parse(File.ReadLines(file).Skip(1).First().Split(',')[2], CultureInfo.InvariantCulture);
        Run(Small(LaplacianEstimatorKind.Exact, 1, 5), "exact");
        Run(Small(LaplacianEstimatorKind.StdeSparse, 10, 5), "jets");
        double exact = FirstLoss(Path.Combine(folder, "exact", "loss.csv")), jets = FirstLoss(Path.Combine(folder, "jets", "loss.csv"));
        Assert.Equal(exact, jets, 1e-4 * exact);
    }

    [Fact]
    public void UniformResamplingDrawsFreshPointsEveryStep()
    {
        var problem = ((IDimensionalProblem)ProblemCatalog.Find("poisson-twobody")).WithDimension(5).Create();
        using var network = new Mlp(5, [8], 1);
        using var trainer = new PinnTrainer(problem, network, new Sampling(20, Boundary: 10, Method: Physis.Geometry.SamplingMethod.Uniform),
            new TrainerOptions { Methods = [new UniformResampling(Every: 1)] });
        var before = trainer.DomainPoints;
        trainer.Train([new AdamPhase(1)]);
        trainer.Train([new AdamPhase(2)]);
        var after = trainer.DomainPoints;
        Assert.Equal(before.GetLength(0), after.GetLength(0));
        Assert.NotEqual(before[0, 0], after[0, 0]);
        Assert.All(Enumerable.Range(0, 20), i => Assert.True(problem.Geometry.Contains([.. Enumerable.Range(0, 5).Select(k => after[i, k])])));
    }

    [Fact]
    public void TheLinearScheduleFallsToZeroOverItsPeriod()
    {
        var schedule = new LearningRateSchedule.Linear(1e-3, 100);
        Assert.Equal(1e-3, schedule.RateAt(0), 15);
        Assert.Equal(5e-4, schedule.RateAt(50), 15);
        Assert.Equal(0, schedule.RateAt(100));
        Assert.Equal(0, schedule.RateAt(150));
        var phase = Assert.IsType<AdamPhase>(new OptimizerSchedule { AdamIterations = 100, LinearDecay = true }.Phases()[0]);
        Assert.Equal(schedule, phase.Schedule);
    }
}
