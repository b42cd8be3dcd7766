using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Physis.Solvers.Linear;

/// <summary>
/// Level-1 BLAS on spans, SIMD-vectorised because the Krylov loops spend much of their time here.
/// Hot kernels (here, in <see cref="SparseMatrix"/> and in the deflation blocks) are marked AggressiveOptimization
/// so they run optimised from the first call instead of in the JIT's unoptimised first tier.
/// </summary>
internal static class Vectors
{
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Dot(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        if (a.Length != b.Length) throw new ArgumentException($"Vector lengths differ: {a.Length} and {b.Length}.");
        int width = Vector<double>.Count, i = 0;
        var sum = Vector<double>.Zero;
        var va = MemoryMarshal.Cast<double, Vector<double>>(a);
        var vb = MemoryMarshal.Cast<double, Vector<double>>(b);
        for (int k = 0; k < va.Length; k++) sum += va[k] * vb[k];
        double result = Vector.Sum(sum);
        for (i = va.Length * width; i < a.Length; i++) result += a[i] * b[i];
        return result;
    }

    public static double Norm(ReadOnlySpan<double> a) => Math.Sqrt(Dot(a, a));

    /// <summary>y += alpha x.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Axpy(double alpha, ReadOnlySpan<double> x, Span<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Vector lengths differ: {x.Length} and {y.Length}.");
        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
        var va = new Vector<double>(alpha);
        for (int k = 0; k < vx.Length; k++) vy[k] += va * vx[k];
        for (int i = vx.Length * Vector<double>.Count; i < x.Length; i++) y[i] += alpha * x[i];
    }

    /// <summary>y = x + beta y (the CG search-direction update).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Xpby(ReadOnlySpan<double> x, double beta, Span<double> y)
    {
        if (x.Length != y.Length) throw new ArgumentException($"Vector lengths differ: {x.Length} and {y.Length}.");
        var vx = MemoryMarshal.Cast<double, Vector<double>>(x);
        var vy = MemoryMarshal.Cast<double, Vector<double>>(y);
        var vb = new Vector<double>(beta);
        for (int k = 0; k < vx.Length; k++) vy[k] = vx[k] + vb * vy[k];
        for (int i = vx.Length * Vector<double>.Count; i < x.Length; i++) y[i] = x[i] + beta * y[i];
    }

    public static bool AllFinite(ReadOnlySpan<double> x)
    {
        foreach (double v in x) if (!double.IsFinite(v)) return false;
        return true;
    }
}
