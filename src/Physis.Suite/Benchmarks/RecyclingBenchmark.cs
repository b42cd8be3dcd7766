using System.Diagnostics;
using System.Globalization;
using System.Text;
using Physis.Solvers.Darcy;
using Physis.Solvers.Linear;

namespace Physis.Suite.Benchmarks;

/// <summary>Total cost of one solver over a sequence of systems (preconditioner set-up and solves; assembly excluded).</summary>
public sealed record SolverRun(string Name, int Systems, double TotalMilliseconds, long TotalIterations)
{
    public double MillisecondsPerSolve => TotalMilliseconds / Systems;
    public double IterationsPerSolve => (double)TotalIterations / Systems;
}

public sealed record RecyclingBenchmarkReport(
    int GridSize, int Systems, RecyclingOptions Options,
    SolverRun Cg, SolverRun RecycledCg, SolverRun MultigridPcg, SolverRun RecycledMultigridPcg,
    double MaxRelativeDifference)
{
    /// <summary>Wall-time ratio plain / recycled without preconditioner.</summary>
    public double CgSpeedup => Cg.TotalMilliseconds / RecycledCg.TotalMilliseconds;

    /// <summary>Wall-time ratio plain / recycled, both with the multigrid preconditioner.</summary>
    public double MultigridSpeedup => MultigridPcg.TotalMilliseconds / RecycledMultigridPcg.TotalMilliseconds;

    public override string ToString()
    {
        var text = new StringBuilder();
        var c = CultureInfo.InvariantCulture;
        text.AppendLine(c,
            $"Darcy {GridSize}x{GridSize}, {Systems} systems, tolerance {Options.Tolerance:G3}, recycled subspace k = {Options.SubspaceSize}, "
            + $"l = {Options.RecordedDirections}");
        text.AppendLine("solver                     ms/solve  iterations/solve");
        foreach (var run in new[] { Cg, RecycledCg, MultigridPcg, RecycledMultigridPcg })
            text.AppendLine(c, $"{run.Name,-26} {run.MillisecondsPerSolve,8:F2}  {run.IterationsPerSolve,16:F1}");
        text.AppendLine(c,
            $"speed-up from recycling: CG {CgSpeedup:F2}x, multigrid PCG {MultigridSpeedup:F2}x; "
            + $"max relative difference of solutions {MaxRelativeDifference:G2}");
        return text.ToString();
    }
}

/// <summary>
/// Measures Krylov subspace recycling on a sequence of Darcy systems: plain CG against recycled CG, and
/// multigrid PCG against recycled multigrid PCG, with the same tolerance.
/// </summary>
public static class RecyclingBenchmark
{
    /// <summary>Runs on <paramref name="systems"/> seeded random two-valued coefficients (12 / 3) on an n x n grid.</summary>
    public static RecyclingBenchmarkReport Run(int systems, int n, int seed, RecyclingOptions? options = null)
    {
        if (systems < 1) throw new ArgumentException($"Need at least one system; got {systems}.", nameof(systems));
        var random = new Random(seed);
        var coefficients = Enumerable.Range(0, systems).Select(_ => RandomCoefficient.ThresholdedCosines(n, random.Next())).ToList();
        return Run(coefficients, forcing: 1.0, options);
    }

    /// <summary>Runs on the given coefficient fields (all [n, n] with the same n), with constant forcing.</summary>
    public static RecyclingBenchmarkReport Run(IReadOnlyList<double[,]> coefficients, double forcing = 1.0, RecyclingOptions? options = null)
    {
        options ??= new RecyclingOptions();
        options.Validate();
        if (coefficients.Count == 0) throw new ArgumentException("Need at least one coefficient field.", nameof(coefficients));
        var problems = coefficients.Select(a => new DarcyProblem(a, forcing)).ToList();
        int n = problems[0].GridSize;
        if (problems.Any(p => p.GridSize != n))
            throw new ArgumentException($"All coefficient fields must share one grid size; the first is {n} x {n}.", nameof(coefficients));

        // Warm the JIT on a few systems of each kind so that whichever solver runs first is not penalised.
        var warmUp = problems.Take(3).ToList();
        foreach (bool multigrid in new[] { false, true })
            foreach (var recycling in new[] { null, options })
                Measure("warm-up", warmUp, multigrid, recycling);

        var cg = Measure("CG", problems, multigrid: false, recycling: null);
        var recycledCg = Measure("recycled CG", problems, multigrid: false, recycling: options);
        var pcg = Measure("multigrid PCG", problems, multigrid: true, recycling: null);
        var recycledPcg = Measure("recycled multigrid PCG", problems, multigrid: true, recycling: options);

        double difference = 0;
        foreach (var other in new[] { recycledCg, pcg, recycledPcg })
            for (int s = 0; s < problems.Count; s++)
                difference = Math.Max(difference, RelativeDifference(cg.Solutions[s], other.Solutions[s]));
        return new RecyclingBenchmarkReport(n, problems.Count, options, cg.Run, recycledCg.Run, pcg.Run, recycledPcg.Run, difference);
    }

    private static (SolverRun Run, double[][] Solutions) Measure(string name, IReadOnlyList<DarcyProblem> problems, bool multigrid,
        RecyclingOptions? recycling)
    {
        var recycler = recycling is null ? null : new RecyclingCg(recycling);
        double tolerance = recycling?.Tolerance ?? new LinearSolverOptions().Tolerance;
        int maxIterations = recycling?.MaxIterations ?? new LinearSolverOptions().MaxIterations;
        var solutions = new double[problems.Count][];
        long iterations = 0;
        var clock = Stopwatch.StartNew();
        for (int s = 0; s < problems.Count; s++)
        {
            var problem = problems[s];
            var preconditioner = multigrid ? new GeometricMultigrid(problem.Matrix, problem.Intervals) : null;
            var x = new double[problem.UnknownCount];
            var result = recycler is null
                ? ConjugateGradient.Solve(problem.Matrix, problem.RightHandSide, x, preconditioner, tolerance, maxIterations)
                : recycler.Solve(problem.Matrix, problem.RightHandSide, x, preconditioner);
            iterations += result.Iterations;
            solutions[s] = x;
        }
        clock.Stop();
        return (new SolverRun(name, problems.Count, clock.Elapsed.TotalMilliseconds, iterations), solutions);
    }

    private static double RelativeDifference(double[] reference, double[] other)
    {
        double difference = 0, norm = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            difference += (reference[i] - other[i]) * (reference[i] - other[i]);
            norm += reference[i] * reference[i];
        }
        return Math.Sqrt(difference / norm);
    }
}
