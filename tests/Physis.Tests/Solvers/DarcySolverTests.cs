using Physis.Solvers.Darcy;
using Physis.Solvers.Linear;

namespace Physis.Tests.Solvers;

public class DarcySolverTests
{
    // Manufactured solution u = x y sin(πx) sin(πy) = g(x) g(y) with g(t) = t sin(πt),
    // coefficient a = 1 + ½ sin(2πx) cos(πy), f = −∇·(a∇u) computed by hand.
    private static double G(double t) => t * Math.Sin(Math.PI * t);
    private static double Gp(double t) => Math.Sin(Math.PI * t) + Math.PI * t * Math.Cos(Math.PI * t);
    private static double Gpp(double t) => 2 * Math.PI * Math.Cos(Math.PI * t) - Math.PI * Math.PI * t * Math.Sin(Math.PI * t);
    private static double A(double x, double y) => 1 + 0.5 * Math.Sin(2 * Math.PI * x) * Math.Cos(Math.PI * y);
    private static double Ax(double x, double y) => Math.PI * Math.Cos(2 * Math.PI * x) * Math.Cos(Math.PI * y);
    private static double Ay(double x, double y) => -0.5 * Math.PI * Math.Sin(2 * Math.PI * x) * Math.Sin(Math.PI * y);

    private static double Forcing(double x, double y) =>
        -(Ax(x, y) * Gp(x) * G(y) + Ay(x, y) * G(x) * Gp(y) + A(x, y) * (Gpp(x) * G(y) + G(x) * Gpp(y)));

    internal static double[,] Grid(int n, Func<double, double, double> f)
    {
        var grid = new double[n, n];
        double h = 1.0 / (n - 1);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                grid[i, j] = f(i * h, j * h);
        return grid;
    }

    private static double MaxError(int n)
    {
        var u = DarcySolver.Solve(Grid(n, A), Grid(n, Forcing));
        var exact = Grid(n, (x, y) => G(x) * G(y));
        double error = 0;
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                error = Math.Max(error, Math.Abs(u[i, j] - exact[i, j]));
        return error;
    }

    [Fact]
    public void ManufacturedSolutionConvergesAtSecondOrder()
    {
        double e17 = MaxError(17), e33 = MaxError(33), e65 = MaxError(65);
        double order1 = Math.Log2(e17 / e33), order2 = Math.Log2(e33 / e65);
        Assert.InRange(order1, 1.8, 2.2);
        Assert.InRange(order2, 1.8, 2.2);
        Assert.True(e65 < 1e-3, $"error at n = 65 is {e65}");
    }

    [Fact]
    public void ConstantCoefficientMatchesDiscreteEigenfunction()
    {
        // For a = 1 and f = sin(πx) sin(πy), the 5-point scheme's exact discrete solution is f / λ_h,
        // λ_h = 2 · 4/h² · sin²(πh/2); this pins the 1/h² scaling and face averaging without truncation error.
        int n = 21;
        double h = 1.0 / (n - 1);
        double lambda = 8 / (h * h) * Math.Pow(Math.Sin(Math.PI * h / 2), 2);
        var f = Grid(n, (x, y) => Math.Sin(Math.PI * x) * Math.Sin(Math.PI * y));
        var u = DarcySolver.Solve(Grid(n, (_, _) => 1.0), f);
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                Assert.Equal(f[i, j] / lambda, u[i, j], 1e-10);
    }

    [Fact]
    public void BoundaryIsZeroAndSolutionIsPositiveForPositiveForcing()
    {
        var a = RandomCoefficient.ThresholdedCosines(33, seed: 3);
        var u = DarcySolver.Solve(a, forcing: 1.0);
        for (int k = 0; k < 33; k++)
        {
            Assert.Equal(0.0, u[0, k]);
            Assert.Equal(0.0, u[32, k]);
            Assert.Equal(0.0, u[k, 0]);
            Assert.Equal(0.0, u[k, 32]);
        }
        // The discrete maximum principle (M-matrix) makes the solution positive inside.
        for (int i = 1; i < 32; i++)
            for (int j = 1; j < 32; j++)
                Assert.True(u[i, j] > 0);
    }

    [Fact]
    public void AllPreconditionersGiveTheSameSolution()
    {
        var a = RandomCoefficient.ThresholdedCosines(29, seed: 5);
        var reference = DarcySolver.Solve(a, 1.0, new LinearSolverOptions { Preconditioner = PreconditionerKind.None, Tolerance = 1e-12 });
        foreach (var kind in new[] { PreconditionerKind.Jacobi, PreconditionerKind.Multigrid })
        {
            var u = DarcySolver.Solve(a, 1.0, new LinearSolverOptions { Preconditioner = kind, Tolerance = 1e-12 });
            for (int i = 0; i < 29; i++)
                for (int j = 0; j < 29; j++)
                    Assert.Equal(reference[i, j], u[i, j], 1e-10);
        }
    }

    [Fact]
    public void NonPositiveOrNaNCoefficientIsRejected()
    {
        var a = Grid(9, (_, _) => 1.0);
        a[4, 4] = -1;
        var error = Assert.Throws<ArgumentException>(() => DarcySolver.Solve(a));
        Assert.Contains("strictly positive", error.Message);
        a[4, 4] = double.NaN;
        Assert.Throws<ArgumentException>(() => DarcySolver.Solve(a));
        Assert.Throws<ArgumentException>(() => DarcySolver.Solve(new double[9, 8]));
        Assert.Throws<ArgumentException>(() => DarcySolver.Solve(Grid(9, (_, _) => 1.0), double.NaN));
    }
}
