using System.Collections.Concurrent;

namespace Physis.Solvers.Spectral;

/// <summary>
/// Cosine series synthesis on the n nodes x_i = i/(n-1) of [0, 1] (the type-I discrete cosine transform):
/// u_i = sum_{k=0}^{n-1} a_k cos(pi k i / (n - 1)). Evaluated through the real FFT of the even extension
/// [a_0 .. a_{n-1}, a_{n-2} .. a_1] of length 2(n - 1). Cached, thread-safe, allocation-free after warm-up.
/// </summary>
public sealed class CosineTransform
{
    private static readonly ConcurrentDictionary<int, CosineTransform> Plans = new();

    [ThreadStatic] private static double[]? _scratch;

    private readonly RealFft _fft;

    /// <summary>Number of nodes (and of coefficients).</summary>
    public int Length { get; }

    private CosineTransform(int length)
    {
        Length = length;
        _fft = RealFft.Get(2 * (length - 1));
    }

    /// <summary>The cached plan for <paramref name="length"/> nodes (at least 2).</summary>
    public static CosineTransform Get(int length)
    {
        if (length < 2)
            throw new ArgumentOutOfRangeException(nameof(length), length, "A cosine transform needs at least 2 nodes.");
        return Plans.GetOrAdd(length, static n => new CosineTransform(n));
    }

    /// <summary>Node values of the cosine series with coefficients <paramref name="a"/>.</summary>
    public void Synthesize(ReadOnlySpan<double> a, Span<double> u)
    {
        int n = Length, m = 2 * (n - 1);
        if (a.Length != n || u.Length != n)
            throw new ArgumentException($"Cosine transform of length {n} got {a.Length} coefficients and {u.Length} outputs.");
        Span<double> work = Workspace.Get(ref _scratch, m + 2 * n);
        Span<double> extension = work[..m], re = work.Slice(m, n), im = work.Slice(m + n, n);
        a.CopyTo(extension);
        for (int k = 1; k < n - 1; k++) extension[m - k] = a[k];
        _fft.Forward(extension, re, im);
        // The FFT counts the interior terms twice and the two end terms once.
        for (int i = 0; i < n; i++)
            u[i] = 0.5 * (re[i] + a[0] + (i % 2 == 0 ? a[n - 1] : -a[n - 1]));
    }
}
