using System.Runtime.InteropServices;
using Physis.Solvers.Spectral;

namespace Physis.Solvers.RandomFields;

/// <summary>Boundary behaviour of a random field's eigenfunctions.</summary>
public enum BoundaryKind
{
    /// <summary>Fourier modes exp(2 pi i k . x) on the unit torus; samples on x_i = i/n.</summary>
    Periodic,

    /// <summary>Cosine modes cos(pi k . x) (zero normal derivative); samples on the nodes x_i = i/(n-1), ends included.</summary>
    Neumann,
}

/// <summary>
/// Gaussian random field N(0, sigma^2 (-Lap + tau^2 I)^(-alpha)) on [0, 1]^d (d = 1, 2), sampled by its
/// Karhunen-Loeve expansion u = sum_k sqrt(lambda_k) xi_k phi_k over the Laplacian eigenfunctions phi_k
/// (orthonormal in L2) that the grid resolves, with independent standard normal xi_k and
/// lambda_k = sigma^2 (mu_k + tau^2)^(-alpha), mu_k the Laplacian eigenvalue (4 pi^2 |k|^2 periodic,
/// pi^2 |k|^2 Neumann). The constant mode is left out, as in the FNO data generators, so periodic samples
/// have zero mean. Periodic modes keep 2|k_i| below n (no Nyquist mode); Neumann modes run to n - 1.
/// The pointwise variance is therefore sum_k lambda_k phi_k(x)^2 over those modes.
/// Conventions of the FNO benchmarks: Burgers initial data is periodic with alpha = 2, tau = 5, sigma = 25;
/// the Darcy coefficient is a Neumann field with alpha = 2, tau = 3 passed through <see cref="ThresholdedField"/>.
/// </summary>
public sealed class GaussianRandomField
{
    // Standard deviation of each real coefficient, laid out as the transform input of one sample.
    private readonly double[] _scale;

    public int Dimension { get; }
    public int Points { get; }
    public double Alpha { get; }
    public double Tau { get; }
    public double Sigma { get; }
    public BoundaryKind Kind { get; }

    public GaussianRandomField(int dimension, int n, double alpha, double tau, double sigma, BoundaryKind kind)
    {
        if (dimension is not (1 or 2))
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "Random fields are available in 1 or 2 dimensions.");
        if (n < 3)
            throw new ArgumentOutOfRangeException(nameof(n), n, "The grid needs at least 3 points per direction.");
        if (!(alpha > 0) || !double.IsFinite(alpha))
            throw new ArgumentOutOfRangeException(nameof(alpha), alpha, "The smoothness exponent alpha must be positive and finite.");
        if (!(tau >= 0) || !double.IsFinite(tau))
            throw new ArgumentOutOfRangeException(nameof(tau), tau, "The inverse length scale tau must be finite and non-negative.");
        if (!(sigma >= 0) || !double.IsFinite(sigma))
            throw new ArgumentOutOfRangeException(nameof(sigma), sigma, "The amplitude sigma must be finite and non-negative.");
        if (!Enum.IsDefined(kind))
            throw new ArgumentOutOfRangeException(nameof(kind), kind, "Unknown boundary kind.");
        Dimension = dimension;
        Points = n;
        Alpha = alpha;
        Tau = tau;
        Sigma = sigma;
        Kind = kind;
        _scale = kind == BoundaryKind.Periodic ? PeriodicScales() : NeumannScales();
    }

    private double Eigenvalue(double laplacianEigenvalue) => Sigma * Sigma * Math.Pow(laplacianEigenvalue + Tau * Tau, -Alpha);

    /// <summary>
    /// Half-spectrum layout of the real FFT (rfft / rfft2). A complex coefficient c_k with c_-k = conj(c_k)
    /// adds sqrt(2 lambda_k)(a cos - b sin) to the field when Re c_k and Im c_k are N(0, lambda_k / 2) each;
    /// the inverse FFT divides by the number of points, so the scales carry that factor back.
    /// </summary>
    private double[] PeriodicScales()
    {
        int n = Points, w = n / 2 + 1;
        double total = Dimension == 1 ? n : (double)n * n;
        bool Resolved(int f) => 2 * Math.Abs(f) < n;
        double Scale(int fx, int fy) => total * Math.Sqrt(Eigenvalue(4 * Math.PI * Math.PI * ((double)fx * fx + (double)fy * fy)) / 2);
        if (Dimension == 1)
        {
            var scale = new double[2 * w];
            for (int k = 1; Resolved(k); k++) scale[k] = scale[w + k] = Scale(k, 0);
            return scale;
        }
        // Entries [0, n w) scale real parts, [n w, 2 n w) imaginary parts; on the column q = 0 only the
        // upper half p < n/2 is drawn and the lower half is its conjugate (see Sample2D).
        var s2 = new double[2 * n * w];
        for (int p = 0; p < n; p++)
        {
            int fp = p <= n / 2 ? p : p - n;
            for (int q = 0; q < w; q++)
            {
                if (!Resolved(fp) || !Resolved(q) || (fp == 0 && q == 0) || (q == 0 && fp < 0)) continue;
                s2[p * w + q] = s2[n * w + p * w + q] = Scale(fp, q);
            }
        }
        return s2;
    }

    /// <summary>Cosine coefficients sqrt(lambda_k) times the normalisation of phi_k (1 for k = 0, sqrt 2 else, per axis).</summary>
    private double[] NeumannScales()
    {
        int n = Points;
        double Norm(int k) => k == 0 ? 1 : Math.Sqrt(2);
        double Scale(int k1, int k2) =>
            Math.Sqrt(Eigenvalue(Math.PI * Math.PI * ((double)k1 * k1 + (double)k2 * k2))) * Norm(k1) * Norm(k2);
        if (Dimension == 1)
        {
            var scale = new double[n];
            for (int k = 1; k < n; k++) scale[k] = Scale(k, 0);
            return scale;
        }
        var s2 = new double[n * n];
        for (int k1 = 0; k1 < n; k1++)
            for (int k2 = 0; k2 < n; k2++)
                if (k1 + k2 > 0) s2[k1 * n + k2] = Scale(k1, k2);
        return s2;
    }

    /// <summary>Grid coordinates along each axis: i/n (periodic) or i/(n - 1) (Neumann).</summary>
    public double[] Coordinates()
    {
        var x = new double[Points];
        double spacing = Kind == BoundaryKind.Periodic ? 1.0 / Points : 1.0 / (Points - 1);
        for (int i = 0; i < Points; i++) x[i] = i * spacing;
        return x;
    }

    /// <summary>One sample of a 1D field; the same generator state gives the same sample.</summary>
    public double[] Sample1D(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (Dimension != 1)
            throw new InvalidOperationException($"This field is {Dimension}D; call Sample2D.");
        var u = new double[Points];
        var coefficients = StandardNormals(rng);
        if (Kind == BoundaryKind.Periodic)
        {
            int w = Points / 2 + 1;
            RealFft.Get(Points).Inverse(coefficients.AsSpan(0, w), coefficients.AsSpan(w, w), u);
        }
        else
        {
            CosineTransform.Get(Points).Synthesize(coefficients, u);
        }
        return u;
    }

    /// <summary>One sample of a 2D field as [x index, y index]; the same generator state gives the same sample.</summary>
    public double[,] Sample2D(Random rng)
    {
        ArgumentNullException.ThrowIfNull(rng);
        if (Dimension != 2)
            throw new InvalidOperationException($"This field is {Dimension}D; call Sample1D.");
        int n = Points;
        var u = new double[n, n];
        Span<double> flat = MemoryMarshal.CreateSpan(ref u[0, 0], n * n);
        var coefficients = StandardNormals(rng);
        if (Kind == BoundaryKind.Periodic)
        {
            int w = n / 2 + 1, size = n * w;
            Span<double> re = coefficients.AsSpan(0, size), im = coefficients.AsSpan(size, size);
            for (int p = 1; 2 * p < n; p++)
            {
                re[(n - p) * w] = re[p * w];
                im[(n - p) * w] = -im[p * w];
            }
            RealFft2D.Get(n, n).Inverse(re, im, flat);
        }
        else
        {
            var dct = CosineTransform.Get(n);
            var rows = new double[n * n];
            for (int k1 = 0; k1 < n; k1++)
                dct.Synthesize(coefficients.AsSpan(k1 * n, n), rows.AsSpan(k1 * n, n));
            var column = new double[n];
            var values = new double[n];
            for (int j = 0; j < n; j++)
            {
                for (int k1 = 0; k1 < n; k1++) column[k1] = rows[k1 * n + j];
                dct.Synthesize(column, values);
                for (int i = 0; i < n; i++) u[i, j] = values[i];
            }
        }
        return u;
    }

    /// <summary>Standard normal draws (both of each Box-Muller pair) times the coefficient scales; zero-scale slots draw nothing.</summary>
    private double[] StandardNormals(Random rng)
    {
        var z = new double[_scale.Length];
        double spare = 0;
        bool haveSpare = false;
        for (int i = 0; i < z.Length; i++)
        {
            if (_scale[i] == 0) continue;
            double normal;
            if (haveSpare)
            {
                normal = spare;
                haveSpare = false;
            }
            else
            {
                (normal, spare) = StandardNormal.Pair(rng);
                haveSpare = true;
            }
            z[i] = _scale[i] * normal;
        }
        return z;
    }

    /// <summary>
    /// Two-valued coefficient from a field: <paramref name="high"/> where the field is at least 0 and
    /// <paramref name="low"/> where it is negative (the FNO Darcy coefficient uses 12 and 3).
    /// </summary>
    public static double[,] ThresholdedField(double[,] field, double high = 12, double low = 3)
    {
        ArgumentNullException.ThrowIfNull(field);
        var a = new double[field.GetLength(0), field.GetLength(1)];
        for (int i = 0; i < a.GetLength(0); i++)
            for (int j = 0; j < a.GetLength(1); j++)
            {
                double value = field[i, j];
                if (double.IsNaN(value))
                    throw new ArgumentException($"The field has NaN at [{i}, {j}].", nameof(field));
                a[i, j] = value >= 0 ? high : low;
            }
        return a;
    }
}
