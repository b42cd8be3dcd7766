using System.Numerics;
using System.Runtime.InteropServices;

namespace Physis.Solvers.Spectral;

/// <summary>
/// Fourier pseudo-spectral solver for periodic 1D equations u_t = L u + N(u) with the fourth-order
/// exponential time differencing Runge-Kutta scheme ETDRK4 of Cox and Matthews, with the phi-function
/// coefficients evaluated by the contour integral of Kassam and Trefethen (2005) so they stay accurate where
/// h L is near zero. The nonlinear term is dealiased by the 2/3 rule (modes with 3|j| >= n are dropped).
/// An instance owns its work arrays: use one per thread.
/// </summary>
public sealed class Etdrk4Solver1D
{
    /// <summary>Points on the circle of radius 1 of the contour integral (trapezoid rule).</summary>
    public const int ContourPoints = 64;

    private readonly SpectralEquation1D _equation;
    private readonly RealFft _fft;
    private readonly int _modes;
    private readonly Complex[] _linear;
    private readonly Spectrum _multiplier;
    private readonly StepCoefficients _coefficients;
    private readonly Dictionary<double, StepCoefficients> _shortSteps = [];
    private readonly Spectrum _v, _a, _b, _nv, _n, _acc;
    private readonly double[] _physical;

    /// <summary>Grid points n.</summary>
    public int Points { get; }

    /// <summary>Length of the periodic domain.</summary>
    public double Period { get; }

    /// <summary>Time step.</summary>
    public double TimeStep { get; }

    public Etdrk4Solver1D(SpectralEquation1D equation, int n, double period, double dt)
    {
        ArgumentNullException.ThrowIfNull(equation);
        if (n < 2)
            throw new ArgumentOutOfRangeException(nameof(n), n, "The grid needs at least 2 points.");
        if (!(period > 0) || !double.IsFinite(period))
            throw new ArgumentOutOfRangeException(nameof(period), period, "The period must be a positive finite length.");
        if (!(dt > 0) || !double.IsFinite(dt))
            throw new ArgumentOutOfRangeException(nameof(dt), dt, "The time step must be positive and finite.");
        _equation = equation;
        Points = n;
        Period = period;
        TimeStep = dt;
        _fft = RealFft.Get(n);
        _modes = n / 2 + 1;
        int padded = (_modes + Vector<double>.Count - 1) / Vector<double>.Count * Vector<double>.Count;
        _linear = new Complex[_modes];
        _multiplier = new Spectrum(padded);
        for (int j = 0; j < _modes; j++)
        {
            double k = 2 * Math.PI * j / period;
            _linear[j] = equation.LinearSymbol(k);
            if (!double.IsFinite(_linear[j].Real) || !double.IsFinite(_linear[j].Imaginary))
                throw new ArgumentException($"The linear symbol of {equation.GetType().Name} is not finite at k = {k}.", nameof(equation));
            if (equation.HasNonlinearTerm && 3 * j < n)
            {
                Complex d = equation.NonlinearSymbol(k);
                _multiplier.Re[j] = d.Real;
                _multiplier.Im[j] = d.Imaginary;
            }
        }
        _coefficients = new StepCoefficients(_linear, dt, padded);
        _v = new Spectrum(padded);
        _a = new Spectrum(padded);
        _b = new Spectrum(padded);
        _nv = new Spectrum(padded);
        _n = new Spectrum(padded);
        _acc = new Spectrum(padded);
        _physical = new double[n];
    }

    /// <summary>Grid coordinates x_j = origin + j period / n.</summary>
    public double[] GridCoordinates(double origin = 0)
    {
        var x = new double[Points];
        for (int j = 0; j < Points; j++) x[j] = origin + j * Period / Points;
        return x;
    }

    /// <summary>
    /// Solution at each of <paramref name="outputTimes"/> (measured from the initial state, non-decreasing,
    /// non-negative) as rows of an [times, n] array. Times need not be multiples of the time step: each
    /// interval between outputs takes whole steps and, where a remainder is left, one shorter final step
    /// (its coefficients are computed once and cached).
    /// </summary>
    public double[,] Solve(ReadOnlySpan<double> u0, ReadOnlySpan<double> outputTimes)
    {
        var result = new double[outputTimes.Length, Points];
        SolveInto(u0, outputTimes, result.Length == 0 ? [] : MemoryMarshal.CreateSpan(ref result[0, 0], result.Length));
        return result;
    }

    /// <summary>
    /// <see cref="Solve"/> into a caller's buffer of outputTimes.Length x n values (row-major), so that dataset
    /// generators write straight into their sample buffers.
    /// </summary>
    public void SolveInto(ReadOnlySpan<double> u0, ReadOnlySpan<double> outputTimes, Span<double> result)
    {
        CheckState(u0);
        for (int i = 0; i < outputTimes.Length; i++)
        {
            double t = outputTimes[i];
            if (!(t >= 0) || !double.IsFinite(t) || (i > 0 && t < outputTimes[i - 1]))
                throw new ArgumentException(
                    $"Output times must be finite, non-negative and non-decreasing; time {i} is {t}.", nameof(outputTimes));
        }
        if (result.Length != outputTimes.Length * Points)
            throw new ArgumentException(
                $"The result buffer has {result.Length} values but {outputTimes.Length} times x {Points} points need "
                + $"{outputTimes.Length * Points}.", nameof(result));
        _fft.Forward(u0, _v.Re.AsSpan(0, _modes), _v.Im.AsSpan(0, _modes));
        double now = 0;
        for (int i = 0; i < outputTimes.Length; i++)
        {
            AdvanceSpectrum(outputTimes[i] - now);
            now = outputTimes[i];
            Span<double> row = result.Slice(i * Points, Points);
            _fft.Inverse(_v.Re.AsSpan(0, _modes), _v.Im.AsSpan(0, _modes), row);
            CheckFinite(row, now);
        }
    }

    /// <summary>Advances the grid values <paramref name="u"/> in place by one time step.</summary>
    public void Step(Span<double> u) => Advance(u, TimeStep);

    /// <summary>Advances the grid values <paramref name="u"/> in place by <paramref name="duration"/>.</summary>
    public void Advance(Span<double> u, double duration)
    {
        CheckState(u);
        if (!(duration >= 0) || !double.IsFinite(duration))
            throw new ArgumentOutOfRangeException(nameof(duration), duration, "The duration must be finite and non-negative.");
        _fft.Forward(u, _v.Re.AsSpan(0, _modes), _v.Im.AsSpan(0, _modes));
        AdvanceSpectrum(duration);
        _fft.Inverse(_v.Re.AsSpan(0, _modes), _v.Im.AsSpan(0, _modes), u);
        CheckFinite(u, duration);
    }

    private void CheckState(ReadOnlySpan<double> u)
    {
        if (u.Length != Points)
            throw new ArgumentException($"The state has {u.Length} values but the solver grid has {Points} points.", nameof(u));
        foreach (double value in u)
            if (!double.IsFinite(value))
                throw new ArgumentException("The state contains NaN or infinite values.", nameof(u));
    }

    private void CheckFinite(ReadOnlySpan<double> u, double time)
    {
        foreach (double value in u)
            if (!double.IsFinite(value))
                throw new InvalidOperationException(
                    $"The solution of {_equation.GetType().Name} became non-finite by t = {time} with dt = {TimeStep}; " +
                    "reduce the time step or increase the resolution.");
    }

    private void AdvanceSpectrum(double duration)
    {
        if (duration == 0) return;
        double ratio = duration / TimeStep;
        double whole = Math.Round(ratio);
        if (Math.Abs(ratio - whole) <= 1e-9 * Math.Max(1, ratio))
        {
            for (long s = 0; s < (long)whole; s++) TakeStep(_coefficients);
            return;
        }
        whole = Math.Floor(ratio);
        for (long s = 0; s < (long)whole; s++) TakeStep(_coefficients);
        double rest = duration - whole * TimeStep;
        if (!_shortSteps.TryGetValue(rest, out var shortStep))
        {
            shortStep = new StepCoefficients(_linear, rest, _v.Re.Length);
            _shortSteps[rest] = shortStep;
        }
        TakeStep(shortStep);
    }

    /// <summary>One ETDRK4 step (Cox and Matthews 2002, eq. 26-29) on the spectrum v.</summary>
    private void TakeStep(StepCoefficients c)
    {
        if (!_equation.HasNonlinearTerm)
        {
            Spectrum.Multiply(c.E, _v, _v);
            return;
        }
        Nonlinear(_v, _nv);
        Spectrum.MultiplyAdd(c.E2, _v, c.Q, _nv, _a);          // a = E2 v + Q N(v)
        Spectrum.MultiplyAdd(c.E, _v, c.F1, _nv, _acc);        // acc = E v + f1 N(v)
        Nonlinear(_a, _n);
        Spectrum.MultiplyAdd(c.E2, _v, c.Q, _n, _b);           // b = E2 v + Q N(a)
        Spectrum.AddProduct(c.TwoF2, _n, _acc);                // acc += 2 f2 N(a)
        Nonlinear(_b, _n);
        Spectrum.AddProduct(c.TwoF2, _n, _acc);                // acc += 2 f2 N(b)
        Spectrum.Combine(_n, 2, _nv, -1, _n);                  // 2 N(b) - N(v)
        Spectrum.MultiplyAdd(c.E2, _a, c.Q, _n, _b);           // c = E2 a + Q (2 N(b) - N(v))
        Nonlinear(_b, _n);
        Spectrum.AddProduct(_acc, c.F3, _n, _v);               // v = acc + f3 N(c)
    }

    /// <summary>Dealiased spectrum of N(u) = D g(u), through the grid values of u.</summary>
    private void Nonlinear(Spectrum x, Spectrum result)
    {
        _fft.Inverse(x.Re.AsSpan(0, _modes), x.Im.AsSpan(0, _modes), _physical);
        _equation.ApplyPointwise(_physical);
        _fft.Forward(_physical, result.Re.AsSpan(0, _modes), result.Im.AsSpan(0, _modes));
        Spectrum.Multiply(_multiplier, result, result);
    }

    /// <summary>The ETDRK4 coefficients for one step length h.</summary>
    private sealed class StepCoefficients
    {
        public Spectrum E, E2, Q, F1, TwoF2, F3;

        public StepCoefficients(Complex[] linear, double h, int padded)
        {
            E = new Spectrum(padded); E2 = new Spectrum(padded); Q = new Spectrum(padded);
            F1 = new Spectrum(padded); TwoF2 = new Spectrum(padded); F3 = new Spectrum(padded);
            for (int j = 0; j < linear.Length; j++)
            {
                Complex z = h * linear[j];
                E.Set(j, Complex.Exp(z));
                E2.Set(j, Complex.Exp(z / 2));
                // Mean over a circle of radius 1 around z. For real z the integrand is conjugate-symmetric,
                // so the upper half circle and the real part give the same mean at half the cost.
                bool real = z.Imaginary == 0;
                int count = real ? ContourPoints / 2 : ContourPoints;
                Complex q = 0, f1 = 0, f2 = 0, f3 = 0;
                for (int p = 0; p < count; p++)
                {
                    double theta = 2 * Math.PI * (p + 0.5) / ContourPoints;
                    Complex r = z + Complex.FromPolarCoordinates(1, theta);
                    Complex er = Complex.Exp(r), r3 = r * r * r;
                    q += (Complex.Exp(r / 2) - 1) / r;
                    f1 += (-4 - r + er * (4 - 3 * r + r * r)) / r3;
                    f2 += (2 + r + er * (r - 2)) / r3;
                    f3 += (-4 - 3 * r - r * r + er * (4 - r)) / r3;
                }
                double scale = h / count;
                Q.Set(j, Project(q * scale, real));
                F1.Set(j, Project(f1 * scale, real));
                TwoF2.Set(j, Project(2 * f2 * scale, real));
                F3.Set(j, Project(f3 * scale, real));
            }
        }

        private static Complex Project(Complex value, bool real) => real ? value.Real : value;
    }
}

/// <summary>Split real/imaginary array of Fourier coefficients, padded to whole SIMD vectors.</summary>
internal sealed class Spectrum
{
    public readonly double[] Re, Im;

    public Spectrum(int length)
    {
        Re = new double[length];
        Im = new double[length];
    }

    public void Set(int j, Complex value)
    {
        Re[j] = value.Real;
        Im[j] = value.Imaginary;
    }

    private static Span<Vector<double>> V(double[] a) => MemoryMarshal.Cast<double, Vector<double>>(a.AsSpan());

    /// <summary>result = a x (complex, element by element).</summary>
    public static void Multiply(Spectrum a, Spectrum x, Spectrum result)
    {
        Span<Vector<double>> ar = V(a.Re), ai = V(a.Im), xr = V(x.Re), xi = V(x.Im), rr = V(result.Re), ri = V(result.Im);
        for (int i = 0; i < rr.Length; i++)
        {
            var pr = ar[i] * xr[i] - ai[i] * xi[i];
            var pi = ar[i] * xi[i] + ai[i] * xr[i];
            rr[i] = pr;
            ri[i] = pi;
        }
    }

    /// <summary>result = a x + b y (complex, element by element).</summary>
    public static void MultiplyAdd(Spectrum a, Spectrum x, Spectrum b, Spectrum y, Spectrum result)
    {
        Span<Vector<double>> ar = V(a.Re), ai = V(a.Im), xr = V(x.Re), xi = V(x.Im);
        Span<Vector<double>> br = V(b.Re), bi = V(b.Im), yr = V(y.Re), yi = V(y.Im);
        Span<Vector<double>> rr = V(result.Re), ri = V(result.Im);
        for (int i = 0; i < rr.Length; i++)
        {
            var pr = ar[i] * xr[i] - ai[i] * xi[i] + br[i] * yr[i] - bi[i] * yi[i];
            var pi = ar[i] * xi[i] + ai[i] * xr[i] + br[i] * yi[i] + bi[i] * yr[i];
            rr[i] = pr;
            ri[i] = pi;
        }
    }

    /// <summary>acc += b y (complex, element by element).</summary>
    public static void AddProduct(Spectrum b, Spectrum y, Spectrum acc) => AddProduct(acc, b, y, acc);

    /// <summary>result = s + b y (complex, element by element).</summary>
    public static void AddProduct(Spectrum s, Spectrum b, Spectrum y, Spectrum result)
    {
        Span<Vector<double>> sr = V(s.Re), si = V(s.Im), br = V(b.Re), bi = V(b.Im), yr = V(y.Re), yi = V(y.Im);
        Span<Vector<double>> rr = V(result.Re), ri = V(result.Im);
        for (int i = 0; i < rr.Length; i++)
        {
            var pr = sr[i] + br[i] * yr[i] - bi[i] * yi[i];
            var pi = si[i] + br[i] * yi[i] + bi[i] * yr[i];
            rr[i] = pr;
            ri[i] = pi;
        }
    }

    /// <summary>result = alpha x + beta y with real alpha, beta.</summary>
    public static void Combine(Spectrum x, double alpha, Spectrum y, double beta, Spectrum result)
    {
        Span<Vector<double>> xr = V(x.Re), xi = V(x.Im), yr = V(y.Re), yi = V(y.Im), rr = V(result.Re), ri = V(result.Im);
        for (int i = 0; i < rr.Length; i++)
        {
            rr[i] = alpha * xr[i] + beta * yr[i];
            ri[i] = alpha * xi[i] + beta * yi[i];
        }
    }
}
