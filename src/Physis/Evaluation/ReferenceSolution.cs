using Physis.Data.Matlab;
using Physis.Data.NumPy;
using Physis.Data.PyTorch;

namespace Physis.Evaluation;

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

    /// <summary>
    /// A reference read from a .npz file (or a MATLAB .mat or PyTorch .pt file with the same arrays) in the layout a
    /// run's prediction.npz has: either one 1D array per coordinate (the grid's axes) and each field shaped last
    /// coordinate first (u[t, x]), or a "points" array [n, d] and each field with one value per point. Fields of the
    /// problem the file lacks are not measured; at least one must be there.
    /// </summary>
    public static ReferenceSolution Read(string path, IReadOnlyList<string> coordinates, IReadOnlyList<string> fields)
    {
        var arrays = Arrays(path, [.. coordinates, .. fields, "points"]);
        var values = fields.Where(arrays.ContainsKey).ToDictionary(f => f, f => arrays[f].Values);
        if (values.Count == 0)
            throw new InvalidDataException($"{path} holds none of the fields {string.Join(", ", fields)} (arrays: "
                + $"{string.Join(", ", arrays.Keys)}).");
        string source = $"file {Path.GetFileName(path)}";
        if (arrays.TryGetValue("points", out var scattered))
        {
            if (scattered.Shape.Length != 2 || scattered.Shape[1] != coordinates.Count)
                throw new InvalidDataException($"{path}: 'points' must be [n, {coordinates.Count}], got [{string.Join(", ", scattered.Shape)}].");
            int n = scattered.Shape[0];
            var flat = scattered.Values;
            var points = new double[n, coordinates.Count];
            Buffer.BlockCopy(flat, 0, points, 0, flat.Length * sizeof(double));
            foreach (var (field, v) in values)
                if (v.Length != n) throw new InvalidDataException($"{path}: field '{field}' has {v.Length} values for {n} points.");
            return new ReferenceSolution { Points = points, Values = values, Source = source };
        }
        var missing = coordinates.Where(c => !arrays.ContainsKey(c)).ToList();
        if (missing.Count > 0)
            throw new InvalidDataException($"{path} has no axis for {string.Join(", ", missing)}: give one 1D array per coordinate, "
                + "or a 'points' array.");
        try
        {
            return OnGrid([.. coordinates], [.. coordinates.Select(c => arrays[c].Values)], values, source);
        }
        catch (ArgumentException e)
        {
            throw new InvalidDataException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>
    /// The arrays of a .npz, MATLAB .mat or PyTorch .pt file by name (an axis may be a row or a column: only its values
    /// count). A complex array among the <paramref name="used"/> ones is refused: a complex field is two real fields.
    /// </summary>
    private static Dictionary<string, (int[] Shape, double[] Values)> Arrays(string path, IReadOnlyCollection<string> used)
    {
        string extension = Path.GetExtension(path).ToLowerInvariant();
        if (extension is not (".mat" or ".pt" or ".pth"))
            return Npz.Read(path).ToDictionary(a => a.Key, a => (a.Value.Shape, a.Value.ToDoubles()));
        var arrays = extension == ".mat" ? MatFile.Read(path) : TorchFile.Read(path);
        if (arrays.Values.FirstOrDefault(a => a.IsComplex && used.Contains(a.Name)) is { } complex)
            throw new InvalidDataException($"{path}: '{complex.Name}' is complex; store the real and imaginary parts as two fields.");
        return arrays.Where(a => !a.Value.IsComplex).ToDictionary(a => a.Key, a => (a.Value.Shape, a.Value.Real));
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
