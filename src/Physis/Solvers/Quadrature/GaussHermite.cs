using System.Collections.Concurrent;

namespace Physis.Solvers.Quadrature;

/// <summary>
/// Gauss-Hermite quadrature: ∫ f(z) exp(-z²) dz ≈ Σ w_i f(z_i), exact for polynomials of degree below 2n.
/// Nodes come from the Golub-Welsch eigenvalue problem of the Jacobi matrix, polished by Newton steps on the
/// orthonormal three-term recurrence. Weights are also kept as logarithms because for large n the outer
/// weights fall below the smallest double (about exp(-z²) with z up to sqrt(2n)).
/// </summary>
public sealed class GaussHermite
{
    private static readonly ConcurrentDictionary<int, GaussHermite> Cache = new();
    private static readonly double LogPiQuarter = 0.25 * Math.Log(Math.PI);

    private readonly double[] _nodes;
    private readonly double[] _weights;
    private readonly double[] _logWeights;

    private GaussHermite(double[] nodes, double[] logWeights)
    {
        _nodes = nodes;
        _logWeights = logWeights;
        _weights = Array.ConvertAll(logWeights, Math.Exp);
    }

    /// <summary>Number of nodes n.</summary>
    public int Order => _nodes.Length;

    /// <summary>Nodes z_i, ascending and symmetric about 0.</summary>
    public ReadOnlySpan<double> Nodes => _nodes;

    /// <summary>Weights w_i; they sum to sqrt(pi). Outer weights of very large rules underflow to 0 here: use <see cref="LogWeights"/>.</summary>
    public ReadOnlySpan<double> Weights => _weights;

    /// <summary>ln w_i, finite for every node.</summary>
    public ReadOnlySpan<double> LogWeights => _logWeights;

    /// <summary>The n-point rule (computed once per order, then shared; it is immutable).</summary>
    public static GaussHermite Create(int order)
    {
        if (order < 1 || order > 20_000)
            throw new ArgumentOutOfRangeException(nameof(order), order, "The Gauss-Hermite order must be between 1 and 20000.");
        return Cache.GetOrAdd(order, Compute);
    }

    /// <summary>Σ w_i f(z_i), an approximation of ∫ f(z) exp(-z²) dz.</summary>
    public double Integrate(Func<double, double> f)
    {
        double sum = 0;
        for (int i = 0; i < _nodes.Length; i++)
            // Underflowed weights contribute nothing; skipping them also avoids 0 * infinity at far nodes.
            if (_weights[i] != 0) sum += _weights[i] * f(_nodes[i]);
        return sum;
    }

    private static GaussHermite Compute(int n)
    {
        // Jacobi matrix of the Hermite weight exp(-z²): zero diagonal, off-diagonal sqrt(k/2).
        var offDiagonal = new double[n - 1];
        for (int k = 1; k < n; k++) offDiagonal[k - 1] = Math.Sqrt(0.5 * k);
        var nodes = SymmetricTridiagonal.Eigenvalues(new double[n], offDiagonal);

        var logWeights = new double[n];
        for (int i = 0; i < n; i++)
        {
            double z = nodes[i];
            var (pn, pn1, logScale) = Orthonormal(n, z);
            for (int step = 0; step < 8; step++)
            {
                // Newton on p_n, with p_n' = sqrt(2n) p_{n-1} at the current point.
                double delta = pn / (Math.Sqrt(2.0 * n) * pn1);
                z -= delta;
                (pn, pn1, logScale) = Orthonormal(n, z);
                if (Math.Abs(delta) <= 4e-16 * Math.Max(1, Math.Abs(z))) break;
            }
            nodes[i] = z;
            // Christoffel-Darboux at a root of p_n: 1 / Σ_{k<n} p_k(z)² = 1 / (n p_{n-1}(z)²).
            logWeights[i] = -Math.Log(n) - 2 * (Math.Log(Math.Abs(pn1)) + logScale);
        }

        // The rule is symmetric: make the rounding symmetric too, so odd moments vanish exactly.
        for (int i = 0; i < n / 2; i++)
        {
            int j = n - 1 - i;
            double z = 0.5 * (nodes[j] - nodes[i]);
            double logWeight = 0.5 * (logWeights[i] + logWeights[j]);
            (nodes[i], nodes[j]) = (-z, z);
            (logWeights[i], logWeights[j]) = (logWeight, logWeight);
        }
        if (n % 2 == 1) nodes[n / 2] = 0;
        return new GaussHermite(nodes, logWeights);
    }

    /// <summary>
    /// Orthonormal Hermite polynomials p_n(z), p_{n-1}(z) as value × exp(logScale):
    /// p_0 = pi^(-1/4), p_{k+1} = sqrt(2/(k+1)) z p_k - sqrt(k/(k+1)) p_{k-1}. Rescaled on the way because
    /// p_n grows like exp(z²/2) and overflows for the outer nodes of large rules.
    /// </summary>
    private static (double Pn, double PnMinus1, double LogScale) Orthonormal(int n, double z)
    {
        double previous = 0, current = 1, logScale = -LogPiQuarter;
        for (int k = 0; k < n; k++)
        {
            double next = Math.Sqrt(2.0 / (k + 1)) * z * current - Math.Sqrt((double)k / (k + 1)) * previous;
            previous = current;
            current = next;
            if (Math.Abs(current) > 1e150 || Math.Abs(previous) > 1e150)
            {
                previous *= 1e-150;
                current *= 1e-150;
                logScale += 150 * Math.Log(10);
            }
        }
        return (current, previous, logScale);
    }
}
