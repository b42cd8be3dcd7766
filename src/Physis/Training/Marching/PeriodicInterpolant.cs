using TorchSharp;
using static TorchSharp.torch;

namespace Physis.Training.Marching;

/// <summary>
/// The trigonometric interpolant of samples on a uniform grid of an odd number M = 2K + 1 of points over one period
/// [start, start + period): f(x) = a_0 + sum_{k=1..K} a_k cos(k w (x - start)) + b_k sin(k w (x - start)), w = 2 pi / period.
/// It equals the samples at the grid points and is a smooth tensor function of x in between, so autograd gives its
/// derivatives of every order. An odd M leaves out the Nyquist cosine, whose derivative the samples do not determine.
/// Modes above the last one whose amplitude exceeds 1e-14 of the largest are dropped (a value changes by less than that
/// relative amount, a derivative of order p by that times (k w)^p): a smooth state needs far fewer than K, and each
/// mode costs a column in every evaluation.
/// </summary>
public sealed class PeriodicInterpolant : IDisposable
{
    private readonly double start, period;
    private readonly double[] mean;
    private readonly double[,] cosine, sine; // [K, fields]
    private readonly Dictionary<(ScalarType, DeviceType), (Tensor Waves, Tensor Cosine, Tensor Sine, Tensor Mean)> tensors = new();

    /// <param name="samples">f at x_j = start + j period / M, j = 0..M-1, one column per field: [M, fields], M odd and at least 3</param>
    public PeriodicInterpolant(double[,] samples, double start, double period)
    {
        int m = samples.GetLength(0), fields = samples.GetLength(1);
        if (m < 3 || m % 2 == 0) throw new ArgumentException($"A periodic interpolant needs an odd number of grid points, at least 3, got {m}.");
        if (fields < 1) throw new ArgumentException("A periodic interpolant needs at least one field.");
        if (!(period > 0) || !double.IsFinite(period) || !double.IsFinite(start))
            throw new ArgumentException($"A periodic interpolant needs a finite start and a positive period, got start {start}, period {period}.");
        (this.start, this.period) = (start, period);
        int k = (m - 1) / 2;
        mean = new double[fields];
        (cosine, sine) = (new double[k, fields], new double[k, fields]);
        for (int j = 0; j < m; j++)
            for (int f = 0; f < fields; f++)
            {
                double value = samples[j, f];
                if (!double.IsFinite(value)) throw new ArgumentException($"Sample {j} of field {f} is not finite ({value}).");
                mean[f] += value / m;
                for (int n = 1; n <= k; n++)
                {
                    // Angle reduced modulo 2 pi in integers, so large n j stay exact.
                    double angle = 2 * Math.PI * ((long)n * j % m) / m;
                    cosine[n - 1, f] += 2 * value * Math.Cos(angle) / m;
                    sine[n - 1, f] += 2 * value * Math.Sin(angle) / m;
                }
            }
        Modes = KeptModes();
    }

    private PeriodicInterpolant(double start, double period, double[] mean, double[,] cosine, double[,] sine)
    {
        (this.start, this.period, this.mean, this.cosine, this.sine) = (start, period, mean, cosine, sine);
        Modes = KeptModes();
    }

    private int KeptModes()
    {
        int k = cosine.GetLength(0), fields = mean.Length;
        double largest = 0;
        for (int f = 0; f < fields; f++) largest = Math.Max(largest, Math.Abs(mean[f]));
        for (int n = 0; n < k; n++)
            for (int f = 0; f < fields; f++) largest = Math.Max(largest, Math.Abs(cosine[n, f]) + Math.Abs(sine[n, f]));
        int modes = k;
        while (modes > 0 && Enumerable.Range(0, fields).All(f => Math.Abs(cosine[modes - 1, f]) + Math.Abs(sine[modes - 1, f]) <= 1e-14 * largest))
            modes--;
        return modes;
    }

    /// <summary>
    /// The series with mode n scaled by the exponential filter exp(-36 (n / K)^order) (36: the last mode falls to
    /// round-off in double precision). A kink or jump in the samples makes the unfiltered interpolant ripple between the
    /// grid points all over the period (for |x| on 257 points, with a curvature of 3 to 5 everywhere); the filter
    /// smooths the kink over about ten grid spacings and leaves the low modes, which carry the smooth part, unchanged
    /// (n = K / 4 is scaled by 1 - 5e-4 at order 8).
    /// </summary>
    public PeriodicInterpolant Filtered(int order)
    {
        if (order < 2 || order % 2 != 0) throw new ArgumentException($"An exponential filter needs an even order of at least 2, got {order}.");
        int k = cosine.GetLength(0), fields = mean.Length;
        var (c, s) = (new double[k, fields], new double[k, fields]);
        for (int n = 1; n <= k; n++)
        {
            double sigma = Math.Exp(-36 * Math.Pow((double)n / k, order));
            for (int f = 0; f < fields; f++) (c[n - 1, f], s[n - 1, f]) = (sigma * cosine[n - 1, f], sigma * sine[n - 1, f]);
        }
        return new PeriodicInterpolant(start, period, (double[])mean.Clone(), c, s);
    }

    /// <summary>Modes kept (at most K = (M - 1) / 2).</summary>
    public int Modes { get; }

    /// <summary>Grid points x_j = start + j period / M of an M-point interpolant.</summary>
    public static double[] Grid(int m, double start, double period) => [.. Enumerable.Range(0, m).Select(j => start + period * j / m)];

    /// <summary>f at points x [n, 1] (the periodic coordinate), as [n, fields] in x's type and device.</summary>
    public Tensor Evaluate(Tensor x)
    {
        if (x.dim() != 2 || x.shape[1] != 1)
            throw new ArgumentException($"A periodic interpolant evaluates a column [n, 1] of coordinates, got [{string.Join(", ", x.shape)}].");
        var (waves, cos, sin, average) = TensorsFor(x);
        var phase = (x - start).matmul(waves);
        return average + phase.cos().matmul(cos) + phase.sin().matmul(sin);
    }

    private (Tensor, Tensor, Tensor, Tensor) TensorsFor(Tensor x)
    {
        var key = (x.dtype, x.device_type);
        if (!tensors.TryGetValue(key, out var t))
        {
            int k = Modes, fields = mean.Length;
            var waves = Enumerable.Range(1, k).Select(n => 2 * Math.PI * n / period).ToArray();
            t = (tensor(waves, [1, k], x.dtype, x.device).DetachFromDisposeScope(),
                tensor(Flatten(cosine, k), [k, fields], x.dtype, x.device).DetachFromDisposeScope(),
                tensor(Flatten(sine, k), [k, fields], x.dtype, x.device).DetachFromDisposeScope(),
                tensor(mean, [1, fields], x.dtype, x.device).DetachFromDisposeScope());
            tensors[key] = t;
        }
        return t;
    }

    /// <summary>The first <paramref name="rows"/> rows, row by row.</summary>
    private static double[] Flatten(double[,] values, int rows) => [.. values.Cast<double>().Take(rows * values.GetLength(1))];

    public void Dispose()
    {
        foreach (var (waves, cos, sin, average) in tensors.Values)
        {
            waves.Dispose();
            cos.Dispose();
            sin.Dispose();
            average.Dispose();
        }
        tensors.Clear();
    }
}
