namespace Physis.Solvers.Linear;

/// <summary>Preconditioned conjugate gradients for symmetric positive definite systems.</summary>
public static class ConjugateGradient
{
    /// <summary>
    /// Solves A x = b, starting from the values in <paramref name="x"/>, until ‖b − A x‖ ≤ tolerance · ‖b‖.
    /// Throws <see cref="LinearSolverException"/> if the tolerance is not met within the iteration limit
    /// or if A (or the preconditioner) turns out not to be positive definite.
    /// </summary>
    public static LinearSolveResult Solve(ILinearOperator matrix, ReadOnlySpan<double> rightHandSide, Span<double> x,
        IPreconditioner? preconditioner = null, double tolerance = 1e-10, int maxIterations = 10_000)
        => DeflatedCg.Run(matrix, rightHandSide, x, preconditioner, deflation: null, recorder: null, tolerance, maxIterations);

    /// <summary>Builds the preconditioner named in <paramref name="options"/> for a matrix on a square grid.</summary>
    /// <param name="intervals">Grid intervals per side (n − 1 for n x n nodes); needed by multigrid only.</param>
    public static IPreconditioner? CreatePreconditioner(SparseMatrix matrix, int intervals, LinearSolverOptions options) =>
        options.Preconditioner switch
        {
            PreconditionerKind.None => null,
            PreconditionerKind.Jacobi => new JacobiPreconditioner(matrix),
            PreconditionerKind.Multigrid => new GeometricMultigrid(matrix, intervals, options.Multigrid),
            _ => throw new ArgumentException($"Unknown preconditioner kind {options.Preconditioner}.", nameof(options)),
        };
}

/// <summary>z = D⁻¹ r with D the diagonal of A.</summary>
public sealed class JacobiPreconditioner : IPreconditioner
{
    private readonly double[] inverseDiagonal;

    public JacobiPreconditioner(SparseMatrix matrix)
    {
        var diagonal = matrix.Diagonal();
        inverseDiagonal = new double[diagonal.Length];
        for (int i = 0; i < diagonal.Length; i++)
        {
            if (!(diagonal[i] > 0))
                throw new ArgumentException($"Jacobi preconditioning needs a positive diagonal; entry {i} is {diagonal[i]}.", nameof(matrix));
            inverseDiagonal[i] = 1 / diagonal[i];
        }
    }

    public int Size => inverseDiagonal.Length;

    public void Apply(ReadOnlySpan<double> residual, Span<double> correction)
    {
        for (int i = 0; i < inverseDiagonal.Length; i++) correction[i] = inverseDiagonal[i] * residual[i];
    }
}
