namespace Physis.Solvers.Linear;

public enum PreconditionerKind
{
    None,
    Jacobi,
    /// <summary>One symmetric geometric multigrid V-cycle (<see cref="GeometricMultigrid"/>).</summary>
    Multigrid,
}

/// <summary>Stopping rule and preconditioner for the conjugate-gradient solvers.</summary>
public sealed record LinearSolverOptions
{
    /// <summary>Stop when ‖b − A x‖₂ ≤ Tolerance · ‖b‖₂.</summary>
    public double Tolerance { get; init; } = 1e-10;

    public int MaxIterations { get; init; } = 10_000;

    public PreconditionerKind Preconditioner { get; init; } = PreconditionerKind.Multigrid;

    public MultigridOptions Multigrid { get; init; } = new();

    public void Validate()
    {
        if (!(Tolerance > 0 && Tolerance < 1))
            throw new ArgumentException($"Tolerance must lie in (0, 1); got {Tolerance}.", nameof(Tolerance));
        if (MaxIterations < 1)
            throw new ArgumentException($"MaxIterations must be at least 1; got {MaxIterations}.", nameof(MaxIterations));
    }
}

/// <summary>How a conjugate-gradient solve ended: iterations used and the final relative residual ‖r‖/‖b‖.</summary>
public readonly record struct LinearSolveResult(int Iterations, double RelativeResidual);

/// <summary>A Krylov solve that did not reach its tolerance, or met a matrix that is not SPD.</summary>
public sealed class LinearSolverException(string message) : Exception(message);
