using Physis.Solvers.Linear;

namespace Physis.Solvers.Darcy;

/// <summary>
/// Steady Darcy flow −∇·(a ∇u) = f on the unit square with u = 0 on the boundary, discretised by 5-point
/// finite differences on a vertex-centred grid of n x n nodes (h = 1/(n − 1)); node [i, j] sits at
/// (x, y) = (i h, j h). The coefficient at a cell face is the mean of its two nodal values. The unknowns are
/// the (n − 2)² interior nodes, ordered row by row (index (i − 1)(n − 2) + (j − 1)); the matrix is SPD.
/// </summary>
public sealed class DarcyProblem
{
    private readonly double[] rightHandSide;

    public DarcyProblem(double[,] coefficient, double[,] forcing)
    {
        GridSize = ValidateCoefficient(coefficient);
        if (forcing.GetLength(0) != GridSize || forcing.GetLength(1) != GridSize)
            throw new ArgumentException($"Forcing must have the coefficient's shape [{GridSize}, {GridSize}]; "
                + $"got [{forcing.GetLength(0)}, {forcing.GetLength(1)}].", nameof(forcing));
        Matrix = Assemble(coefficient);
        int m = GridSize - 2;
        rightHandSide = new double[m * m];
        for (int i = 1; i <= m; i++)
            for (int j = 1; j <= m; j++)
            {
                double f = forcing[i, j];
                if (!double.IsFinite(f)) throw new ArgumentException($"Forcing is {f} at node [{i}, {j}]; it must be finite.", nameof(forcing));
                rightHandSide[(i - 1) * m + (j - 1)] = f;
            }
    }

    public DarcyProblem(double[,] coefficient, double constantForcing = 1.0)
    {
        if (!double.IsFinite(constantForcing))
            throw new ArgumentException($"Forcing must be finite; got {constantForcing}.", nameof(constantForcing));
        GridSize = ValidateCoefficient(coefficient);
        Matrix = Assemble(coefficient);
        rightHandSide = new double[Matrix.Rows];
        Array.Fill(rightHandSide, constantForcing);
    }

    /// <summary>Nodes per side n, boundary included.</summary>
    public int GridSize { get; }
    public int Intervals => GridSize - 1;
    public double Spacing => 1.0 / (GridSize - 1);
    public int UnknownCount => Matrix.Rows;

    /// <summary>The SPD system matrix on the interior nodes (entries scaled by 1/h²).</summary>
    public SparseMatrix Matrix { get; }

    public ReadOnlySpan<double> RightHandSide => rightHandSide;

    /// <summary>Places interior values into an [n, n] grid with zeros on the boundary.</summary>
    public double[,] ToGrid(ReadOnlySpan<double> interior)
    {
        int m = GridSize - 2;
        if (interior.Length != m * m) throw new ArgumentException($"Expected {m * m} interior values; got {interior.Length}.", nameof(interior));
        var grid = new double[GridSize, GridSize];
        for (int i = 1; i <= m; i++)
            for (int j = 1; j <= m; j++)
                grid[i, j] = interior[(i - 1) * m + (j - 1)];
        return grid;
    }

    private static int ValidateCoefficient(double[,] coefficient)
    {
        ArgumentNullException.ThrowIfNull(coefficient);
        int n = coefficient.GetLength(0);
        if (coefficient.GetLength(1) != n)
            throw new ArgumentException($"Coefficient must be a square [n, n] grid; got [{n}, {coefficient.GetLength(1)}].", nameof(coefficient));
        if (n < 3) throw new ArgumentException($"The grid needs at least 3 x 3 nodes to have an interior node; got {n} x {n}.", nameof(coefficient));
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
            {
                double a = coefficient[i, j];
                if (!double.IsFinite(a) || a <= 0)
                    throw new ArgumentException($"Coefficient is {a} at node [{i}, {j}]; "
                        + "Darcy flow needs a finite, strictly positive permeability (otherwise the matrix is not SPD).", nameof(coefficient));
            }
        return n;
    }

    private static SparseMatrix Assemble(double[,] a)
    {
        int n = a.GetLength(0), m = n - 2;
        double scale = (double)(n - 1) * (n - 1);
        var rp = new int[m * m + 1];
        var ci = new int[5 * m * m];
        var values = new double[5 * m * m];
        int nz = 0;
        for (int i = 1; i <= m; i++)
            for (int j = 1; j <= m; j++)
            {
                int row = (i - 1) * m + (j - 1);
                double west = 0.5 * (a[i, j] + a[i - 1, j]) * scale;
                double east = 0.5 * (a[i, j] + a[i + 1, j]) * scale;
                double south = 0.5 * (a[i, j] + a[i, j - 1]) * scale;
                double north = 0.5 * (a[i, j] + a[i, j + 1]) * scale;
                // Neighbours in increasing column order; boundary neighbours are zero and drop out.
                if (i > 1) { ci[nz] = row - m; values[nz++] = -west; }
                if (j > 1) { ci[nz] = row - 1; values[nz++] = -south; }
                ci[nz] = row; values[nz++] = west + east + south + north;
                if (j < m) { ci[nz] = row + 1; values[nz++] = -north; }
                if (i < m) { ci[nz] = row + m; values[nz++] = -east; }
                rp[row + 1] = nz;
            }
        return new SparseMatrix(m * m, m * m, rp, ci, values);
    }
}
