using Physis.Solvers.Spectral;
using Xunit.Abstractions;

namespace Physis.Tests.Solvers;

public class NavierStokes2DTests(ITestOutputHelper output)
{
    private static double[,] Field(int n, Func<double, double, double> f)
    {
        var w = new double[n, n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                w[i, j] = f((double)i / n, (double)j / n);
        return w;
    }

    private static double MaxAbs(double[,] a) => a.Cast<double>().Max(Math.Abs);

    private static double MaxDifference(double[,] a, double[,] b) =>
        a.Cast<double>().Zip(b.Cast<double>(), (x, y) => Math.Abs(x - y)).Max();

    [Fact]
    public void TaylorGreenVortexDecaysExactly()
    {
        // w = 2 k^2 cos(kx) cos(ky) has psi = cos(kx) cos(ky): u . grad w vanishes and w decays as exp(-2 nu k^2 t).
        const double nu = 1e-3, dt = 1e-3, t = 1;
        double k = 2 * Math.PI;
        var solver = new NavierStokes2D(16, nu, dt);
        var w0 = Field(16, (x, y) => 2 * k * k * Math.Cos(k * x) * Math.Cos(k * y));
        var w = solver.Solve(w0, [t])[0];
        double exact = Math.Exp(-2 * nu * k * k * t);
        // Crank-Nicolson's own amplification per step, for the error without the O(dt^2) time error.
        double a = dt * nu * 2 * k * k, crankNicolson = Math.Pow((1 - a / 2) / (1 + a / 2), Math.Round(t / dt));
        double scale = MaxAbs(w0);
        double errorExact = MaxDifference(w, Field(16, (x, y) => exact * 2 * k * k * Math.Cos(k * x) * Math.Cos(k * y))) / scale;
        double errorScheme = MaxDifference(w, Field(16, (x, y) => crankNicolson * 2 * k * k * Math.Cos(k * x) * Math.Cos(k * y))) / scale;
        output.WriteLine($"relative error vs exact decay {errorExact:E2}, vs Crank-Nicolson decay {errorScheme:E2}");
        Assert.True(errorExact < 1e-10, $"relative error {errorExact}");
        Assert.True(errorScheme < 1e-12, $"relative error vs the scheme's decay {errorScheme}");
    }

    [Fact]
    public void ForcedFlowIsSecondOrderInTime()
    {
        const int n = 32;
        var w0 = Field(n, (x, y) => Math.Sin(2 * Math.PI * x) * Math.Sin(4 * Math.PI * y) + 0.5 * Math.Cos(2 * Math.PI * (3 * x + y)));
        double[,] Final(double dt) => new NavierStokes2D(n, 0.01, dt, NavierStokes2D.FnoForcing).Solve(w0, [1.0])[0];
        var reference = Final(0.0025);
        double[] steps = [0.04, 0.02, 0.01];
        var errors = steps.Select(dt => MaxDifference(Final(dt), reference)).ToArray();
        double order = Math.Log(errors[0] / errors[2]) / Math.Log(steps[0] / steps[2]);
        output.WriteLine($"errors {string.Join(", ", errors.Select(e => e.ToString("E2")))}; order {order:F3}");
        Assert.InRange(order, 1.8, 2.3);
    }

    /// <summary>Spectral d/dx (dx = 1) or d/dy (dx = 0) on the unit square, derivative zeroed at Nyquist.</summary>
    private static double[] Derivative(double[,] f, bool dx)
    {
        int n = f.GetLength(0);
        var fft = RealFft2D.Get(n, n);
        int width = fft.SpectrumColumns;
        var re = new double[fft.SpectrumLength];
        var im = new double[fft.SpectrumLength];
        fft.Forward(f.Cast<double>().ToArray(), re, im);
        for (int p = 0; p < n; p++)
            for (int q = 0; q < width; q++)
            {
                int e = p * width + q;
                double k = dx ? (p == n / 2 ? 0 : 2 * Math.PI * (p < n / 2 ? p : p - n)) : (q == n / 2 ? 0 : 2 * Math.PI * q);
                (re[e], im[e]) = (-k * im[e], k * re[e]);
            }
        var result = new double[n * n];
        fft.Inverse(re, im, result);
        return result;
    }

    [Fact]
    public void VelocityIsDivergenceFreeWithCurlEqualToVorticity()
    {
        const int n = 32;
        var rng = new Random(7);
        var w = Field(n, (x, y) => rng.NextDouble() - 0.5);
        var solver = new NavierStokes2D(n, 0.01, 0.01);
        var (u, v) = solver.Velocity(w);
        var divergence = Derivative(u, dx: true).Zip(Derivative(v, dx: false), (a, b) => a + b).Max(Math.Abs);
        double gradientScale = Math.Max(MaxAbs(u), MaxAbs(v)) * Math.PI * n;
        output.WriteLine($"max divergence {divergence:E2} (velocity gradient scale {gradientScale:E2})");
        Assert.True(divergence < 1e-14 * gradientScale, $"max divergence {divergence}");

        // u = (psi_y, -psi_x) with Lap psi = -w, so v_x - u_y = w minus its mean (checked on a field
        // without Nyquist content, where the spectral derivatives are exact).
        var smooth = Field(n, (x, y) => Math.Sin(2 * Math.PI * x) * Math.Cos(6 * Math.PI * y) + 0.3);
        (u, v) = solver.Velocity(smooth);
        var curl = Derivative(v, dx: true).Zip(Derivative(u, dx: false), (a, b) => a - b).ToArray();
        var expected = smooth.Cast<double>().Select(z => z - 0.3).ToArray();
        Assert.True(curl.Zip(expected, (a, b) => Math.Abs(a - b)).Max() < 1e-12);
    }

    [Fact]
    public void BadInputGetsClearErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new NavierStokes2D(7, 0.01, 0.01));
        var solver = new NavierStokes2D(8, 0.01, 0.01);
        var ex = Assert.Throws<ArgumentException>(() => solver.Solve(new double[8, 4], [1.0]));
        Assert.Contains("8 x 4", ex.Message);
    }
}
