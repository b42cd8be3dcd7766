using Physis.Solvers.Exact;

namespace Physis.Tests.Solvers;

public class BurgersColeHopfTests
{
    private const double Nu = BurgersColeHopf.DefaultViscosity;

    [Fact]
    public void StandardGridMatchesDeepXdeBurgersData()
    {
        var (x, t) = BurgersColeHopf.StandardGrid();
        Assert.Equal(256, x.Length);
        Assert.Equal(100, t.Length);
        Assert.Equal(-1, x[0]);
        Assert.Equal(1, x[^1]);
        Assert.Equal(2.0 / 255, x[1] - x[0], 1e-15);
        Assert.Equal(0, t[0]);
        Assert.Equal(0.01, t[1], 1e-15);
        Assert.Equal(0.99, t[^1]);
    }

    [Fact]
    public void InitialRowIsMinusSine()
    {
        var (x, t) = BurgersColeHopf.StandardGrid();
        var u = BurgersColeHopf.Solve(x, t);
        Assert.Equal(t.Length, u.GetLength(0));
        Assert.Equal(x.Length, u.GetLength(1));
        for (int i = 0; i < x.Length; i++) Assert.Equal(-Math.Sin(Math.PI * x[i]), u[0, i]);
        // Shortly after, the heat-kernel average is still close to the initial data.
        Assert.Equal(-Math.Sin(Math.PI * 0.5), BurgersColeHopf.Value(0.5, 1e-6), 1e-5);
    }

    [Fact]
    public void DefaultQuadratureOrderIsConvergedOnTheStandardGrid()
    {
        var (x, t) = BurgersColeHopf.StandardGrid();
        var u = BurgersColeHopf.Solve(x, t);
        var reference = BurgersColeHopf.Solve(x, t, quadratureOrder: 1000);
        var coarse = BurgersColeHopf.Solve(x, t, quadratureOrder: 40);
        double difference = 0, coarseDifference = 0;
        for (int k = 0; k < t.Length; k++)
            for (int i = 0; i < x.Length; i++)
            {
                difference = Math.Max(difference, Math.Abs(u[k, i] - reference[k, i]));
                coarseDifference = Math.Max(coarseDifference, Math.Abs(coarse[k, i] - reference[k, i]));
            }
        Assert.True(difference < 1e-12, $"default order differs from order 1000 by {difference}");
        // A too-low order is visibly wrong near the shock, so the comparison has teeth.
        Assert.True(coarseDifference > 1e-6, $"order 40 unexpectedly converged ({coarseDifference})");
    }

    [Theory]
    [InlineData(-0.5, 0.3)]
    [InlineData(0.7, 0.1)]
    [InlineData(0.2, 0.6)]
    [InlineData(0.03, 0.9)]
    [InlineData(-0.01, 0.5)]
    public void SatisfiesBurgersEquation(double x, double t)
    {
        // Centred differences with h far below the shock width (about nu / |u| ≈ 0.003).
        const double h = 1e-5;
        double U(double xx, double tt) => BurgersColeHopf.Value(xx, tt);
        double u = U(x, t);
        double ut = (U(x, t + h) - U(x, t - h)) / (2 * h);
        double ux = (U(x + h, t) - U(x - h, t)) / (2 * h);
        double uxx = (U(x + h, t) - 2 * u + U(x - h, t)) / (h * h);
        double scale = Math.Max(Math.Abs(ut), Math.Max(Math.Abs(u * ux), Math.Abs(Nu * uxx)));
        double residual = ut + u * ux - Nu * uxx;
        Assert.True(Math.Abs(residual) < 1e-5 * scale, $"residual {residual} against terms of size {scale}");
        // Fourth-order differences for the slope check: the second-order ux above is off by h² u_xxx / 6 ≈ 1e-6
        // relative next to the shock.
        double ux4 = (8 * (U(x + h, t) - U(x - h, t)) - (U(x + 2 * h, t) - U(x - 2 * h, t))) / (12 * h);
        Assert.Equal(ux4, BurgersColeHopf.Gradient(x, t), 1e-8 * Math.Max(1, Math.Abs(ux4)));
    }

    [Fact]
    public void VanishesOnTheBoundaryAndIsOdd()
    {
        var (x, t) = BurgersColeHopf.StandardGrid();
        var u = BurgersColeHopf.Solve(x, t);
        for (int k = 0; k < t.Length; k++)
        {
            Assert.Equal(0, BurgersColeHopf.Value(-1, t[k]), 1e-14);
            Assert.Equal(0, BurgersColeHopf.Value(1, t[k]), 1e-14);
            for (int i = 0; i < x.Length; i++) Assert.Equal(-u[k, x.Length - 1 - i], u[k, i], 1e-12);
        }
    }

    [Fact]
    public void SteepestSlopeMatchesBasdevantEtAl()
    {
        // Basdevant et al. (1986): the slope at x = 0 peaks at |u_x| = 152.00516 at t = 1.6037/pi (≈ 0.5105), after
        // the inviscid shock time 1/pi (where it is only about 34).
        double peakTime = 1.6037 / Math.PI;
        double slope = BurgersColeHopf.Gradient(0, peakTime);
        Assert.Equal(-152.00516, slope, 0.001 * 152.00516);
        Assert.True(Math.Abs(BurgersColeHopf.Gradient(0, peakTime - 0.02)) < Math.Abs(slope));
        Assert.True(Math.Abs(BurgersColeHopf.Gradient(0, peakTime + 0.02)) < Math.Abs(slope));
        Assert.InRange(-BurgersColeHopf.Gradient(0, 1 / Math.PI), 30, 40);
    }

    [Fact]
    public void RejectsBadInput()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => BurgersColeHopf.Value(0, -0.1));
        Assert.Throws<ArgumentOutOfRangeException>(() => BurgersColeHopf.Value(0, 0.5, nu: 0));
        Assert.Throws<ArgumentOutOfRangeException>(() => BurgersColeHopf.Value(double.NaN, 0.5));
        Assert.Throws<ArgumentException>(() => BurgersColeHopf.Solve([0, double.PositiveInfinity], [0.1]));
        Assert.Throws<ArgumentOutOfRangeException>(() => BurgersColeHopf.Solve([0], [0.1], quadratureOrder: 0));
    }
}
