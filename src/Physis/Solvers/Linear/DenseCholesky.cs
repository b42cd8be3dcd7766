using System.Runtime.CompilerServices;
namespace Physis.Solvers.Linear;

/// <summary>Cholesky factorisation A = L Lᵀ of a small dense symmetric positive definite matrix.</summary>
public sealed class DenseCholesky
{
    private readonly double[] lower; // row-major n x n, lower triangle used

    /// <param name="matrix">Row-major n x n symmetric matrix; only its lower triangle is read.</param>
    public DenseCholesky(ReadOnlySpan<double> matrix, int n)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        if (matrix.Length != n * n) throw new ArgumentException($"A {n} x {n} matrix needs {n * n} entries; got {matrix.Length}.", nameof(matrix));
        Size = n;
        lower = matrix.ToArray();
        for (int j = 0; j < n; j++)
        {
            double pivot = lower[j * n + j];
            for (int k = 0; k < j; k++) pivot -= lower[j * n + k] * lower[j * n + k];
            if (!(pivot > 0))
                throw new ArgumentException($"Matrix is not symmetric positive definite (Cholesky pivot {pivot:G3} at row {j}); "
                    + "check that the operator is SPD and free of NaN.", nameof(matrix));
            double diagonal = Math.Sqrt(pivot);
            lower[j * n + j] = diagonal;
            for (int i = j + 1; i < n; i++)
            {
                double sum = lower[i * n + j];
                for (int k = 0; k < j; k++) sum -= lower[i * n + k] * lower[j * n + k];
                lower[i * n + j] = sum / diagonal;
            }
        }
    }

    public int Size { get; }

    /// <summary>L z: with z standard normal, a draw from N(0, A).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void MultiplyLower(ReadOnlySpan<double> z, Span<double> result)
    {
        int n = Size;
        if (z.Length != n || result.Length != n) throw new ArgumentException($"Vectors must have length {n}; got {z.Length} and {result.Length}.");
        for (int i = 0; i < n; i++)
        {
            double sum = 0;
            for (int k = 0; k <= i; k++) sum += lower[i * n + k] * z[k];
            result[i] = sum;
        }
    }

    /// <summary>Overwrites <paramref name="x"/> (holding b on entry) with A⁻¹ b.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void SolveInPlace(Span<double> x)
    {
        int n = Size;
        if (x.Length != n) throw new ArgumentException($"Right-hand side must have length {n}; got {x.Length}.", nameof(x));
        for (int i = 0; i < n; i++)
        {
            double sum = x[i];
            for (int k = 0; k < i; k++) sum -= lower[i * n + k] * x[k];
            x[i] = sum / lower[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double sum = x[i];
            for (int k = i + 1; k < n; k++) sum -= lower[k * n + i] * x[k];
            x[i] = sum / lower[i * n + i];
        }
    }
}
