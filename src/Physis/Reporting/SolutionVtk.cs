using Physis.Evaluation;

namespace Physis.Reporting;

/// <summary>
/// A PINN solution as ParaView files in its run folder, on the points where the run was evaluated: per field the arrays
/// FIELD_prediction and, where the reference has values, FIELD_reference and FIELD_error (|prediction - reference|).
/// A grid of one to three axes is solution.vtr; a space-time grid over two or three space axes is solution.pvd, one
/// grid per time in solution/step_K.vtr (with one space axis the time is the grid's second axis); scattered points
/// of up to three coordinates are solution.vtu. Grids of more axes are not written.
/// </summary>
public static class SolutionVtk
{
    public const string Name = "solution";

    /// <param name="points">The evaluation points and the reference values there (none for a run without reference).</param>
    /// <param name="prediction">Each field's predicted value at each point.</param>
    /// <param name="lastIsTime">Whether the last coordinate is time.</param>
    public static void Write(string folder, ReferenceSolution points, IReadOnlyDictionary<string, double[]> prediction, bool lastIsTime)
    {
        var arrays = Arrays(points.Values, prediction);
        if (points.Grid is not { } grid)
        {
            if (points.Points.GetLength(1) <= 3) VtkFiles.WritePoints(Path.Combine(folder, $"{Name}.vtu"), points.Points, arrays);
            return;
        }
        int space = grid.Axes.Length - (lastIsTime ? 1 : 0);
        if (lastIsTime && space is 2 or 3)
        {
            var times = grid.Axes[^1];
            int slice = grid.Count / times.Length;
            VtkFiles.WriteGridSeries(Path.Combine(folder, $"{Name}.pvd"), grid.Axes[..^1], times,
                k => [.. arrays.Select(a => (a.Name, a.Values[(k * slice)..((k + 1) * slice)]))]);
        }
        else if (grid.Axes.Length <= 3) VtkFiles.WriteGrid(Path.Combine(folder, $"{Name}.vtr"), grid.Axes, arrays);
    }

    private static List<(string Name, double[] Values)> Arrays(IReadOnlyDictionary<string, double[]> reference,
        IReadOnlyDictionary<string, double[]> prediction)
    {
        var arrays = new List<(string, double[])>();
        foreach (var (field, predicted) in prediction)
        {
            arrays.Add(($"{field}_prediction", predicted));
            if (!reference.TryGetValue(field, out var exact)) continue;
            arrays.Add(($"{field}_reference", exact));
            arrays.Add(($"{field}_error", [.. predicted.Zip(exact, (p, e) => Math.Abs(p - e))]));
        }
        return arrays;
    }
}
