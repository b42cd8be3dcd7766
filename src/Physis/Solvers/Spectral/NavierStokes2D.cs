namespace Physis.Solvers.Spectral;

/// <summary>
/// Pseudo-spectral solver for 2D incompressible Navier-Stokes in vorticity form on the periodic unit square,
/// w_t + u . grad w = nu Lap w + f, with the velocity from the stream function (Lap psi = -w,
/// u = (psi_y, -psi_x)), as in the Navier-Stokes benchmark of the Fourier neural operator (Li et al. 2021).
/// Time stepping: Crank-Nicolson for viscosity and Heun's predictor-corrector for the advection and forcing
/// (second order in time); the advection term is dealiased by the 2/3 rule.
/// Arrays are [n, n] with w[i, j] at x = i/n, y = j/n. An instance owns its work arrays: use one per thread.
/// </summary>
public sealed class NavierStokes2D
{
    /// <summary>The forcing of the FNO benchmark, f(x, y) = 0.1 (sin(2 pi (x + y)) + cos(2 pi (x + y))).</summary>
    public static double FnoForcing(double x, double y) =>
        0.1 * (Math.Sin(2 * Math.PI * (x + y)) + Math.Cos(2 * Math.PI * (x + y)));

    private readonly RealFft2D _fft;
    private readonly int _size;                 // spectrum entries n (n/2 + 1)
    private readonly double[] _kx, _ky;         // derivative wavenumbers per row / column (0 at Nyquist)
    private readonly double[] _kSquared;        // |k|^2 per spectrum entry
    private readonly double[] _inverseKSquared; // 1/|k|^2, 0 for the mean
    private readonly bool[] _keep;              // 2/3-rule mask
    private readonly double[]? _forceRe, _forceIm;
    private readonly StepFactors _factors;
    private readonly Dictionary<double, StepFactors> _shortSteps = [];
    private readonly double[] _wRe, _wIm, _predRe, _predIm, _n0Re, _n0Im, _n1Re, _n1Im;
    private readonly double[] _u, _v, _wx, _wy;

    /// <summary>Grid points per direction.</summary>
    public int Points { get; }

    /// <summary>Kinematic viscosity.</summary>
    public double Viscosity { get; }

    /// <summary>Time step.</summary>
    public double TimeStep { get; }

    public NavierStokes2D(int n, double nu, double dt, Func<double, double, double>? forcing = null)
    {
        if (n < 4 || n % 2 != 0)
            throw new ArgumentOutOfRangeException(nameof(n), n, "The grid needs an even number of points per direction, at least 4.");
        if (!(nu >= 0) || !double.IsFinite(nu))
            throw new ArgumentOutOfRangeException(nameof(nu), nu, "The viscosity must be finite and non-negative.");
        if (!(dt > 0) || !double.IsFinite(dt))
            throw new ArgumentOutOfRangeException(nameof(dt), dt, "The time step must be positive and finite.");
        Points = n;
        Viscosity = nu;
        TimeStep = dt;
        _fft = RealFft2D.Get(n, n);
        int w = _fft.SpectrumColumns;
        _size = _fft.SpectrumLength;
        _kx = new double[n];
        _ky = new double[w];
        for (int p = 0; p < n; p++) _kx[p] = p == n / 2 ? 0 : 2 * Math.PI * (p < n / 2 ? p : p - n);
        for (int q = 0; q < w; q++) _ky[q] = q == n / 2 ? 0 : 2 * Math.PI * q;
        _kSquared = new double[_size];
        _inverseKSquared = new double[_size];
        _keep = new bool[_size];
        for (int p = 0; p < n; p++)
        {
            int fp = p <= n / 2 ? p : p - n;
            for (int q = 0; q < w; q++)
            {
                int e = p * w + q;
                _kSquared[e] = 4 * Math.PI * Math.PI * ((double)fp * fp + (double)q * q);
                _inverseKSquared[e] = e == 0 ? 0 : 1 / _kSquared[e];
                _keep[e] = 3 * Math.Abs(fp) < n && 3 * q < n;
            }
        }
        _factors = new StepFactors(_kSquared, nu, dt);
        if (forcing is not null)
        {
            var f = new double[n * n];
            for (int i = 0; i < n; i++)
                for (int j = 0; j < n; j++)
                    f[i * n + j] = forcing((double)i / n, (double)j / n);
            if (f.Any(v => !double.IsFinite(v)))
                throw new ArgumentException("The forcing returned NaN or infinite values on the grid.", nameof(forcing));
            _forceRe = new double[_size];
            _forceIm = new double[_size];
            _fft.Forward(f, _forceRe, _forceIm);
        }
        double[] Spectrum() => new double[_size];
        _wRe = Spectrum(); _wIm = Spectrum(); _predRe = Spectrum(); _predIm = Spectrum();
        _n0Re = Spectrum(); _n0Im = Spectrum(); _n1Re = Spectrum(); _n1Im = Spectrum();
        _u = new double[n * n]; _v = new double[n * n]; _wx = new double[n * n]; _wy = new double[n * n];
    }

    /// <summary>
    /// Vorticity at each of <paramref name="outputTimes"/> (from the initial state, non-negative and
    /// non-decreasing). Times need not be multiples of the time step: an interval that is not a whole number
    /// of steps ends with one shorter step.
    /// </summary>
    public double[][,] Solve(double[,] w0, ReadOnlySpan<double> outputTimes)
    {
        CheckField(w0, nameof(w0));
        for (int i = 0; i < outputTimes.Length; i++)
        {
            double t = outputTimes[i];
            if (!(t >= 0) || !double.IsFinite(t) || (i > 0 && t < outputTimes[i - 1]))
                throw new ArgumentException(
                    $"Output times must be finite, non-negative and non-decreasing; time {i} is {t}.", nameof(outputTimes));
        }
        _fft.Forward(Flat(w0), _wRe, _wIm);
        var result = new double[outputTimes.Length][,];
        double now = 0;
        for (int i = 0; i < outputTimes.Length; i++)
        {
            Advance(outputTimes[i] - now);
            now = outputTimes[i];
            result[i] = new double[Points, Points];
            _fft.Inverse(_wRe, _wIm, Flat(result[i]));
            foreach (double value in result[i])
                if (!double.IsFinite(value))
                    throw new InvalidOperationException(
                        $"The vorticity became non-finite by t = {now} with dt = {TimeStep}; reduce the time step " +
                        "(advective CFL: dt max|u| n below about 1) or increase the viscosity or resolution.");
        }
        return result;
    }

    /// <summary>Velocity (u, v) = (psi_y, -psi_x) of the vorticity field w, spectrally, on the same grid.</summary>
    public (double[,] U, double[,] V) Velocity(double[,] w)
    {
        CheckField(w, nameof(w));
        _fft.Forward(Flat(w), _predRe, _predIm);
        var u = new double[Points, Points];
        var v = new double[Points, Points];
        ApplyGradientSymbol(_predRe, _predIm, 0, 1, streamFunction: true, _n0Re, _n0Im);
        _fft.Inverse(_n0Re, _n0Im, Flat(u));
        ApplyGradientSymbol(_predRe, _predIm, -1, 0, streamFunction: true, _n0Re, _n0Im);
        _fft.Inverse(_n0Re, _n0Im, Flat(v));
        return (u, v);
    }

    private void CheckField(double[,] w, string name)
    {
        ArgumentNullException.ThrowIfNull(w, name);
        if (w.GetLength(0) != Points || w.GetLength(1) != Points)
            throw new ArgumentException(
                $"The field is {w.GetLength(0)} x {w.GetLength(1)} but the solver grid is {Points} x {Points}.", name);
        foreach (double value in w)
            if (!double.IsFinite(value))
                throw new ArgumentException("The field contains NaN or infinite values.", name);
    }

    private static Span<double> Flat(double[,] a) =>
        System.Runtime.InteropServices.MemoryMarshal.CreateSpan(ref a[0, 0], a.Length);

    private void Advance(double duration)
    {
        if (duration == 0) return;
        double ratio = duration / TimeStep;
        double whole = Math.Round(ratio);
        if (Math.Abs(ratio - whole) <= 1e-9 * Math.Max(1, ratio))
        {
            for (long s = 0; s < (long)whole; s++) Step(_factors);
            return;
        }
        whole = Math.Floor(ratio);
        for (long s = 0; s < (long)whole; s++) Step(_factors);
        double rest = duration - whole * TimeStep;
        if (!_shortSteps.TryGetValue(rest, out var factors))
            _shortSteps[rest] = factors = new StepFactors(_kSquared, Viscosity, rest);
        Step(factors);
    }

    /// <summary>
    /// Heun / Crank-Nicolson step: w* = [P w + h (N(w) + f)] D, then w = [P w + h/2 (N(w) + N(w*)) + h f] D,
    /// with P = 1 - h nu |k|^2 / 2 and D = 1 / (1 + h nu |k|^2 / 2).
    /// </summary>
    private void Step(StepFactors c)
    {
        double h = c.H;
        Advection(_wRe, _wIm, _n0Re, _n0Im);
        for (int e = 0; e < _size; e++)
        {
            double fr = _forceRe?[e] ?? 0, fi = _forceIm?[e] ?? 0;
            _predRe[e] = (c.P[e] * _wRe[e] + h * (_n0Re[e] + fr)) * c.D[e];
            _predIm[e] = (c.P[e] * _wIm[e] + h * (_n0Im[e] + fi)) * c.D[e];
        }
        Advection(_predRe, _predIm, _n1Re, _n1Im);
        for (int e = 0; e < _size; e++)
        {
            double fr = _forceRe?[e] ?? 0, fi = _forceIm?[e] ?? 0;
            _wRe[e] = (c.P[e] * _wRe[e] + 0.5 * h * (_n0Re[e] + _n1Re[e]) + h * fr) * c.D[e];
            _wIm[e] = (c.P[e] * _wIm[e] + 0.5 * h * (_n0Im[e] + _n1Im[e]) + h * fi) * c.D[e];
        }
    }

    /// <summary>
    /// out = i (cx kx + cy ky) s w with s = 1/|k|^2 for the stream function (psi = w/|k|^2), else 1:
    /// (1, 0) is d/dx, (0, 1) d/dy, so u = psi_y is (0, 1) and v = -psi_x is (-1, 0) with the stream function.
    /// </summary>
    private void ApplyGradientSymbol(double[] wRe, double[] wIm, double cx, double cy, bool streamFunction, double[] outRe, double[] outIm)
    {
        int w = _fft.SpectrumColumns;
        for (int p = 0; p < Points; p++)
        {
            for (int q = 0; q < w; q++)
            {
                int e = p * w + q;
                double factor = (cx * _kx[p] + cy * _ky[q]) * (streamFunction ? _inverseKSquared[e] : 1);
                double re = wRe[e], im = wIm[e];
                outRe[e] = -factor * im;
                outIm[e] = factor * re;
            }
        }
    }

    /// <summary>Spectrum of -(u w_x + v w_y), products on the grid, dealiased by the 2/3 rule.</summary>
    private void Advection(double[] wRe, double[] wIm, double[] outRe, double[] outIm)
    {
        // The output arrays serve as workspace for the four derivative spectra before the result goes in.
        ApplyGradientSymbol(wRe, wIm, 1, 0, streamFunction: false, outRe, outIm);
        _fft.Inverse(outRe, outIm, _wx);
        ApplyGradientSymbol(wRe, wIm, 0, 1, streamFunction: false, outRe, outIm);
        _fft.Inverse(outRe, outIm, _wy);
        ApplyGradientSymbol(wRe, wIm, 0, 1, streamFunction: true, outRe, outIm);
        _fft.Inverse(outRe, outIm, _u);
        ApplyGradientSymbol(wRe, wIm, -1, 0, streamFunction: true, outRe, outIm);
        _fft.Inverse(outRe, outIm, _v);
        for (int i = 0; i < _u.Length; i++) _u[i] = -(_u[i] * _wx[i] + _v[i] * _wy[i]);
        _fft.Forward(_u, outRe, outIm);
        for (int e = 0; e < _size; e++)
            if (!_keep[e]) { outRe[e] = 0; outIm[e] = 0; }
    }

    private sealed class StepFactors
    {
        public readonly double H;
        public readonly double[] P, D;

        public StepFactors(double[] kSquared, double nu, double h)
        {
            H = h;
            P = new double[kSquared.Length];
            D = new double[kSquared.Length];
            for (int e = 0; e < kSquared.Length; e++)
            {
                double half = 0.5 * h * nu * kSquared[e];
                P[e] = 1 - half;
                D[e] = 1 / (1 + half);
            }
        }
    }
}
