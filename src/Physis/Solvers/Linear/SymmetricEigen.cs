namespace Physis.Solvers.Linear;

/// <summary>
/// Eigen-decomposition of a small dense symmetric matrix by the cyclic Jacobi rotation method:
/// slow for large matrices but accurate and simple, which is what the few-dozen-column
/// Rayleigh–Ritz problems of Krylov recycling need.
/// </summary>
public static class SymmetricEigen
{
    /// <summary>Eigenvalues in ascending order and the matching orthonormal eigenvectors as columns (row-major n x n).</summary>
    public static (double[] Values, double[] Vectors) Decompose(ReadOnlySpan<double> matrix, int n)
    {
        if (matrix.Length != n * n) throw new ArgumentException($"A {n} x {n} matrix needs {n * n} entries; got {matrix.Length}.", nameof(matrix));
        if (!Vectors.AllFinite(matrix)) throw new ArgumentException("Matrix contains NaN or infinity.", nameof(matrix));
        var a = matrix.ToArray();
        var v = new double[n * n];
        for (int i = 0; i < n; i++) v[i * n + i] = 1;
        for (int sweep = 0; sweep < 100; sweep++)
        {
            double offDiagonal = 0, scale = 0;
            for (int i = 0; i < n; i++)
            {
                scale += a[i * n + i] * a[i * n + i];
                for (int j = i + 1; j < n; j++) offDiagonal += a[i * n + j] * a[i * n + j];
            }
            if (offDiagonal <= 1e-30 * scale || offDiagonal == 0) break;
            for (int p = 0; p < n; p++)
                for (int q = p + 1; q < n; q++)
                {
                    double apq = a[p * n + q];
                    if (apq == 0) continue;
                    // Rotation angle that zeroes a[p, q] (Golub & Van Loan, symmetric Schur decomposition).
                    double theta = (a[q * n + q] - a[p * n + p]) / (2 * apq);
                    double t = Math.Sign(theta) / (Math.Abs(theta) + Math.Sqrt(theta * theta + 1));
                    if (theta == 0) t = 1;
                    double c = 1 / Math.Sqrt(t * t + 1), s = t * c;
                    for (int k = 0; k < n; k++)
                    {
                        double akp = a[k * n + p], akq = a[k * n + q];
                        a[k * n + p] = c * akp - s * akq;
                        a[k * n + q] = s * akp + c * akq;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double apk = a[p * n + k], aqk = a[q * n + k];
                        a[p * n + k] = c * apk - s * aqk;
                        a[q * n + k] = s * apk + c * aqk;
                    }
                    for (int k = 0; k < n; k++)
                    {
                        double vkp = v[k * n + p], vkq = v[k * n + q];
                        v[k * n + p] = c * vkp - s * vkq;
                        v[k * n + q] = s * vkp + c * vkq;
                    }
                }
        }
        var order = Enumerable.Range(0, n).OrderBy(i => a[i * n + i]).ToArray();
        var values = new double[n];
        var vectors = new double[n * n];
        for (int j = 0; j < n; j++)
        {
            values[j] = a[order[j] * n + order[j]];
            for (int k = 0; k < n; k++) vectors[k * n + j] = v[k * n + order[j]];
        }
        return (values, vectors);
    }
}
