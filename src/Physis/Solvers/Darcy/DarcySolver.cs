using Physis.Solvers.Linear;

namespace Physis.Solvers.Darcy;

/// <summary>A Darcy solution on the [n, n] grid (zeros on the boundary) and how its linear solve went.</summary>
public sealed record DarcySolution(double[,] Pressure, LinearSolveResult Solve);

/// <summary>Solves −∇·(a ∇u) = f, u = 0 on the boundary, by (multigrid-)preconditioned conjugate gradients.</summary>
public static class DarcySolver
{
    /// <returns>u on the [n, n] grid of the coefficient, zero on the boundary.</returns>
    public static double[,] Solve(double[,] coefficient, double forcing = 1.0, LinearSolverOptions? options = null)
        => Solve(new DarcyProblem(coefficient, forcing), options).Pressure;

    public static double[,] Solve(double[,] coefficient, double[,] forcing, LinearSolverOptions? options = null)
        => Solve(new DarcyProblem(coefficient, forcing), options).Pressure;

    public static DarcySolution Solve(DarcyProblem problem, LinearSolverOptions? options = null)
    {
        options ??= new LinearSolverOptions();
        options.Validate();
        var preconditioner = ConjugateGradient.CreatePreconditioner(problem.Matrix, problem.Intervals, options);
        var u = new double[problem.UnknownCount];
        var result = ConjugateGradient.Solve(problem.Matrix, problem.RightHandSide, u, preconditioner, options.Tolerance, options.MaxIterations);
        return new DarcySolution(problem.ToGrid(u), result);
    }
}
