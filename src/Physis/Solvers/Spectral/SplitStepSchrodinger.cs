using System.Numerics;

namespace Physis.Solvers.Spectral;

/// <summary>
/// The cubic nonlinear Schrödinger equation i h_t + a h_xx + g |h|^2 h = 0 on a periodic interval, by Strang-split
/// Fourier steps: half a step of the nonlinear part, which keeps |h| and so is the exact phase rotation
/// h exp(i g |h|^2 dt / 2), then the dispersive part exactly in Fourier space (each mode turns by exp(-i a k^2 dt)), then
/// the other half nonlinear step. Both parts conserve the mass (the integral of |h|^2) to rounding; the splitting error
/// is of second order in dt.
/// </summary>
public static class SplitStepSchrodinger
{
    /// <param name="initial">h at the first time, at each grid point</param>
    /// <param name="x0">left end of the period; the grid is x0 + j (x1 - x0) / n, j = 0 .. n - 1</param>
    /// <param name="x1">right end of the period (not a grid point: it is x0 again)</param>
    /// <param name="n">grid points, at least 4</param>
    /// <param name="times">output times, increasing; the first is the initial time</param>
    /// <param name="dispersion">a</param>
    /// <param name="nonlinearity">g</param>
    /// <param name="maxStep">the largest time step; each interval between output times takes equal steps no longer than this</param>
    /// <returns>h at each output time and grid point, [times, n]</returns>
    public static Complex[,] Solve(Func<double, Complex> initial, double x0, double x1, int n, double[] times, double dispersion = 0.5,
        double nonlinearity = 1.0, double maxStep = 1e-4)
    {
        ArgumentNullException.ThrowIfNull(initial);
        ArgumentNullException.ThrowIfNull(times);
        if (n < 4) throw new ArgumentException($"The grid needs at least 4 points, got {n}.", nameof(n));
        if (!(x1 > x0) || !double.IsFinite(x1 - x0)) throw new ArgumentException($"The period [{x0}, {x1}) must be a finite non-empty interval.");
        if (times.Length == 0 || times.Any(t => !double.IsFinite(t)) || times.Zip(times.Skip(1)).Any(p => !(p.Second > p.First)))
            throw new ArgumentException("The output times must be finite and increasing.", nameof(times));
        if (!(maxStep > 0) || !double.IsFinite(maxStep)) throw new ArgumentException($"The time step must be positive, got {maxStep}.");
        if (!double.IsFinite(dispersion) || !double.IsFinite(nonlinearity)) throw new ArgumentException("The coefficients must be finite.");

        double period = x1 - x0;
        var re = new double[n];
        var im = new double[n];
        for (int j = 0; j < n; j++)
        {
            var h = initial(x0 + j * period / n);
            (re[j], im[j]) = (h.Real, h.Imaginary);
        }
        var k = new double[n];
        for (int j = 0; j < n; j++) k[j] = 2 * Math.PI * (j <= n / 2 ? j : j - n) / period;

        var fft = ComplexFft.Get(n);
        var result = new Complex[times.Length, n];
        Store(result, 0, re, im);
        for (int o = 1; o < times.Length; o++)
        {
            double span = times[o] - times[o - 1];
            int steps = (int)Math.Ceiling(span / maxStep);
            double dt = span / steps;
            var turn = k.Select(kj => Complex.FromPolarCoordinates(1, -dispersion * kj * kj * dt)).ToArray();
            for (int s = 0; s < steps; s++)
            {
                Rotate(re, im, nonlinearity * dt / 2);
                fft.Forward(re, im);
                for (int j = 0; j < n; j++)
                {
                    var mode = new Complex(re[j], im[j]) * turn[j];
                    (re[j], im[j]) = (mode.Real, mode.Imaginary);
                }
                fft.Inverse(re, im);
                Rotate(re, im, nonlinearity * dt / 2);
            }
            Store(result, o, re, im);
        }
        return result;
    }

    /// <summary>h exp(i g |h|^2 tau): the exact flow of i h_t + g |h|^2 h = 0, which keeps |h|.</summary>
    private static void Rotate(double[] re, double[] im, double gTau)
    {
        for (int j = 0; j < re.Length; j++)
        {
            double angle = gTau * (re[j] * re[j] + im[j] * im[j]);
            var (sin, cos) = Math.SinCos(angle);
            (re[j], im[j]) = (re[j] * cos - im[j] * sin, re[j] * sin + im[j] * cos);
        }
    }

    private static void Store(Complex[,] result, int row, double[] re, double[] im)
    {
        for (int j = 0; j < re.Length; j++) result[row, j] = new Complex(re[j], im[j]);
    }
}
