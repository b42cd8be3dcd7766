using System.Numerics;
using Physis.Solvers.Spectral;

namespace Physis.Tests.Solvers;

public class SplitStepSchrodingerTests
{
    /// <summary>
    /// The fundamental soliton h = sech(x) exp(i t / 2) solves i h_t + 0.5 h_xx + |h|^2 h = 0; on [-20, 20) its tails are
    /// below 1e-8, so the periodic solution differs from it by the splitting error only, which falls as dt^2.
    /// </summary>
    [Fact]
    public void TheSolitonIsReproducedWithSecondOrderInTheStep()
    {
        double[] times = [0, 1];
        double Error(double step)
        {
            var h = SplitStepSchrodinger.Solve(x => new Complex(1 / Math.Cosh(x), 0), -20, 20, 512, times, maxStep: step);
            double worst = 0;
            for (int j = 0; j < 512; j++)
            {
                double x = -20 + j * 40.0 / 512;
                worst = Math.Max(worst, Complex.Abs(h[1, j] - Complex.FromPolarCoordinates(1 / Math.Cosh(x), 0.5)));
            }
            return worst;
        }
        double coarse = Error(0.02), fine = Error(0.01);
        Assert.True(fine < 1e-4, $"error {fine:E2} at dt = 0.01");
        Assert.InRange(coarse / fine, 3.5, 4.5);
    }

    /// <summary>Both split parts are unitary, so the mass (the integral of |h|^2) stays what it was, to rounding.</summary>
    [Fact]
    public void TheMassIsConserved()
    {
        var h = SplitStepSchrodinger.Solve(x => new Complex(2 / Math.Cosh(x), 0), -5, 5, 256, [0, Math.PI / 4, Math.PI / 2], maxStep: 1e-3);
        double Mass(int row) => Enumerable.Range(0, 256).Sum(j => Complex.Abs(h[row, j]) * Complex.Abs(h[row, j]));
        Assert.Equal(Mass(0), Mass(2), 1e-10 * Mass(0));
        Assert.True(Complex.Abs(h[1, 128] - h[0, 128]) > 0.1, "the solution moved");
    }
}
