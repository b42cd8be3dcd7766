using Physis.Solvers.Darcy;
using Physis.Solvers.Linear;
using Xunit.Abstractions;

namespace Physis.Tests.Solvers;

public class LinearSolverTests(ITestOutputHelper output)
{
    private static int Iterations(int n, PreconditionerKind kind, int seed = 1)
    {
        var problem = new DarcyProblem(RandomCoefficient.ThresholdedCosines(n, seed));
        return DarcySolver.Solve(problem, new LinearSolverOptions { Preconditioner = kind }).Solve.Iterations;
    }

    [Fact]
    public void MultigridIterationCountsStayFlatUnderRefinement()
    {
        var counts = new[] { 33, 65, 129, 257 }.Select(n => Iterations(n, PreconditionerKind.Multigrid)).ToArray();
        output.WriteLine($"PCG-MG iterations for n = 33, 65, 129, 257: {string.Join(", ", counts)}");
        Assert.True(counts.Max() <= 20, $"multigrid PCG needs too many iterations: {string.Join(", ", counts)}");
        Assert.True(counts[^1] - counts[0] <= 4, $"multigrid PCG iterations grow with n: {string.Join(", ", counts)}");
    }

    [Fact]
    public void PlainCgIterationCountsGrowLinearlyInN()
    {
        var counts = new[] { 33, 65, 129 }.Select(n => Iterations(n, PreconditionerKind.None)).ToArray();
        output.WriteLine($"CG iterations for n = 33, 65, 129: {string.Join(", ", counts)}");
        // κ ~ h⁻², so CG needs O(√κ) = O(n) iterations: each doubling of n should roughly double the count.
        Assert.InRange(counts[1] / (double)counts[0], 1.7, 2.3);
        Assert.InRange(counts[2] / (double)counts[1], 1.7, 2.3);
    }

    [Theory]
    [InlineData(86)] // odd interval count (85) on the finest level
    [InlineData(85)] // 84 → 42 → 21 → 11: odd counts on coarse levels
    [InlineData(18)]
    public void MultigridHandlesOddIntervalCounts(int n)
    {
        int iterations = Iterations(n, PreconditionerKind.Multigrid);
        Assert.True(iterations <= 15, $"n = {n}: {iterations} iterations");
    }

    [Fact]
    public void MultigridPreconditionerIsSymmetricAndPositive()
    {
        var problem = new DarcyProblem(RandomCoefficient.ThresholdedCosines(42, seed: 7));
        var multigrid = new GeometricMultigrid(problem.Matrix, problem.Intervals);
        Assert.True(multigrid.LevelCount >= 3);
        var random = new Random(11);
        double[] x = RandomVector(random, multigrid.Size), y = RandomVector(random, multigrid.Size);
        double[] mx = new double[x.Length], my = new double[y.Length];
        multigrid.Apply(x, mx);
        multigrid.Apply(y, my);
        double xmy = Dot(x, my), ymx = Dot(y, mx);
        Assert.True(Math.Abs(xmy - ymx) <= 1e-12 * Math.Abs(xmy), $"xᵀMy = {xmy}, yᵀMx = {ymx}");
        Assert.True(Dot(x, mx) > 0);
    }

    [Fact]
    public void CgRejectsIndefiniteMatrix()
    {
        // diag(1, -1, 2): CG meets pᵀAp ≤ 0 for a right-hand side with a component along the negative direction.
        var matrix = new SparseMatrix(3, 3, [0, 1, 2, 3], [0, 1, 2], [1.0, -1.0, 2.0]);
        var x = new double[3];
        var error = Assert.Throws<LinearSolverException>(() => ConjugateGradient.Solve(matrix, [1.0, 1.0, 1.0], x));
        Assert.Contains("not positive definite", error.Message);
        Assert.Throws<ArgumentException>(() => ConjugateGradient.Solve(matrix, [1.0, double.NaN, 1.0], x));
    }

    [Fact]
    public void CgReportsNonConvergence()
    {
        var problem = new DarcyProblem(RandomCoefficient.ThresholdedCosines(33, seed: 2));
        var error = Assert.Throws<LinearSolverException>(() =>
            ConjugateGradient.Solve(problem.Matrix, problem.RightHandSide, new double[problem.UnknownCount], maxIterations: 5));
        Assert.Contains("did not reach", error.Message);
    }

    [Fact]
    public void GalerkinProductMatchesDenseProduct()
    {
        var random = new Random(3);
        var a = RandomSparse(random, 7, 5);
        var b = RandomSparse(random, 5, 6);
        var product = a.Multiply(b);
        var transpose = a.Transpose();
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 6; j++)
            {
                double expected = 0;
                for (int k = 0; k < 5; k++) expected += a[i, k] * b[k, j];
                Assert.Equal(expected, product[i, j], 1e-14);
            }
        for (int i = 0; i < 7; i++)
            for (int j = 0; j < 5; j++)
                Assert.Equal(a[i, j], transpose[j, i]);
    }

    [Fact]
    public void SymmetricEigenRecoversKnownSpectrum()
    {
        // Tridiagonal (−1, 2, −1) of size 6 has eigenvalues 2 − 2 cos(kπ/7).
        int n = 6;
        var matrix = new double[n * n];
        for (int i = 0; i < n; i++)
        {
            matrix[i * n + i] = 2;
            if (i > 0) matrix[i * n + i - 1] = matrix[(i - 1) * n + i] = -1;
        }
        var (values, vectors) = SymmetricEigen.Decompose(matrix, n);
        for (int k = 0; k < n; k++)
        {
            Assert.Equal(2 - 2 * Math.Cos((k + 1) * Math.PI / 7), values[k], 1e-12);
            for (int i = 0; i < n; i++)
            {
                double av = 0;
                for (int j = 0; j < n; j++) av += matrix[i * n + j] * vectors[j * n + k];
                Assert.Equal(values[k] * vectors[i * n + k], av, 1e-12);
            }
        }
    }

    internal static double Dot(double[] a, double[] b) => a.Zip(b, (u, v) => u * v).Sum();

    internal static double[] RandomVector(Random random, int length) =>
        Enumerable.Range(0, length).Select(_ => random.NextDouble() * 2 - 1).ToArray();

    private static SparseMatrix RandomSparse(Random random, int rows, int columns)
    {
        var rp = new int[rows + 1];
        var ci = new List<int>();
        var values = new List<double>();
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < columns; j++)
                if (random.NextDouble() < 0.4)
                {
                    ci.Add(j);
                    values.Add(random.NextDouble() - 0.5);
                }
            rp[i + 1] = ci.Count;
        }
        return new SparseMatrix(rows, columns, rp, [.. ci], [.. values]);
    }
}
