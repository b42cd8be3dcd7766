using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Physis.Solvers.Linear;

/// <summary>
/// A deflation subspace W for conjugate gradients: its basis and A W for the current matrix, stored
/// interleaved (row i holds the k entries of node i) so the k dot products and updates of each CG
/// iteration take one vectorised pass over memory, plus the Cholesky factor of Wᵀ A W.
/// </summary>
internal sealed class DeflationSpace
{
    private readonly DenseCholesky gram;
    private readonly double[] basis;             // n x k row-major
    private readonly double[] operatorTimesBasis; // n x k row-major

    public DeflationSpace(double[][] basis, double[][] operatorTimesBasis)
    {
        Count = basis.Length;
        int k = Count, n = basis[0].Length;
        this.basis = Interleave(basis);
        this.operatorTimesBasis = Interleave(operatorTimesBasis);
        var g = new double[k * k];
        for (int i = 0; i < k; i++)
            for (int j = 0; j <= i; j++)
                g[i * k + j] = g[j * k + i] = 0.5 * (Vectors.Dot(basis[i], operatorTimesBasis[j]) + Vectors.Dot(basis[j], operatorTimesBasis[i]));
        gram = new DenseCholesky(g, k);
        Size = n;
    }

    public int Count { get; }
    public int Size { get; }

    /// <summary>x += W c.</summary>
    public void AddBasis(ReadOnlySpan<double> c, Span<double> x, double sign = 1) => AddBlock(basis, c, x, sign);

    /// <summary>x += sign · A W c.</summary>
    public void AddOperatorTimesBasis(ReadOnlySpan<double> c, Span<double> x, double sign) => AddBlock(operatorTimesBasis, c, x, sign);

    /// <summary>coefficients = (Wᵀ A W)⁻¹ Wᵀ v.</summary>
    public void BasisCoefficients(ReadOnlySpan<double> v, Span<double> coefficients) => Coefficients(basis, v, coefficients);

    /// <summary>coefficients = (Wᵀ A W)⁻¹ (A W)ᵀ v.</summary>
    public void OperatorCoefficients(ReadOnlySpan<double> v, Span<double> coefficients) => Coefficients(operatorTimesBasis, v, coefficients);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void Coefficients(double[] block, ReadOnlySpan<double> v, Span<double> coefficients)
    {
        int k = Count, width = Vector<double>.Count, wide = k / width;
        Span<Vector<double>> sums = stackalloc Vector<double>[wide];
        sums.Clear();
        coefficients.Clear();
        ref double start = ref MemoryMarshal.GetArrayDataReference(block);
        for (int i = 0; i < Size; i++)
        {
            nuint row = (nuint)(i * k);
            var vi = new Vector<double>(v[i]);
            for (int q = 0; q < wide; q++) sums[q] += Vector.LoadUnsafe(ref start, row + (nuint)(q * width)) * vi;
            for (int j = wide * width; j < k; j++) coefficients[j] += Unsafe.Add(ref start, row + (nuint)j) * v[i];
        }
        for (int q = 0; q < wide; q++) sums[q].CopyTo(coefficients[(q * width)..]);
        gram.SolveInPlace(coefficients);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private void AddBlock(double[] block, ReadOnlySpan<double> c, Span<double> x, double sign)
    {
        int k = Count, width = Vector<double>.Count, wide = k / width;
        Span<Vector<double>> scaled = stackalloc Vector<double>[wide];
        for (int q = 0; q < wide; q++) scaled[q] = sign * new Vector<double>(c[(q * width)..]);
        ref double start = ref MemoryMarshal.GetArrayDataReference(block);
        for (int i = 0; i < Size; i++)
        {
            nuint row = (nuint)(i * k);
            double total = 0;
            for (int q = 0; q < wide; q++) total += Vector.Dot(Vector.LoadUnsafe(ref start, row + (nuint)(q * width)), scaled[q]);
            for (int j = wide * width; j < k; j++) total += sign * Unsafe.Add(ref start, row + (nuint)j) * c[j];
            x[i] += total;
        }
    }

    private static double[] Interleave(double[][] columns)
    {
        int k = columns.Length, n = columns[0].Length;
        var block = new double[n * k];
        for (int j = 0; j < k; j++)
            for (int i = 0; i < n; i++)
                block[i * k + j] = columns[j][i];
        return block;
    }
}

/// <summary>
/// Keeps the first few search directions p_j of a CG run together with A p_j and M⁻¹ A p_j.
/// The last comes free: r_{j+1} = r_j − α_j A p_j gives M⁻¹ A p_j = (z_j − z_{j+1}) / α_j.
/// </summary>
internal sealed class DirectionRecorder(int capacity)
{
    public List<double[]> Directions { get; } = [];
    public List<double[]> OperatorTimesDirections { get; } = [];
    public List<double[]> PreconditionedOperatorTimesDirections { get; } = [];

    public bool Full => Directions.Count >= capacity;

    public void Record(ReadOnlySpan<double> p, ReadOnlySpan<double> ap, double alpha, ReadOnlySpan<double> z, ReadOnlySpan<double> zNext)
    {
        Directions.Add(p.ToArray());
        OperatorTimesDirections.Add(ap.ToArray());
        var bp = new double[z.Length];
        for (int i = 0; i < bp.Length; i++) bp[i] = (z[i] - zNext[i]) / alpha;
        PreconditionedOperatorTimesDirections.Add(bp);
    }
}

/// <summary>
/// Deflated preconditioned conjugate gradients (Saad, Yeung, Erhel &amp; Guyomarc'h 2000): the iterates are kept
/// A-orthogonal to a subspace W, so the eigencomponents W captures no longer slow convergence.
/// With an empty W it is plain PCG.
/// </summary>
internal static class DeflatedCg
{
    public static LinearSolveResult Run(ILinearOperator matrix, ReadOnlySpan<double> b, Span<double> x, IPreconditioner? preconditioner,
        DeflationSpace? deflation, DirectionRecorder? recorder, double tolerance, int maxIterations)
    {
        int n = matrix.Size;
        if (b.Length != n || x.Length != n)
            throw new ArgumentException($"The operator has size {n} but the right-hand side has length {b.Length} and the solution {x.Length}.");
        if (preconditioner is not null && preconditioner.Size != n)
            throw new ArgumentException($"The preconditioner has size {preconditioner.Size} but the operator has size {n}.", nameof(preconditioner));
        if (!(tolerance > 0 && tolerance < 1)) throw new ArgumentException($"Tolerance must lie in (0, 1); got {tolerance}.", nameof(tolerance));
        if (maxIterations < 1) throw new ArgumentException($"Iteration limit must be at least 1; got {maxIterations}.", nameof(maxIterations));
        if (!Vectors.AllFinite(b)) throw new ArgumentException("The right-hand side contains NaN or infinity.", nameof(b));
        if (!Vectors.AllFinite(x)) throw new ArgumentException("The initial guess contains NaN or infinity.", nameof(x));

        double bNorm = Vectors.Norm(b);
        if (bNorm == 0)
        {
            x.Clear();
            return new LinearSolveResult(0, 0);
        }
        var r = new double[n];
        matrix.Apply(x, r);
        for (int i = 0; i < n; i++) r[i] = b[i] - r[i];

        int k = deflation?.Count ?? 0;
        var mu = new double[k];
        if (deflation is not null && k > 0)
        {
            // Start from the Galerkin solution on W: x += W (WᵀAW)⁻¹ Wᵀ r makes r orthogonal to W.
            deflation.BasisCoefficients(r, mu);
            deflation.AddBasis(mu, x);
            deflation.AddOperatorTimesBasis(mu, r, sign: -1);
        }
        double rNorm = Vectors.Norm(r);
        if (rNorm <= tolerance * bNorm) return new LinearSolveResult(0, rNorm / bNorm);

        var z = new double[n];
        var zNext = new double[n];
        Precondition(preconditioner, r, z);
        var p = (double[])z.Clone();
        RemoveDeflatedPart(deflation, z, p, mu);
        double rz = Vectors.Dot(r, z);
        CheckPreconditioner(rz);
        var ap = new double[n];
        for (int iteration = 1; iteration <= maxIterations; iteration++)
        {
            matrix.Apply(p, ap);
            double pap = Vectors.Dot(p, ap);
            if (double.IsNaN(pap))
                throw new LinearSolverException($"NaN appeared at CG iteration {iteration}; the matrix or preconditioner contains NaN or infinity.");
            if (!(pap > 0))
                throw new LinearSolverException($"The matrix is not positive definite (pᵀAp = {pap:G3} at CG iteration {iteration}); "
                    + "conjugate gradients needs an SPD matrix, e.g. a strictly positive Darcy coefficient.");
            double alpha = rz / pap;
            Vectors.Axpy(alpha, p, x);
            Vectors.Axpy(-alpha, ap, r);
            rNorm = Vectors.Norm(r);
            if (rNorm <= tolerance * bNorm) return new LinearSolveResult(iteration, rNorm / bNorm);

            Precondition(preconditioner, r, zNext);
            if (recorder is not null && !recorder.Full) recorder.Record(p, ap, alpha, z, zNext);
            (z, zNext) = (zNext, z);
            double rzNext = Vectors.Dot(r, z);
            CheckPreconditioner(rzNext);
            double beta = rzNext / rz;
            rz = rzNext;
            Vectors.Xpby(z, beta, p);
            RemoveDeflatedPart(deflation, z, p, mu);
        }
        throw new LinearSolverException(
            $"Conjugate gradients did not reach relative residual {tolerance:G3} within {maxIterations} iterations (reached {rNorm / bNorm:G3}). " +
            "Raise MaxIterations, loosen Tolerance, or use a stronger preconditioner such as multigrid.");
    }

    /// <summary>p −= W (WᵀAW)⁻¹ (AW)ᵀ z keeps the new direction A-orthogonal to W.</summary>
    private static void RemoveDeflatedPart(DeflationSpace? deflation, ReadOnlySpan<double> z, Span<double> p, Span<double> mu)
    {
        if (deflation is null || deflation.Count == 0) return;
        deflation.OperatorCoefficients(z, mu);
        deflation.AddBasis(mu, p, sign: -1);
    }

    private static void Precondition(IPreconditioner? preconditioner, ReadOnlySpan<double> r, Span<double> z)
    {
        if (preconditioner is null) r.CopyTo(z);
        else preconditioner.Apply(r, z);
    }

    private static void CheckPreconditioner(double rz)
    {
        if (double.IsNaN(rz))
            throw new LinearSolverException("NaN appeared in the preconditioned residual; the preconditioner or matrix contains NaN or infinity.");
        if (!(rz > 0))
            throw new LinearSolverException($"The preconditioner is not positive definite (rᵀM⁻¹r = {rz:G3}); PCG needs an SPD preconditioner.");
    }
}
