namespace Physis.Solvers.Quadrature;

/// <summary>Eigenvalues of real symmetric tridiagonal matrices (Jacobi matrices of orthogonal polynomials).</summary>
public static class SymmetricTridiagonal
{
    /// <summary>
    /// All eigenvalues, ascending, by the implicit QL algorithm with Wilkinson shifts.
    /// Absolute accuracy is about machine epsilon times the matrix norm.
    /// </summary>
    /// <param name="diagonal">The n diagonal entries.</param>
    /// <param name="offDiagonal">The n - 1 entries beside the diagonal.</param>
    public static double[] Eigenvalues(ReadOnlySpan<double> diagonal, ReadOnlySpan<double> offDiagonal)
    {
        int n = diagonal.Length;
        if (offDiagonal.Length != Math.Max(n - 1, 0))
            throw new ArgumentException(
                $"A tridiagonal matrix with {n} diagonal entries has {Math.Max(n - 1, 0)} off-diagonal entries, not {offDiagonal.Length}.",
                nameof(offDiagonal));

        var d = diagonal.ToArray();
        var e = new double[n];
        offDiagonal.CopyTo(e);
        double norm = 0;
        for (int i = 0; i < n; i++)
        {
            if (!double.IsFinite(d[i]) || !double.IsFinite(e[i]))
                throw new ArgumentException("The matrix entries must be finite numbers.");
            norm = Math.Max(norm, Math.Abs(d[i]) + Math.Abs(e[i]) + (i > 0 ? Math.Abs(e[i - 1]) : 0));
        }
        double negligible = double.Epsilon + 0.5 * Math.ScaleB(1.0, -52) * norm;

        for (int l = 0; l < n; l++)
        {
            for (int iteration = 0; ; iteration++)
            {
                // Find the first negligible off-diagonal entry at or after l: the block l..m is unreduced.
                int m = l;
                while (m < n - 1 && Math.Abs(e[m]) > negligible) m++;
                if (m == l) break;
                if (iteration == 60)
                    throw new InvalidOperationException("The QL iteration did not converge in 60 sweeps; the matrix is likely not well scaled.");

                // Wilkinson shift from the leading 2 x 2 block, then chase the bulge from the bottom up.
                double g = (d[l + 1] - d[l]) / (2 * e[l]);
                double r = Hypot(g, 1);
                g = d[m] - d[l] + e[l] / (g + Math.CopySign(r, g));
                double s = 1, c = 1, p = 0;
                int i = m - 1;
                for (; i >= l; i--)
                {
                    double f = s * e[i], b = c * e[i];
                    r = Hypot(f, g);
                    e[i + 1] = r;
                    if (r == 0)
                    {
                        // Rotation underflowed: the matrix splits here; restart on the smaller block.
                        d[i + 1] -= p;
                        e[m] = 0;
                        break;
                    }
                    s = f / r;
                    c = g / r;
                    g = d[i + 1] - p;
                    r = (d[i] - g) * s + 2 * c * b;
                    p = s * r;
                    d[i + 1] = g + p;
                    g = c * r - b;
                }
                if (r == 0 && i >= l) continue;
                d[l] -= p;
                e[l] = g;
                e[m] = 0;
            }
        }
        Array.Sort(d);
        return d;
    }

    private static double Hypot(double a, double b)
    {
        double x = Math.Abs(a), y = Math.Abs(b);
        if (x < y) (x, y) = (y, x);
        if (x == 0) return 0;
        double ratio = y / x;
        return x * Math.Sqrt(1 + ratio * ratio);
    }
}
