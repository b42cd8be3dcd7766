using Physis.Solvers.Darcy;
using Physis.Solvers.Linear;
using Physis.Suite.Benchmarks;
using Xunit.Abstractions;

namespace Physis.Tests.Solvers;

public class RecyclingCgTests(ITestOutputHelper output)
{
    /// <summary>The same two-valued coefficient with a small seeded multiplicative perturbation per system.</summary>
    private static List<DarcyProblem> NearlyIdenticalProblems(int n, int count, double perturbation)
    {
        var baseField = RandomCoefficient.ThresholdedCosines(n, seed: 4);
        var random = new Random(9);
        return Enumerable.Range(0, count).Select(_ =>
        {
            var a = (double[,])baseField.Clone();
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    a[i, j] *= 1 + perturbation * (2 * random.NextDouble() - 1);
            return new DarcyProblem(a);
        }).ToList();
    }

    [Fact]
    public void RecycledCgMatchesPcgAndNeedsFewerIterationsOnNearlyIdenticalSystems()
    {
        var problems = NearlyIdenticalProblems(33, count: 8, perturbation: 0.01);
        var recycler = new RecyclingCg(new RecyclingOptions { SubspaceSize = 8, RecordedDirections = 32 });
        var recycled = recycler.SolveSequence(problems.Select(p => new LinearSystem(p.Matrix, p.RightHandSide.ToArray())));
        var plainIterations = new List<int>();
        for (int s = 0; s < problems.Count; s++)
        {
            var x = new double[problems[s].UnknownCount];
            plainIterations.Add(ConjugateGradient.Solve(problems[s].Matrix, problems[s].RightHandSide, x).Iterations);
            Assert.True(RelativeDifference(x, recycled[s].Solution) < 1e-8, $"system {s}: recycled and plain solutions differ");
            Assert.True(recycled[s].Result.RelativeResidual <= 1e-10);
        }
        output.WriteLine($"plain CG: {string.Join(" ", plainIterations)}; recycled: {string.Join(" ", recycled.Select(r => r.Result.Iterations))}");
        Assert.Equal(plainIterations[0], recycled[0].Result.Iterations); // nothing to recycle yet
        Assert.Equal(8, recycler.SubspaceDimension);
        Assert.True(recycled[^1].Result.Iterations < 0.85 * plainIterations[^1],
            $"recycling should cut iterations on nearly identical systems: {recycled[^1].Result.Iterations} vs {plainIterations[^1]}");
    }

    [Fact]
    public void RecycledMultigridPcgMatchesPcg()
    {
        var problems = NearlyIdenticalProblems(33, count: 4, perturbation: 0.05);
        var recycler = new RecyclingCg();
        foreach (var problem in problems)
        {
            var multigrid = new GeometricMultigrid(problem.Matrix, problem.Intervals);
            double[] x = new double[problem.UnknownCount], y = new double[problem.UnknownCount];
            var recycled = recycler.Solve(problem.Matrix, problem.RightHandSide, x, multigrid);
            var plain = ConjugateGradient.Solve(problem.Matrix, problem.RightHandSide, y, multigrid);
            Assert.True(RelativeDifference(y, x) < 1e-8);
            Assert.True(recycled.Iterations <= plain.Iterations + 1, $"recycled {recycled.Iterations} vs plain {plain.Iterations}");
        }
    }

    [Fact]
    public void RitzValuesApproachSmallestEigenvaluesOfTheLaplacian()
    {
        // a = 1: A is the 5-point Laplacian with eigenvalues (4/h²)(sin²(iπh/2) + sin²(jπh/2)).
        // Harmonic Ritz values are upper bounds that converge to the smallest ones, λ₁₁ and the double λ₁₂ = λ₂₁.
        int n = 17;
        double h = 1.0 / (n - 1);
        double S(int i) => Math.Pow(Math.Sin(i * Math.PI * h / 2), 2);
        double lambda11 = 4 / (h * h) * (S(1) + S(1)), lambda12 = 4 / (h * h) * (S(1) + S(2));
        var problem = new DarcyProblem(DarcySolverTests.Grid(n, (_, _) => 1.0));
        var recycler = new RecyclingCg(new RecyclingOptions { SubspaceSize = 4, RecordedDirections = 60 });
        var random = new Random(5);
        for (int s = 0; s < 3; s++)
        {
            var b = LinearSolverTests.RandomVector(random, problem.UnknownCount);
            recycler.Solve(problem.Matrix, b, new double[b.Length]);
        }
        var ritz = recycler.RitzValues;
        output.WriteLine($"Ritz values {string.Join(", ", ritz)}; exact λ₁₁ = {lambda11}, λ₁₂ = {lambda12}");
        Assert.InRange(ritz[0], lambda11 * (1 - 1e-9), lambda11 * (1 + 1e-6));
        Assert.InRange(ritz[1], lambda12 * (1 - 1e-9), lambda12 * (1 + 1e-6));
        Assert.InRange(ritz[2], lambda12 * (1 - 1e-9), lambda12 * (1 + 1e-6));
    }

    [Fact]
    public void RecyclingRejectsSizeChangeAndIndefiniteMatrix()
    {
        var recycler = new RecyclingCg();
        var small = new DarcyProblem(DarcySolverTests.Grid(9, (_, _) => 1.0));
        recycler.Solve(small.Matrix, small.RightHandSide, new double[small.UnknownCount]);
        var large = new DarcyProblem(DarcySolverTests.Grid(11, (_, _) => 1.0));
        var error = Assert.Throws<ArgumentException>(() => recycler.Solve(large.Matrix, large.RightHandSide, new double[large.UnknownCount]));
        Assert.Contains("Reset()", error.Message);
        recycler.Reset();
        var indefinite = new SparseMatrix(2, 2, [0, 1, 2], [0, 1], [1.0, -1.0]);
        Assert.Throws<LinearSolverException>(() => recycler.Solve(indefinite, [1.0, 1.0], new double[2]));
    }

    [Fact]
    public void BenchmarkReportsBothPairsOnGivenFields()
    {
        var fields = Enumerable.Range(0, 3).Select(s => RandomCoefficient.ThresholdedCosines(17, s)).ToList();
        var report = RecyclingBenchmark.Run(fields, options: new RecyclingOptions { SubspaceSize = 4, RecordedDirections = 8 });
        output.WriteLine(report.ToString());
        Assert.Equal(17, report.GridSize);
        Assert.Equal(3, report.Systems);
        Assert.True(report.MaxRelativeDifference < 1e-8);
        Assert.True(report.Cg.TotalIterations > report.MultigridPcg.TotalIterations);
        Assert.True(report.CgSpeedup > 0 && report.MultigridSpeedup > 0);
    }

    private static double RelativeDifference(double[] reference, double[] other) =>
        Math.Sqrt(reference.Zip(other, (a, b) => (a - b) * (a - b)).Sum() / reference.Sum(a => a * a));
}
