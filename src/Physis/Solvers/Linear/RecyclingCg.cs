namespace Physis.Solvers.Linear;

public sealed record RecyclingOptions
{
    /// <summary>Dimension k of the recycled deflation subspace.</summary>
    public int SubspaceSize { get; init; } = 8;

    /// <summary>Search directions of each solve kept to refine the subspace (the first ones of the run).</summary>
    public int RecordedDirections { get; init; } = 16;

    /// <summary>
    /// The subspace is refined after each of the first this-many solves and then kept fixed, which saves the
    /// refinement cost (and k preconditioner applications per system) once it has settled.
    /// </summary>
    public int RefinementSolves { get; init; } = int.MaxValue;

    public double Tolerance { get; init; } = 1e-10;

    public int MaxIterations { get; init; } = 10_000;

    public void Validate()
    {
        if (SubspaceSize < 1) throw new ArgumentException($"SubspaceSize must be at least 1; got {SubspaceSize}.", nameof(SubspaceSize));
        if (RecordedDirections < 1)
            throw new ArgumentException($"RecordedDirections must be at least 1; got {RecordedDirections}.", nameof(RecordedDirections));
        if (RefinementSolves < 1)
            throw new ArgumentException($"RefinementSolves must be at least 1; got {RefinementSolves}.", nameof(RefinementSolves));
        new LinearSolverOptions { Tolerance = Tolerance, MaxIterations = MaxIterations }.Validate();
    }
}

/// <summary>One system of a sequence: A x = b with an optional preconditioner built for A.</summary>
public sealed record LinearSystem(ILinearOperator Matrix, double[] RightHandSide, IPreconditioner? Preconditioner = null);

/// <summary>
/// Conjugate gradients with Krylov subspace recycling for a sequence of related SPD systems: deflated PCG
/// (Saad et al. 2000) with a k-dimensional subspace W carried from solve to solve. After each solve W is
/// replaced by the k Ritz vectors of M⁻¹A with the smallest Ritz values, extracted by a Rayleigh–Ritz step in
/// the A-inner product on span{W, p₀ … p_{l−1}} (harmonic Ritz vectors for M = I): approximate eigenvectors of the slow, low end of the
/// spectrum, which related Darcy systems share. The first solve is plain PCG.
/// </summary>
public sealed class RecyclingCg
{
    private readonly RecyclingOptions options;
    private double[][] basis = [];
    // A W and M⁻¹ A W for the matrix and preconditioner they were computed with.
    private double[][] operatorTimesBasis = [];
    private double[][] preconditionedTimesBasis = [];
    private ILinearOperator? lastMatrix;
    private IPreconditioner? lastPreconditioner;
    private int solves;

    public RecyclingCg(RecyclingOptions? options = null)
    {
        this.options = options ?? new RecyclingOptions();
        this.options.Validate();
    }

    /// <summary>Current dimension of the recycled subspace (0 before the first solve).</summary>
    public int SubspaceDimension => basis.Length;

    /// <summary>Ritz values (ascending) of the current subspace: estimates of the smallest eigenvalues of M⁻¹A.</summary>
    public IReadOnlyList<double> RitzValues { get; private set; } = [];

    /// <summary>Forgets the recycled subspace.</summary>
    public void Reset()
    {
        basis = operatorTimesBasis = preconditionedTimesBasis = [];
        RitzValues = [];
        lastMatrix = null;
        lastPreconditioner = null;
        solves = 0;
    }

    /// <summary>Solves A x = b from the initial guess in <paramref name="x"/>, then updates the subspace.</summary>
    public LinearSolveResult Solve(ILinearOperator matrix, ReadOnlySpan<double> rightHandSide, Span<double> x, IPreconditioner? preconditioner = null)
    {
        int n = matrix.Size;
        if (basis.Length > 0 && basis[0].Length != n)
            throw new ArgumentException($"The recycled subspace has vectors of length {basis[0].Length} but this system has size {n}; "
                + "call Reset() between sequences of different sizes.", nameof(matrix));
        bool refine = solves < options.RefinementSolves;
        if (basis.Length > 0 && !ReferenceEquals(matrix, lastMatrix))
        {
            operatorTimesBasis = basis.Select(w => Apply(matrix, w)).ToArray();
            preconditionedTimesBasis = [];
        }
        if (refine && basis.Length > 0 && (preconditionedTimesBasis.Length == 0 || !ReferenceEquals(preconditioner, lastPreconditioner)))
            preconditionedTimesBasis = preconditioner is null
                ? operatorTimesBasis
                : operatorTimesBasis.Select(aw => Precondition(preconditioner, aw)).ToArray();
        lastMatrix = matrix;
        lastPreconditioner = preconditioner;

        var deflation = basis.Length > 0 ? new DeflationSpace(basis, operatorTimesBasis) : null;
        var recorder = refine ? new DirectionRecorder(options.RecordedDirections) : null;
        var result = DeflatedCg.Run(matrix, rightHandSide, x, preconditioner, deflation, recorder, options.Tolerance, options.MaxIterations);
        solves++;
        if (recorder is not null && recorder.Directions.Count > 0) Refine(recorder);
        return result;
    }

    /// <summary>Solves each system in turn, carrying the subspace across; returns solutions and iteration reports.</summary>
    public IReadOnlyList<(double[] Solution, LinearSolveResult Result)> SolveSequence(IEnumerable<LinearSystem> systems)
    {
        var results = new List<(double[], LinearSolveResult)>();
        foreach (var system in systems)
        {
            var x = new double[system.Matrix.Size];
            results.Add((x, Solve(system.Matrix, system.RightHandSide, x, system.Preconditioner)));
        }
        return results;
    }

    /// <summary>
    /// Rayleigh–Ritz for B = M⁻¹A, self-adjoint in the A-inner product, on Z = [W, P]:
    /// (AZ)ᵀ(BZ) c = θ (AZ)ᵀZ c, keeping the k smallest θ.
    /// </summary>
    private void Refine(DirectionRecorder recorder)
    {
        var z = basis.Concat(recorder.Directions).ToArray();
        var az = operatorTimesBasis.Concat(recorder.OperatorTimesDirections).ToArray();
        var bz = preconditionedTimesBasis.Concat(recorder.PreconditionedOperatorTimesDirections).ToArray();
        int m = z.Length;
        var f = new double[m * m];
        var g = new double[m * m];
        for (int i = 0; i < m; i++)
            for (int j = 0; j <= i; j++)
            {
                f[i * m + j] = f[j * m + i] = 0.5 * (Vectors.Dot(az[i], z[j]) + Vectors.Dot(az[j], z[i]));
                g[i * m + j] = g[j * m + i] = 0.5 * (Vectors.Dot(az[i], bz[j]) + Vectors.Dot(az[j], bz[i]));
            }

        // Reduce to a standard eigenproblem on the well-conditioned part of span Z: with unit-A-norm
        // columns, F = Q Λ Qᵀ and S = Q Λ^(−1/2) restricted to Λ above round-off, solve Sᵀ G S y = θ y.
        var scale = new double[m];
        for (int i = 0; i < m; i++) scale[i] = 1 / Math.Sqrt(f[i * m + i]);
        for (int i = 0; i < m; i++)
            for (int j = 0; j < m; j++)
            {
                f[i * m + j] *= scale[i] * scale[j];
                g[i * m + j] *= scale[i] * scale[j];
            }
        var (lambda, q) = SymmetricEigen.Decompose(f, m);
        var kept = Enumerable.Range(0, m).Where(i => lambda[i] > 1e-10 * lambda[m - 1]).ToArray();
        int r = kept.Length;
        var s = new double[m * r];
        for (int i = 0; i < m; i++)
            for (int c = 0; c < r; c++)
                s[i * r + c] = q[i * m + kept[c]] / Math.Sqrt(lambda[kept[c]]);
        var reduced = new double[r * r];
        for (int a = 0; a < r; a++)
            for (int b = 0; b < r; b++)
            {
                double sum = 0;
                for (int i = 0; i < m; i++)
                    for (int j = 0; j < m; j++)
                        sum += s[i * r + a] * g[i * m + j] * s[j * r + b];
                reduced[a * r + b] = sum;
            }
        var (theta, y) = SymmetricEigen.Decompose(reduced, r);
        int k = Math.Min(options.SubspaceSize, r);
        var coefficients = new double[k][];
        for (int c = 0; c < k; c++)
        {
            coefficients[c] = new double[m];
            for (int i = 0; i < m; i++)
            {
                double sum = 0;
                for (int a = 0; a < r; a++) sum += s[i * r + a] * y[a * r + c];
                coefficients[c][i] = sum * scale[i];
            }
        }
        basis = Combine(z, coefficients);
        operatorTimesBasis = Combine(az, coefficients);
        preconditionedTimesBasis = Combine(bz, coefficients);
        RitzValues = theta.Take(k).ToArray();
    }

    private static double[][] Combine(double[][] columns, double[][] coefficients) => coefficients.Select(c =>
    {
        var v = new double[columns[0].Length];
        for (int i = 0; i < columns.Length; i++) Vectors.Axpy(c[i], columns[i], v);
        return v;
    }).ToArray();

    private static double[] Apply(ILinearOperator matrix, double[] v)
    {
        var result = new double[v.Length];
        matrix.Apply(v, result);
        return result;
    }

    private static double[] Precondition(IPreconditioner preconditioner, double[] v)
    {
        var result = new double[v.Length];
        preconditioner.Apply(v, result);
        return result;
    }
}
