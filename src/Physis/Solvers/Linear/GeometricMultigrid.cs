namespace Physis.Solvers.Linear;

public sealed record MultigridOptions
{
    /// <summary>Gauss–Seidel sweeps before (red–black) and after (black–red) each coarse correction.</summary>
    public int Sweeps { get; init; } = 1;

    /// <summary>Coarsening stops once a level has at most this many unknowns; that level is solved by dense Cholesky.</summary>
    public int CoarsestUnknowns { get; init; } = 64;
}

/// <summary>
/// One V-cycle of geometric multigrid as a preconditioner for a matrix on the interior nodes of a square
/// vertex-centred grid (unknown (i, j), 1 ≤ i, j ≤ m − 1 for m intervals, at index (i − 1)(m − 1) + (j − 1)).
/// Coarse operators are Galerkin products Pᵀ A P with bilinear interpolation P, so they stay SPD and follow
/// jumps in the coefficient. Red–black Gauss–Seidel before and the reverse order after the correction, with an exact
/// coarsest solve, make the cycle a symmetric positive definite operator, as PCG requires.
/// </summary>
public sealed class GeometricMultigrid : IPreconditioner
{
    private sealed class Level(SparseMatrix matrix, int intervals)
    {
        public int[] RedBlackOrder { get; } = RedBlack(intervals);
        public SparseMatrix Matrix { get; } = matrix;
        public double[] InverseDiagonal { get; } = InvertDiagonal(matrix);
        public double[] Solution { get; } = new double[matrix.Rows];
        public double[] RightHandSide { get; } = new double[matrix.Rows];
        public double[] Residual { get; } = new double[matrix.Rows];
        public SparseMatrix? Interpolation { get; init; }
    }

    private readonly Level[] levels;
    private readonly DenseCholesky coarsest;
    private readonly int sweeps;

    /// <param name="matrix">SPD matrix on the (intervals − 1)² interior nodes, ordered row by row.</param>
    /// <param name="intervals">Grid intervals per side, any m ≥ 2 (odd counts coarsen with one short coarse interval).</param>
    public GeometricMultigrid(SparseMatrix matrix, int intervals, MultigridOptions? options = null)
    {
        options ??= new MultigridOptions();
        if (options.Sweeps < 1) throw new ArgumentException($"Multigrid needs at least one smoothing sweep; got {options.Sweeps}.", nameof(options));
        if (options.CoarsestUnknowns < 1)
            throw new ArgumentException($"CoarsestUnknowns must be positive; got {options.CoarsestUnknowns}.", nameof(options));
        if (intervals < 2)
            throw new ArgumentException($"A grid needs at least 2 intervals per side to have interior nodes; got {intervals}.", nameof(intervals));
        int unknowns = (intervals - 1) * (intervals - 1);
        if (matrix.Rows != unknowns || matrix.Columns != unknowns)
            throw new ArgumentException($"A grid with {intervals} intervals per side has {unknowns} interior unknowns, "
                + $"but the matrix is {matrix.Rows} x {matrix.Columns}.", nameof(matrix));
        sweeps = options.Sweeps;

        var built = new List<Level>();
        var current = matrix;
        int m = intervals;
        while ((m - 1) * (m - 1) > options.CoarsestUnknowns && m > 2)
        {
            var interpolation = BilinearInterpolation(m);
            var coarse = interpolation.Transpose().Multiply(current.Multiply(interpolation));
            built.Add(new Level(current, m) { Interpolation = interpolation });
            current = coarse;
            m = (m + 1) / 2;
        }
        built.Add(new Level(current, m));
        levels = [.. built];
        coarsest = new DenseCholesky(ToDense(current), current.Rows);
        Intervals = intervals;
    }

    public int Size => levels[0].Matrix.Rows;
    public int Intervals { get; }
    public int LevelCount => levels.Length;

    /// <summary>correction = one V-cycle applied to the residual from a zero initial guess.</summary>
    public void Apply(ReadOnlySpan<double> residual, Span<double> correction)
    {
        if (residual.Length != Size || correction.Length != Size)
            throw new ArgumentException($"Multigrid on {Size} unknowns got vectors of length {residual.Length} and {correction.Length}.");
        residual.CopyTo(levels[0].RightHandSide);
        Cycle(0);
        levels[0].Solution.CopyTo(correction);
    }

    private void Cycle(int index)
    {
        var level = levels[index];
        if (index == levels.Length - 1)
        {
            level.RightHandSide.CopyTo(level.Solution, 0);
            coarsest.SolveInPlace(level.Solution);
            return;
        }
        Array.Clear(level.Solution);
        for (int s = 0; s < sweeps; s++) GaussSeidel(level, forward: true);
        level.Matrix.Multiply(level.Solution, level.Residual);
        for (int i = 0; i < level.Residual.Length; i++) level.Residual[i] = level.RightHandSide[i] - level.Residual[i];
        var coarse = levels[index + 1];
        Array.Clear(coarse.RightHandSide);
        level.Interpolation!.MultiplyTransposeAdd(level.Residual, coarse.RightHandSide);
        Cycle(index + 1);
        level.Interpolation.Multiply(coarse.Solution, level.Residual);
        Vectors.Axpy(1.0, level.Residual, level.Solution);
        for (int s = 0; s < sweeps; s++) GaussSeidel(level, forward: false);
    }

    private static void GaussSeidel(Level level, bool forward) =>
        level.Matrix.GaussSeidelSweep(level.RightHandSide, level.Solution, level.InverseDiagonal, level.RedBlackOrder, reverse: !forward);

    /// <summary>
    /// Red nodes (i + j even) first, then black: on the 5-point fine level no row waits for the row just
    /// updated, so the sweep runs at SpMV speed instead of being latency-bound, and it smooths as well as
    /// lexicographic ordering. Sweeping the reverse order after the correction keeps the cycle symmetric.
    /// </summary>
    private static int[] RedBlack(int intervals)
    {
        int side = intervals - 1;
        var order = new int[side * side];
        int next = 0;
        for (int colour = 0; colour < 2; colour++)
            for (int i = 0; i < side; i++)
                for (int j = (i + colour) % 2; j < side; j += 2)
                    order[next++] = i * side + j;
        return order;
    }

    /// <summary>
    /// Bilinear interpolation from the coarse interior nodes to the fine ones. Coarse nodes are the even fine
    /// nodes plus, when m is odd, the last boundary node, so every fine node sits on or midway between coarse nodes.
    /// </summary>
    private static SparseMatrix BilinearInterpolation(int m)
    {
        int mc = (m + 1) / 2;
        int fine = m - 1, coarse = mc - 1;
        // 1D weights: fine node i (1..m-1) from coarse interior nodes J (1..mc-1); boundary nodes carry zero.
        var oneD = new List<(int Coarse, double Weight)>[m + 1];
        for (int i = 1; i < m; i++)
        {
            oneD[i] = [];
            if (i % 2 == 0) oneD[i].Add((i / 2, 1.0));
            else
            {
                foreach (int neighbour in (int[])[i - 1, i + 1])
                {
                    int j = neighbour == m ? mc : neighbour / 2;
                    if (j >= 1 && j <= mc - 1) oneD[i].Add((j, 0.5));
                }
            }
        }
        var rp = new int[fine * fine + 1];
        var ci = new List<int>();
        var values = new List<double>();
        for (int i = 1; i < m; i++)
            for (int j = 1; j < m; j++)
            {
                foreach (var (ci0, wi) in oneD[i])
                    foreach (var (cj0, wj) in oneD[j])
                    {
                        ci.Add((ci0 - 1) * coarse + (cj0 - 1));
                        values.Add(wi * wj);
                    }
                rp[(i - 1) * fine + j] = ci.Count;
            }
        return new SparseMatrix(fine * fine, coarse * coarse, rp, [.. ci], [.. values]);
    }

    private static double[] InvertDiagonal(SparseMatrix matrix)
    {
        var diagonal = matrix.Diagonal();
        for (int i = 0; i < diagonal.Length; i++)
        {
            if (!(diagonal[i] > 0))
                throw new ArgumentException($"Multigrid smoothing needs a positive diagonal; entry {i} is {diagonal[i]}. "
                    + "Is the matrix SPD and free of NaN?");
            diagonal[i] = 1 / diagonal[i];
        }
        return diagonal;
    }

    private static double[] ToDense(SparseMatrix matrix)
    {
        int n = matrix.Rows;
        var dense = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int k = matrix.RowPointers[i]; k < matrix.RowPointers[i + 1]; k++)
                dense[i * n + matrix.ColumnIndices[k]] = matrix.Values[k];
        return dense;
    }
}
