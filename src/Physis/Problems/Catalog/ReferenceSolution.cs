namespace Physis.Problems.Catalog;

/// <summary>
/// Reference values of a problem's fields at a set of points, to measure a PINN against. Most references live on a
/// tensor-product grid over the problem's coordinates (<see cref="Grid"/>); some are scattered points, such as the
/// centre-line tables of the lid-driven cavity. A field may be missing at a point (NaN), when the source tabulates
/// different fields at different points.
/// </summary>
public sealed record ReferenceSolution
{
    /// <summary>Evaluation points, one row per point, columns in the problem's coordinate order.</summary>
    public required double[,] Points { get; init; }
    /// <summary>Per field, one value per point; NaN where the source gives no value.</summary>
    public required IReadOnlyDictionary<string, double[]> Values { get; init; }
    /// <summary>Where the numbers come from, for plots and run records.</summary>
    public required string Source { get; init; }
    /// <summary>The grid the points enumerate, when they do.</summary>
    public ReferenceGrid? Grid { get; init; }

    public int Count => Points.GetLength(0);

    /// <summary>
    /// A reference on the grid spanned by <paramref name="axes"/>; each field's values are ordered with the first
    /// coordinate fastest (for x and t that is [nt, nx] in row-major order, the layout of DeepXDE's data files).
    /// </summary>
    public static ReferenceSolution OnGrid(string[] coordinates, double[][] axes, IReadOnlyDictionary<string, double[]> values, string source)
    {
        var grid = new ReferenceGrid(coordinates, axes);
        foreach (var (field, v) in values)
            if (v.Length != grid.Count)
                throw new ArgumentException($"Reference field '{field}' has {v.Length} values but the grid has {grid.Count} points.");
        return new ReferenceSolution { Points = grid.Points(), Values = values, Source = source, Grid = grid };
    }

    /// <summary>
    /// An exact solution tabulated on a grid; grid points outside the domain (where <paramref name="inside"/> is
    /// false, e.g. in the holes of a perforated plate) get NaN and are left out of the error.
    /// </summary>
    public static ReferenceSolution Exact(string[] coordinates, double[][] axes, IReadOnlyDictionary<string, Func<double[], double>> solution,
        Func<double[], bool>? inside = null, string source = "exact")
    {
        var grid = new ReferenceGrid(coordinates, axes);
        var points = grid.Points();
        var values = solution.ToDictionary(f => f.Key, _ => new double[grid.Count]);
        var point = new double[axes.Length];
        for (int k = 0; k < grid.Count; k++)
        {
            for (int d = 0; d < point.Length; d++) point[d] = points[k, d];
            bool within = inside?.Invoke(point) ?? true;
            foreach (var (field, exact) in solution) values[field][k] = within ? exact(point) : double.NaN;
        }
        return new ReferenceSolution { Points = points, Values = values, Source = source, Grid = grid };
    }
}

/// <summary>A tensor-product grid; point k has axis indices i0 + n0 * (i1 + n1 * (i2 + ...)).</summary>
public sealed record ReferenceGrid(string[] Coordinates, double[][] Axes)
{
    public int Count => Axes.Aggregate(1, (n, axis) => n * axis.Length);

    /// <summary>Axis lengths from the last coordinate to the first: the array shape of a field's values.</summary>
    public int[] Shape => Axes.Reverse().Select(a => a.Length).ToArray();

    public double[,] Points()
    {
        var points = new double[Count, Axes.Length];
        for (int k = 0; k < Count; k++)
        {
            int rest = k;
            for (int d = 0; d < Axes.Length; d++)
            {
                points[k, d] = Axes[d][rest % Axes[d].Length];
                rest /= Axes[d].Length;
            }
        }
        return points;
    }

    /// <summary>
    /// The 2D slice over the first two axes at the given indices of the remaining ones (empty for a 2D grid), as
    /// [n1, n0] for heat maps with the first coordinate horizontal.
    /// </summary>
    public double[,] Slice(double[] values, params int[] fixedIndices)
    {
        if (Axes.Length < 2) throw new InvalidOperationException("A slice needs a grid of at least two axes.");
        if (fixedIndices.Length != Axes.Length - 2)
            throw new ArgumentException($"A {Axes.Length}-axis grid needs {Axes.Length - 2} fixed indices, got {fixedIndices.Length}.");
        int n0 = Axes[0].Length, n1 = Axes[1].Length, offset = 0, stride = n0 * n1;
        for (int d = 0; d < fixedIndices.Length; d++)
        {
            offset += fixedIndices[d] * stride;
            stride *= Axes[d + 2].Length;
        }
        var slice = new double[n1, n0];
        for (int j = 0; j < n1; j++)
            for (int i = 0; i < n0; i++) slice[j, i] = values[offset + j * n0 + i];
        return slice;
    }
}
