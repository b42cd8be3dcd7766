using Physis.Solvers.Spectral;
using Xunit.Abstractions;

namespace Physis.Tests.Solvers;

public class Etdrk4Solver1DTests(ITestOutputHelper output)
{
    private static double[] Row(double[,] u, int i)
    {
        var row = new double[u.GetLength(1)];
        for (int j = 0; j < row.Length; j++) row[j] = u[i, j];
        return row;
    }

    private static double MaxError(double[] u, Func<double, double> exact, double[] x)
    {
        double max = 0;
        for (int j = 0; j < u.Length; j++) max = Math.Max(max, Math.Abs(u[j] - exact(x[j])));
        return max;
    }

    /// <summary>
    /// Cole-Hopf solution of u_t + u u_x = nu u_xx with u(x,0) = -sin(pi x):
    /// u = -int sin(pi(x-y)) f(x-y) G(y) dy / int f(x-y) G(y) dy, f(s) = exp(-cos(pi s)/(2 pi nu)),
    /// G the heat kernel of variance 2 nu t. Trapezoid rule in y = sqrt(4 nu t) s, which is spectrally accurate
    /// for this smooth, Gaussian-weighted integrand.
    /// </summary>
    private static double ColeHopfBurgers(double x, double t, double nu)
    {
        double width = Math.Sqrt(4 * nu * t), ds = 0.01, numerator = 0, denominator = 0;
        for (int i = -1200; i <= 1200; i++)
        {
            double s = i * ds, y = x - width * s;
            double weight = Math.Exp(-s * s - Math.Cos(Math.PI * y) / (2 * Math.PI * nu));
            numerator -= Math.Sin(Math.PI * y) * weight;
            denominator += weight;
        }
        return numerator / denominator;
    }

    [Fact]
    public void BurgersMatchesColeHopfAndConservesMass()
    {
        const double nu = 0.1;
        int n = 128;
        // dt does not divide 1/3, so the first output ends with a shorter step.
        var solver = new Etdrk4Solver1D(new Burgers1D(nu), n, period: 2, dt: 0.005);
        var x = solver.GridCoordinates(origin: -1);
        var u0 = x.Select(v => -Math.Sin(Math.PI * v)).ToArray();
        double[] times = [1.0 / 3, 1.0];
        var u = solver.Solve(u0, times);
        for (int i = 0; i < times.Length; i++)
        {
            double error = MaxError(Row(u, i), v => ColeHopfBurgers(v, times[i], nu), x);
            output.WriteLine($"t = {times[i]}: max error vs Cole-Hopf {error:E2}");
            Assert.True(error < 1e-8, $"max error {error} at t = {times[i]}");
            Assert.True(Math.Abs(Row(u, i).Average() - u0.Average()) < 1e-12);
        }
    }

    [Fact]
    public void KuramotoSivashinskyIsFourthOrderInTime()
    {
        // Kassam and Trefethen's test problem on [0, 32 pi), u0 = cos(x/16)(1 + sin(x/16)), over t = 10.
        int n = 64;
        double period = 32 * Math.PI, t = 10;
        var equation = new KuramotoSivashinsky1D();
        double[] Final(double dt)
        {
            var solver = new Etdrk4Solver1D(equation, n, period, dt);
            var u0 = solver.GridCoordinates().Select(v => Math.Cos(v / 16) * (1 + Math.Sin(v / 16))).ToArray();
            return Row(solver.Solve(u0, [t]), 0);
        }
        var reference = Final(0.5 / 32);
        double[] steps = [0.5, 0.25, 0.125];
        var errors = steps.Select(dt => Final(dt).Zip(reference, (a, b) => Math.Abs(a - b)).Max()).ToArray();
        double order = FittedOrder(steps, errors);
        output.WriteLine($"errors {string.Join(", ", errors.Select(e => e.ToString("E2")))}; fitted order {order:F3}");
        Assert.InRange(order, 3.6, 4.4);
    }

    [Fact]
    public void AllenCahnIsFourthOrderInTime()
    {
        // u_t = 0.01 u_xx + u - u^3 from a sum of modes; the reaction drives it to +-1 fronts.
        int n = 64;
        var equation = new AllenCahn1D(diffusion: 0.01, reaction: 1);
        double[] Final(double dt)
        {
            var solver = new Etdrk4Solver1D(equation, n, period: 2 * Math.PI, dt);
            var u0 = solver.GridCoordinates().Select(v => 0.5 * Math.Sin(v) + 0.3 * Math.Cos(3 * v)).ToArray();
            return Row(solver.Solve(u0, [4.0]), 0);
        }
        var reference = Final(0.2 / 32);
        double[] steps = [0.2, 0.1, 0.05];
        var errors = steps.Select(dt => Final(dt).Zip(reference, (a, b) => Math.Abs(a - b)).Max()).ToArray();
        double order = FittedOrder(steps, errors);
        output.WriteLine($"errors {string.Join(", ", errors.Select(e => e.ToString("E2")))}; fitted order {order:F3}");
        Assert.InRange(order, 3.6, 4.4);
    }

    private static double FittedOrder(double[] steps, double[] errors)
    {
        // Least-squares slope of log(error) against log(dt).
        var lx = steps.Select(s => Math.Log(s)).ToArray();
        var ly = errors.Select(e => Math.Log(e)).ToArray();
        double mx = lx.Average(), my = ly.Average();
        return lx.Zip(ly, (a, b) => (a - mx) * (b - my)).Sum() / lx.Sum(a => (a - mx) * (a - mx));
    }

    [Fact]
    public void KdvSolitonTravelsWithItsExactShape()
    {
        // u_t + 6 u u_x + u_xxx = 0: u = (c/2) sech^2(sqrt(c)/2 (x - c t - x0)); c = 4 moves 10 units
        // (ten soliton widths) in t = 2.5.
        const double c = 4, x0 = -5, t = 2.5;
        var solver = new Etdrk4Solver1D(new Kdv1D(alpha: 6, beta: 1), n: 512, period: 60, dt: 0.001);
        var x = solver.GridCoordinates(origin: -30);
        double Soliton(double xi, double time)
        {
            double s = 1 / Math.Cosh(Math.Sqrt(c) / 2 * (xi - c * time - x0));
            return c / 2 * s * s;
        }
        var u0 = x.Select(v => Soliton(v, 0)).ToArray();
        var u = solver.Solve(u0, [t]);
        double error = MaxError(Row(u, 0), v => Soliton(v, t), x);
        output.WriteLine($"KdV soliton max error after travelling 10: {error:E2}");
        Assert.True(error < 1e-7, $"max error {error}");
        Assert.True(Math.Abs(Row(u, 0).Average() - u0.Average()) < 1e-12);
    }

    [Fact]
    public void KuramotoSivashinskyConservesMass()
    {
        var solver = new Etdrk4Solver1D(new KuramotoSivashinsky1D(), 128, 32 * Math.PI, 0.25);
        var u0 = solver.GridCoordinates().Select(v => Math.Cos(v / 16) * (1 + Math.Sin(v / 16)) + 0.1).ToArray();
        var u = solver.Solve(u0, [20.0, 60.0]);
        for (int i = 0; i < 2; i++)
            Assert.True(Math.Abs(Row(u, i).Average() - u0.Average()) < 1e-12);
        Assert.True(Row(u, 1).Max() > 1, "KS should have developed its chaotic cells by t = 60");
    }

    [Fact]
    public void AdvectionDiffusionIsAnExactDecayingTravellingWave()
    {
        const double c = 1.5, nu = 0.05, period = 3;
        // 0.37 and 1.1 are not multiples of dt = 0.1: this exercises the shorter final steps.
        var solver = new Etdrk4Solver1D(new AdvectionDiffusion1D(c, nu), 32, period, 0.1);
        var x = solver.GridCoordinates(origin: -1);
        double Exact(double xi, double t)
        {
            double sum = 0;
            foreach (int m in new[] { 1, 4 })
            {
                double k = 2 * Math.PI * m / period;
                sum += Math.Exp(-nu * k * k * t) * Math.Sin(k * (xi - c * t) + m);
            }
            return sum;
        }
        var u = solver.Solve(x.Select(v => Exact(v, 0)).ToArray(), [0, 0.37, 1.1]);
        double[] times = [0, 0.37, 1.1];
        for (int i = 0; i < times.Length; i++)
            Assert.True(MaxError(Row(u, i), v => Exact(v, times[i]), x) < 1e-13);
    }

    [Fact]
    public void StepAdvancesLikeSolve()
    {
        var solver = new Etdrk4Solver1D(new Burgers1D(0.05), 64, 1, 0.01);
        var u = solver.GridCoordinates().Select(v => Math.Sin(2 * Math.PI * v)).ToArray();
        var solved = Row(solver.Solve(u, [0.05]), 0);
        for (int s = 0; s < 5; s++) solver.Step(u);
        for (int j = 0; j < u.Length; j++) Assert.Equal(solved[j], u[j], 1e-13);
    }

    [Fact]
    public void BadInputGetsClearErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new Burgers1D(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new Etdrk4Solver1D(new Burgers1D(0.1), 64, 1, 0));
        var solver = new Etdrk4Solver1D(new Burgers1D(0.1), 64, 1, 0.01);
        var ex = Assert.Throws<ArgumentException>(() => solver.Solve(new double[32], [1.0]));
        Assert.Contains("64 points", ex.Message);
        Assert.Throws<ArgumentException>(() => solver.Solve(new double[64], [1.0, 0.5]));
    }
}
