using System.Collections.Concurrent;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Physis.Solvers.Spectral;

/// <summary>
/// Plan for the complex discrete Fourier transform of one length, on split real and imaginary arrays
/// (split storage lets the butterflies run on SIMD vectors).
/// Forward: X_k = sum_j x_j exp(-2 pi i j k / n). Inverse: x_j = (1/n) sum_k X_k exp(+2 pi i j k / n).
/// Powers of two use an iterative radix-2 transform with per-stage twiddle tables; other lengths use
/// Bluestein's chirp-z algorithm on a power-of-two transform. Plans are immutable, cached per length and
/// safe to share between threads; transforms do not allocate after the first call on a thread.
/// </summary>
public sealed class ComplexFft
{
    private static readonly ConcurrentDictionary<int, ComplexFft> Plans = new();

    [ThreadStatic] private static double[]? _bluesteinScratch;
    [ThreadStatic] private static double[]? _columnScratch;

    private readonly int[] _swapPairs = [];
    private readonly int[]? _bitReversal;
    // Twiddles exp(-2 pi i j / (2h)) of the stage with half-length h are stored at [h, 2h).
    private readonly double[] _twiddleRe = [];
    private readonly double[] _twiddleIm = [];
    private readonly Bluestein? _bluestein;

    /// <summary>The transform length.</summary>
    public int Length { get; }

    private ComplexFft(int length)
    {
        Length = length;
        if (!BitOperations.IsPow2(length))
        {
            _bluestein = new Bluestein(length);
            return;
        }
        int bits = BitOperations.Log2((uint)length);
        var pairs = new List<int>();
        _bitReversal = new int[length];
        for (int i = 0; i < length; i++)
        {
            int j = bits == 0 ? 0 : (int)(ReverseBits((uint)i) >> (32 - bits));
            _bitReversal[i] = j;
            if (i < j) { pairs.Add(i); pairs.Add(j); }
        }
        _swapPairs = [.. pairs];
        _twiddleRe = new double[Math.Max(length, 1)];
        _twiddleIm = new double[Math.Max(length, 1)];
        for (int h = 1; h < length; h *= 2)
        {
            for (int j = 0; j < h; j++)
            {
                double angle = -Math.PI * j / h;
                _twiddleRe[h + j] = Math.Cos(angle);
                _twiddleIm[h + j] = Math.Sin(angle);
            }
        }
    }

    /// <summary>The cached plan for <paramref name="length"/> (any length of at least 1).</summary>
    public static ComplexFft Get(int length)
    {
        if (length < 1)
            throw new ArgumentOutOfRangeException(nameof(length), length, "FFT length must be at least 1.");
        return Plans.GetOrAdd(length, static n => new ComplexFft(n));
    }

    /// <summary>In-place forward transform (no scaling).</summary>
    public void Forward(Span<double> re, Span<double> im)
    {
        CheckLength(re, im, 1);
        Transform(re, im);
    }

    /// <summary>In-place inverse transform, scaled by 1/n.</summary>
    public void Inverse(Span<double> re, Span<double> im)
    {
        CheckLength(re, im, 1);
        // The inverse DFT is the forward DFT with real and imaginary parts exchanged on input and output.
        Transform(im, re);
        Scale(re, im, 1.0 / Length);
    }

    /// <summary>
    /// In-place forward transform along axis 0 of a row-major [n, width] array, i.e. of every column.
    /// </summary>
    public void ForwardColumns(Span<double> re, Span<double> im, int width)
    {
        CheckLength(re, im, width);
        TransformColumns(re, im, width);
    }

    /// <summary>In-place inverse transform (scaled by 1/n) along axis 0 of a row-major [n, width] array.</summary>
    public void InverseColumns(Span<double> re, Span<double> im, int width)
    {
        CheckLength(re, im, width);
        TransformColumns(im, re, width);
        Scale(re, im, 1.0 / Length);
    }

    private void CheckLength(Span<double> re, Span<double> im, int width)
    {
        if (width < 1)
            throw new ArgumentOutOfRangeException(nameof(width), width, "Column count must be at least 1.");
        if (re.Length != Length * width || im.Length != Length * width)
            throw new ArgumentException(
                $"FFT plan of length {Length} (x {width} columns) got arrays of lengths {re.Length} and {im.Length}; " +
                "pass arrays of exactly the plan's size or get the plan for your size.");
    }

    internal static void Scale(Span<double> re, Span<double> im, double factor)
    {
        for (int i = 0; i < re.Length; i++) { re[i] *= factor; im[i] *= factor; }
    }

    /// <summary>
    /// For power-of-two lengths, the bit-reversal permutation, so that callers that fill the input anyway can
    /// place element j at BitReversal[j] and call <see cref="TransformBitReversed"/>, saving a pass of swaps;
    /// null for other lengths.
    /// </summary>
    internal int[]? BitReversal => _bitReversal;

    /// <summary>Unscaled forward transform; call with (im, re) swapped for the unscaled inverse.</summary>
    internal void Transform(Span<double> re, Span<double> im)
    {
        if (_bluestein is not null) { _bluestein.Transform(re, im); return; }
        ref double r = ref MemoryMarshal.GetReference(re);
        ref double m = ref MemoryMarshal.GetReference(im);
        int[] pairs = _swapPairs;
        for (int p = 0; p < pairs.Length; p += 2)
        {
            int i = pairs[p], j = pairs[p + 1];
            (Unsafe.Add(ref r, i), Unsafe.Add(ref r, j)) = (Unsafe.Add(ref r, j), Unsafe.Add(ref r, i));
            (Unsafe.Add(ref m, i), Unsafe.Add(ref m, j)) = (Unsafe.Add(ref m, j), Unsafe.Add(ref m, i));
        }
        TransformBitReversed(re, im);
    }

    /// <summary>Unscaled forward transform of a power-of-two length whose input is already in bit-reversed order.</summary>
    internal void TransformBitReversed(Span<double> re, Span<double> im)
    {
        int n = Length;
        if (n == 1) return;
        ref double r = ref MemoryMarshal.GetReference(re);
        ref double m = ref MemoryMarshal.GetReference(im);
        if (n == 2)
        {
            Butterfly(ref r, ref m, 0, 1, 1.0, 0.0);
            return;
        }
        // The first two stages together: a radix-4 pass whose twiddles are 1 and -i.
        for (int s = 0; s < n; s += 4)
        {
            FourPoint(ref r, ref m, s,
                Unsafe.Add(ref r, s), Unsafe.Add(ref m, s), Unsafe.Add(ref r, s + 1), Unsafe.Add(ref m, s + 1),
                Unsafe.Add(ref r, s + 2), Unsafe.Add(ref m, s + 2), Unsafe.Add(ref r, s + 3), Unsafe.Add(ref m, s + 3));
        }
        RemainingStages(ref r, ref m);
    }

    /// <summary>
    /// Unscaled forward transform (power-of-two length of at least 4) of the complex sequence whose element j
    /// has real part source[stride j] and imaginary part source[imaginaryOffset + stride j], into (re, im).
    /// The bit-reversal permutation and the first radix-4 pass are one pass: block t of the permuted sequence
    /// holds the elements j, j + n/2, j + n/4, j + 3n/4 with j the bit reversal of 4t.
    /// </summary>
    internal void TransformGathered(ReadOnlySpan<double> source, int imaginaryOffset, int stride, Span<double> re, Span<double> im)
    {
        int n = Length, quarter = n / 4;
        ref double src = ref MemoryMarshal.GetReference(source);
        ref double srcIm = ref Unsafe.Add(ref src, imaginaryOffset);
        ref double r = ref MemoryMarshal.GetReference(re);
        ref double m = ref MemoryMarshal.GetReference(im);
        ref int order = ref MemoryMarshal.GetArrayDataReference(_bitReversal!);
        for (int t = 0; t < quarter; t++)
        {
            int j0 = Unsafe.Add(ref order, 4 * t) * stride, step = quarter * stride;
            int j1 = j0 + 2 * step, j2 = j0 + step, j3 = j0 + 3 * step;
            FourPoint(ref r, ref m, 4 * t,
                Unsafe.Add(ref src, j0), Unsafe.Add(ref srcIm, j0), Unsafe.Add(ref src, j1), Unsafe.Add(ref srcIm, j1),
                Unsafe.Add(ref src, j2), Unsafe.Add(ref srcIm, j2), Unsafe.Add(ref src, j3), Unsafe.Add(ref srcIm, j3));
        }
        RemainingStages(ref r, ref m);
    }

    /// <summary>DFT of (x0, x1, x2, x3) given in bit-reversed order (x0, x2, x1, x3 of the block) written at s .. s + 3.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FourPoint(ref double r, ref double m, int s,
        double x0r, double x0i, double x1r, double x1i, double x2r, double x2i, double x3r, double x3i)
    {
        double a0r = x0r + x1r, a0i = x0i + x1i, a1r = x0r - x1r, a1i = x0i - x1i;
        double a2r = x2r + x3r, a2i = x2i + x3i, a3r = x2r - x3r, a3i = x2i - x3i;
        Unsafe.Add(ref r, s) = a0r + a2r; Unsafe.Add(ref m, s) = a0i + a2i;
        Unsafe.Add(ref r, s + 2) = a0r - a2r; Unsafe.Add(ref m, s + 2) = a0i - a2i;
        Unsafe.Add(ref r, s + 1) = a1r + a3i; Unsafe.Add(ref m, s + 1) = a1i - a3r;
        Unsafe.Add(ref r, s + 3) = a1r - a3i; Unsafe.Add(ref m, s + 3) = a1i + a3r;
    }

    /// <summary>The radix-2 stages from half-length 4 on, two per pass over memory where possible.</summary>
    private void RemainingStages(ref double r, ref double m)
    {
        int n = Length, h;
        ref double wr = ref MemoryMarshal.GetArrayDataReference(_twiddleRe);
        ref double wi = ref MemoryMarshal.GetArrayDataReference(_twiddleIm);
        int v = Vector<double>.Count;
        for (h = 4; h < n;)
        {
            if (h < v)
            {
                for (int s = 0; s < n; s += 2 * h)
                    for (int j = 0; j < h; j++)
                        Butterfly(ref r, ref m, s + j, s + j + h, Unsafe.Add(ref wr, h + j), Unsafe.Add(ref wi, h + j));
                h *= 2;
            }
            else if (4 * h <= n)
            {
                // Two radix-2 stages (h and 2h) in one pass over memory.
                for (int s = 0; s < n; s += 4 * h)
                    for (int j = 0; j < h; j += v)
                        FusedButterfly(ref r, ref m, ref wr, ref wi, s + j, h, j);
                h *= 4;
            }
            else
            {
                for (int s = 0; s < n; s += 2 * h)
                {
                    for (int j = 0; j < h; j += v)
                    {
                        var twr = Vector.LoadUnsafe(ref wr, (nuint)(h + j));
                        var twi = Vector.LoadUnsafe(ref wi, (nuint)(h + j));
                        nuint a = (nuint)(s + j), b = (nuint)(s + j + h);
                        var br = Vector.LoadUnsafe(ref r, b);
                        var bi = Vector.LoadUnsafe(ref m, b);
                        var tr = br * twr - bi * twi;
                        var ti = br * twi + bi * twr;
                        var ar = Vector.LoadUnsafe(ref r, a);
                        var ai = Vector.LoadUnsafe(ref m, a);
                        (ar + tr).StoreUnsafe(ref r, a);
                        (ai + ti).StoreUnsafe(ref m, a);
                        (ar - tr).StoreUnsafe(ref r, b);
                        (ai - ti).StoreUnsafe(ref m, b);
                    }
                }
                h *= 2;
            }
        }
    }

    /// <summary>
    /// Stages h and 2h on the vectors at a, a + h, a + 2h, a + 3h: stage h pairs (0, 1) and (2, 3) with
    /// twiddle W_2h^j; stage 2h pairs (0, 2) with W_4h^j and (1, 3) with W_4h^(j+h) = -i W_4h^j.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void FusedButterfly(ref double r, ref double m, ref double wr, ref double wi, int a, int h, int j)
    {
        nuint i0 = (nuint)a, i1 = (nuint)(a + h), i2 = (nuint)(a + 2 * h), i3 = (nuint)(a + 3 * h);
        var w1r = Vector.LoadUnsafe(ref wr, (nuint)(h + j));
        var w1i = Vector.LoadUnsafe(ref wi, (nuint)(h + j));
        var w2r = Vector.LoadUnsafe(ref wr, (nuint)(2 * h + j));
        var w2i = Vector.LoadUnsafe(ref wi, (nuint)(2 * h + j));
        var x1r = Vector.LoadUnsafe(ref r, i1);
        var x1i = Vector.LoadUnsafe(ref m, i1);
        var x3r = Vector.LoadUnsafe(ref r, i3);
        var x3i = Vector.LoadUnsafe(ref m, i3);
        var t1r = x1r * w1r - x1i * w1i;
        var t1i = x1r * w1i + x1i * w1r;
        var t3r = x3r * w1r - x3i * w1i;
        var t3i = x3r * w1i + x3i * w1r;
        var x0r = Vector.LoadUnsafe(ref r, i0);
        var x0i = Vector.LoadUnsafe(ref m, i0);
        var x2r = Vector.LoadUnsafe(ref r, i2);
        var x2i = Vector.LoadUnsafe(ref m, i2);
        var b0r = x0r + t1r; var b0i = x0i + t1i;
        var b1r = x0r - t1r; var b1i = x0i - t1i;
        var b2r = x2r + t3r; var b2i = x2i + t3i;
        var b3r = x2r - t3r; var b3i = x2i - t3i;
        var u2r = b2r * w2r - b2i * w2i;
        var u2i = b2r * w2i + b2i * w2r;
        // -i W b3 = (Im(W b3), -Re(W b3))
        var u3r = b3r * w2i + b3i * w2r;
        var u3i = -(b3r * w2r - b3i * w2i);
        (b0r + u2r).StoreUnsafe(ref r, i0);
        (b0i + u2i).StoreUnsafe(ref m, i0);
        (b0r - u2r).StoreUnsafe(ref r, i2);
        (b0i - u2i).StoreUnsafe(ref m, i2);
        (b1r + u3r).StoreUnsafe(ref r, i1);
        (b1i + u3i).StoreUnsafe(ref m, i1);
        (b1r - u3r).StoreUnsafe(ref r, i3);
        (b1i - u3i).StoreUnsafe(ref m, i3);
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static void Butterfly(ref double r, ref double m, int a, int b, double wr, double wi)
    {
        double br = Unsafe.Add(ref r, b), bi = Unsafe.Add(ref m, b);
        double tr = br * wr - bi * wi, ti = br * wi + bi * wr;
        double ar = Unsafe.Add(ref r, a), ai = Unsafe.Add(ref m, a);
        Unsafe.Add(ref r, a) = ar + tr; Unsafe.Add(ref m, a) = ai + ti;
        Unsafe.Add(ref r, b) = ar - tr; Unsafe.Add(ref m, b) = ai - ti;
    }

    /// <summary>
    /// Unscaled forward transform of every column of a row-major [n, width] array. For powers of two the
    /// butterflies combine whole rows, so the inner loop runs contiguously (and vectorised) along a row.
    /// </summary>
    internal void TransformColumns(Span<double> re, Span<double> im, int width)
    {
        if (width == 1) { Transform(re, im); return; }
        int n = Length;
        if (_bluestein is not null)
        {
            Span<double> column = Workspace.Get(ref _columnScratch, 2 * n);
            Span<double> cr = column[..n], ci = column[n..];
            for (int c = 0; c < width; c++)
            {
                for (int i = 0; i < n; i++) { cr[i] = re[i * width + c]; ci[i] = im[i * width + c]; }
                Transform(cr, ci);
                for (int i = 0; i < n; i++) { re[i * width + c] = cr[i]; im[i * width + c] = ci[i]; }
            }
            return;
        }
        int[] pairs = _swapPairs;
        for (int p = 0; p < pairs.Length; p += 2)
        {
            SwapRows(re.Slice(pairs[p] * width, width), re.Slice(pairs[p + 1] * width, width));
            SwapRows(im.Slice(pairs[p] * width, width), im.Slice(pairs[p + 1] * width, width));
        }
        for (int h = 1; h < n; h *= 2)
            for (int s = 0; s < n; s += 2 * h)
                for (int j = 0; j < h; j++)
                    RowButterfly(re, im, (s + j) * width, (s + j + h) * width, width, _twiddleRe[h + j], _twiddleIm[h + j]);
    }

    private static void SwapRows(Span<double> a, Span<double> b)
    {
        for (int c = 0; c < a.Length; c++) (a[c], b[c]) = (b[c], a[c]);
    }

    private static void RowButterfly(Span<double> re, Span<double> im, int a, int b, int width, double wr, double wi)
    {
        ref double r = ref MemoryMarshal.GetReference(re);
        ref double m = ref MemoryMarshal.GetReference(im);
        int v = Vector<double>.Count, c = 0;
        var twr = new Vector<double>(wr);
        var twi = new Vector<double>(wi);
        for (; c <= width - v; c += v)
        {
            nuint ia = (nuint)(a + c), ib = (nuint)(b + c);
            var br = Vector.LoadUnsafe(ref r, ib);
            var bi = Vector.LoadUnsafe(ref m, ib);
            var tr = br * twr - bi * twi;
            var ti = br * twi + bi * twr;
            var ar = Vector.LoadUnsafe(ref r, ia);
            var ai = Vector.LoadUnsafe(ref m, ia);
            (ar + tr).StoreUnsafe(ref r, ia);
            (ai + ti).StoreUnsafe(ref m, ia);
            (ar - tr).StoreUnsafe(ref r, ib);
            (ai - ti).StoreUnsafe(ref m, ib);
        }
        for (; c < width; c++) Butterfly(ref r, ref m, a + c, b + c, wr, wi);
    }

    private static uint ReverseBits(uint x)
    {
        x = ((x >> 1) & 0x55555555u) | ((x & 0x55555555u) << 1);
        x = ((x >> 2) & 0x33333333u) | ((x & 0x33333333u) << 2);
        x = ((x >> 4) & 0x0F0F0F0Fu) | ((x & 0x0F0F0F0Fu) << 4);
        x = ((x >> 8) & 0x00FF00FFu) | ((x & 0x00FF00FFu) << 8);
        return (x >> 16) | (x << 16);
    }

    /// <summary>
    /// Bluestein's algorithm: with jk = (j^2 + k^2 - (k - j)^2)/2 the DFT becomes a convolution with the
    /// chirp exp(i pi m^2 / n), evaluated by power-of-two FFTs of length at least 2n - 1.
    /// </summary>
    private sealed class Bluestein
    {
        private readonly int _n;
        private readonly ComplexFft _inner;
        private readonly double[] _chirpRe, _chirpIm;        // exp(-i pi j^2 / n)
        private readonly double[] _kernelRe, _kernelIm;      // FFT of the conjugate chirp, wrapped

        public Bluestein(int n)
        {
            _n = n;
            int m = (int)BitOperations.RoundUpToPowerOf2((uint)(2 * n - 1));
            _inner = Get(m);
            _chirpRe = new double[n];
            _chirpIm = new double[n];
            for (int j = 0; j < n; j++)
            {
                // j^2 mod 2n keeps the angle small, so it stays accurate for large j.
                long q = (long)j * j % (2L * n);
                double angle = -Math.PI * q / n;
                _chirpRe[j] = Math.Cos(angle);
                _chirpIm[j] = Math.Sin(angle);
            }
            _kernelRe = new double[m];
            _kernelIm = new double[m];
            for (int j = 0; j < n; j++)
            {
                _kernelRe[j] = _chirpRe[j];
                _kernelIm[j] = -_chirpIm[j];
                if (j > 0)
                {
                    _kernelRe[m - j] = _chirpRe[j];
                    _kernelIm[m - j] = -_chirpIm[j];
                }
            }
            _inner.Transform(_kernelRe, _kernelIm);
        }

        public void Transform(Span<double> re, Span<double> im)
        {
            int m = _inner.Length;
            Span<double> work = Workspace.Get(ref _bluesteinScratch, 2 * m);
            Span<double> ar = work[..m], ai = work[m..];
            for (int j = 0; j < _n; j++)
            {
                ar[j] = re[j] * _chirpRe[j] - im[j] * _chirpIm[j];
                ai[j] = re[j] * _chirpIm[j] + im[j] * _chirpRe[j];
            }
            ar[_n..].Clear();
            ai[_n..].Clear();
            _inner.Transform(ar, ai);
            for (int j = 0; j < m; j++)
            {
                double xr = ar[j], xi = ai[j];
                ar[j] = xr * _kernelRe[j] - xi * _kernelIm[j];
                ai[j] = xr * _kernelIm[j] + xi * _kernelRe[j];
            }
            _inner.Transform(ai, ar);
            double scale = 1.0 / m;
            for (int k = 0; k < _n; k++)
            {
                double xr = ar[k] * scale, xi = ai[k] * scale;
                re[k] = xr * _chirpRe[k] - xi * _chirpIm[k];
                im[k] = xr * _chirpIm[k] + xi * _chirpRe[k];
            }
        }
    }
}

/// <summary>Per-thread scratch arrays for the transforms, grown on demand and then reused.</summary>
internal static class Workspace
{
    public static Span<double> Get(ref double[]? buffer, int length)
    {
        if (buffer is null || buffer.Length < length) buffer = new double[length];
        return buffer.AsSpan(0, length);
    }
}
