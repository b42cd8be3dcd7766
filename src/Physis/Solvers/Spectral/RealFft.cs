using System.Collections.Concurrent;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Physis.Solvers.Spectral;

/// <summary>
/// Plan for the discrete Fourier transform of real data of length n, keeping the n/2 + 1 non-negative
/// frequencies (the NumPy <c>rfft</c>/<c>irfft</c> convention: forward unscaled, inverse scaled by 1/n).
/// Even lengths pack the even and odd samples into one complex transform of length n/2 and untangle the
/// two spectra afterwards, so a real transform costs about half a complex one. Plans are immutable, cached
/// per length and thread-safe; transforms do not allocate after the first call on a thread.
/// </summary>
public sealed class RealFft
{
    private static readonly ConcurrentDictionary<int, RealFft> Plans = new();

    [ThreadStatic] private static double[]? _scratch;

    private readonly ComplexFft _complex;
    // exp(-2 pi i k / n) for k = 0 .. n/4, used to untangle the even and odd spectra.
    private readonly double[] _twiddleRe = [], _twiddleIm = [];

    /// <summary>The number of real samples.</summary>
    public int Length { get; }

    /// <summary>The number of complex coefficients, n/2 + 1.</summary>
    public int SpectrumLength => Length / 2 + 1;

    private RealFft(int length)
    {
        Length = length;
        if (length % 2 != 0)
        {
            _complex = ComplexFft.Get(length);
            return;
        }
        int half = length / 2;
        _complex = ComplexFft.Get(half);
        _twiddleRe = new double[half / 2 + 1];
        _twiddleIm = new double[half / 2 + 1];
        for (int k = 0; k <= half / 2; k++)
        {
            double angle = -2 * Math.PI * k / length;
            _twiddleRe[k] = Math.Cos(angle);
            _twiddleIm[k] = Math.Sin(angle);
        }
    }

    /// <summary>The cached plan for <paramref name="length"/> real samples (at least 1).</summary>
    public static RealFft Get(int length)
    {
        if (length < 1)
            throw new ArgumentOutOfRangeException(nameof(length), length, "FFT length must be at least 1.");
        return Plans.GetOrAdd(length, static n => new RealFft(n));
    }

    /// <summary>Spectrum X_k = sum_j x_j exp(-2 pi i j k / n), k = 0 .. n/2, into (re, im).</summary>
    public void Forward(ReadOnlySpan<double> x, Span<double> re, Span<double> im)
    {
        CheckLengths(x.Length, re.Length, im.Length);
        int n = Length;
        if (n % 2 != 0)
        {
            Span<double> work = Workspace.Get(ref _scratch, 2 * n);
            Span<double> wr = work[..n], wi = work[n..];
            x.CopyTo(wr);
            wi.Clear();
            _complex.Transform(wr, wi);
            wr[..SpectrumLength].CopyTo(re);
            wi[..SpectrumLength].CopyTo(im);
            return;
        }
        int h = n / 2;
        // Lengths were checked above, so the loops below index through references without bounds checks.
        ref double xs = ref MemoryMarshal.GetReference(x);
        ref double r = ref MemoryMarshal.GetReference(re);
        ref double m = ref MemoryMarshal.GetReference(im);
        if (h >= 4 && _complex.BitReversal is not null)
        {
            // x read as interleaved complex values: the permutation and first pass read it in place.
            _complex.TransformGathered(x, 1, 2, re[..h], im[..h]);
        }
        else
        {
            for (int j = 0; j < h; j++)
            {
                Unsafe.Add(ref r, j) = Unsafe.Add(ref xs, 2 * j);
                Unsafe.Add(ref m, j) = Unsafe.Add(ref xs, 2 * j + 1);
            }
            _complex.Transform(re[..h], im[..h]);
        }
        double z0r = r, z0i = m;
        r = z0r + z0i; m = 0;
        Unsafe.Add(ref r, h) = z0r - z0i; Unsafe.Add(ref m, h) = 0;
        ref double twr = ref MemoryMarshal.GetArrayDataReference(_twiddleRe);
        ref double twi = ref MemoryMarshal.GetArrayDataReference(_twiddleIm);
        for (int k = 1; k <= h / 2; k++)
        {
            int q = h - k;
            double zkr = Unsafe.Add(ref r, k), zki = Unsafe.Add(ref m, k), zqr = Unsafe.Add(ref r, q), zqi = Unsafe.Add(ref m, q);
            // Even part E = (Z_k + conj Z_q)/2, odd part O = (Z_k - conj Z_q)/(2i); X_k = E + W^k O, X_q = conj(E - W^k O).
            double er = 0.5 * (zkr + zqr), ei = 0.5 * (zki - zqi);
            double or = 0.5 * (zki + zqi), oi = -0.5 * (zkr - zqr);
            double wr = Unsafe.Add(ref twr, k), wi = Unsafe.Add(ref twi, k);
            double tr = wr * or - wi * oi, ti = wr * oi + wi * or;
            Unsafe.Add(ref r, k) = er + tr; Unsafe.Add(ref m, k) = ei + ti;
            Unsafe.Add(ref r, q) = er - tr; Unsafe.Add(ref m, q) = ti - ei;
        }
    }

    /// <summary>
    /// Real samples x_j = (1/n) sum_k X_k exp(2 pi i j k / n) from the n/2 + 1 coefficients (re, im), taking
    /// the missing half as the complex conjugate; imaginary parts of X_0 (and of X_{n/2} for even n) are ignored.
    /// The input is left unchanged.
    /// </summary>
    public void Inverse(ReadOnlySpan<double> re, ReadOnlySpan<double> im, Span<double> x)
    {
        CheckLengths(x.Length, re.Length, im.Length);
        int n = Length;
        if (n % 2 != 0)
        {
            Span<double> work = Workspace.Get(ref _scratch, 2 * n);
            Span<double> wr = work[..n], wi = work[n..];
            wr[0] = re[0]; wi[0] = 0;
            for (int k = 1; k < SpectrumLength; k++)
            {
                wr[k] = re[k]; wi[k] = im[k];
                wr[n - k] = re[k]; wi[n - k] = -im[k];
            }
            _complex.Transform(wi, wr);
            double scale = 1.0 / n;
            for (int j = 0; j < n; j++) x[j] = wr[j] * scale;
            return;
        }
        int h = n / 2;
        bool gathered = h >= 4 && _complex.BitReversal is not null;
        Span<double> zbuf = Workspace.Get(ref _scratch, gathered ? 4 * h : 2 * h);
        // Imaginary parts first, so that the swapped (inverse) sequence reads as real part then imaginary part.
        Span<double> zi = zbuf[..h], zr = zbuf.Slice(h, h);
        ref double r = ref MemoryMarshal.GetReference(re);
        ref double m = ref MemoryMarshal.GetReference(im);
        ref double ar = ref MemoryMarshal.GetReference(zr);
        ref double ai = ref MemoryMarshal.GetReference(zi);
        ref double twr = ref MemoryMarshal.GetArrayDataReference(_twiddleRe);
        ref double twi = ref MemoryMarshal.GetArrayDataReference(_twiddleIm);
        double s = 1.0 / n; // 1/2 from the even/odd split times 1/h for the inverse of length h
        ar = s * (r + Unsafe.Add(ref r, h));
        ai = s * (r - Unsafe.Add(ref r, h));
        for (int k = 1; k <= h / 2; k++)
        {
            int q = h - k;
            double xkr = Unsafe.Add(ref r, k), xki = Unsafe.Add(ref m, k), xqr = Unsafe.Add(ref r, q), xqi = Unsafe.Add(ref m, q);
            // E = (X_k + conj X_q)/2, O = (X_k - conj X_q) conj(W^k)/2, Z_k = E + i O; Z_q = conj(E) + i conj(O).
            double er = xkr + xqr, ei = xki - xqi;
            double dr = xkr - xqr, di = xki + xqi;
            double wr = Unsafe.Add(ref twr, k), wi = -Unsafe.Add(ref twi, k);
            double or = dr * wr - di * wi, oi = dr * wi + di * wr;
            Unsafe.Add(ref ar, k) = s * (er - oi); Unsafe.Add(ref ai, k) = s * (ei + or);
            Unsafe.Add(ref ar, q) = s * (er + oi); Unsafe.Add(ref ai, q) = s * (or - ei);
        }
        if (gathered)
        {
            // The inverse is the forward transform with real and imaginary parts exchanged on input and output.
            Span<double> outIm = zbuf.Slice(2 * h, h), outRe = zbuf.Slice(3 * h, h);
            _complex.TransformGathered(zbuf[..(2 * h)], h, 1, outIm, outRe);
            zr = outRe;
            zi = outIm;
        }
        else
        {
            _complex.Transform(zi, zr);
        }
        ref double xs = ref MemoryMarshal.GetReference(x);
        ref double br = ref MemoryMarshal.GetReference(zr);
        ref double bi = ref MemoryMarshal.GetReference(zi);
        for (int j = 0; j < h; j++)
        {
            Unsafe.Add(ref xs, 2 * j) = Unsafe.Add(ref br, j);
            Unsafe.Add(ref xs, 2 * j + 1) = Unsafe.Add(ref bi, j);
        }
    }

    private void CheckLengths(int samples, int reLength, int imLength)
    {
        if (samples != Length || reLength != SpectrumLength || imLength != SpectrumLength)
            throw new ArgumentException(
                $"Real FFT plan of length {Length} needs {Length} samples and {SpectrumLength} coefficients; " +
                $"got {samples} samples and spectrum arrays of lengths {reLength} and {imLength}.");
    }
}
