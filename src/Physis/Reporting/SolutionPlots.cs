using System.Globalization;
using Physis.Evaluation;

namespace Physis.Reporting;

/// <summary>
/// Pictures of a PINN solution next to its reference: for each field, heat maps of the prediction, the reference and
/// the absolute error over the first two coordinates (at the last value of any further coordinate, e.g. the final
/// time), or curves where the reference is one-dimensional or scattered. A problem with one field writes
/// prediction.png, reference.png and error.png; with several, each name carries the field (prediction_u.png, ...).
/// </summary>
public static class SolutionPlots
{
    public static void Write(string folder, string problem, IReadOnlyList<string> coordinates, ReferenceSolution reference,
        ReferenceComparison evaluation)
    {
        bool single = evaluation.Prediction.Count == 1;
        foreach (var (field, predicted) in evaluation.Prediction)
        {
            if (!reference.Values.TryGetValue(field, out var exact)) continue;
            string suffix = single ? "" : "_" + field;
            double error = evaluation.FieldErrors[field];
            if (reference.Grid is { Axes.Length: >= 2 } grid)
                Heatmaps(folder, suffix, problem, field, grid, predicted, exact, error, reference.Source);
            else
                Curves(Path.Combine(folder, $"prediction{suffix}.png"), problem, coordinates, field, reference, predicted, exact, error);
        }
    }

    /// <summary>
    /// A solution without a reference: per field a heat map over the first two coordinates of the grid (at the last value
    /// of any further one), or a curve in 1D; prediction.png, or prediction_FIELD.png with several fields.
    /// </summary>
    public static void WritePrediction(string folder, string problem, IReadOnlyList<string> coordinates, ReferenceGrid grid,
        IReadOnlyDictionary<string, double[]> prediction)
    {
        foreach (var (field, predicted) in prediction)
        {
            string path = Path.Combine(folder, prediction.Count == 1 ? "prediction.png" : $"prediction_{field}.png");
            if (grid.Axes.Length >= 2)
            {
                var last = grid.Axes.Skip(2).Select(a => a.Length - 1).ToArray();
                string x = grid.Coordinates[0], y = grid.Coordinates[1];
                Plots.Heatmap(path, grid.Axes[0], grid.Axes[1], grid.Slice(predicted, last),
                    $"{problem}: PINN prediction {field}({x}, {y}){At(grid)}", x, y, symmetricColorScale: true);
            }
            else
                Plots.Lines(path, $"{problem}: PINN prediction {field}", coordinates[0], field, [("PINN", grid.Axes[0], predicted)]);
        }
    }

    /// <summary>", t = 1" and the like: the values of the coordinates beyond the first two at which a heat map is drawn.</summary>
    private static string At(ReferenceGrid grid) =>
        string.Concat(grid.Coordinates.Skip(2).Zip(grid.Axes.Skip(2), (c, a) => string.Create(CultureInfo.InvariantCulture, $", {c} = {a[^1]:G4}")));

    private static void Heatmaps(string folder, string suffix, string problem, string field, ReferenceGrid grid,
        double[] predicted, double[] exact, double error, string source)
    {
        var last = grid.Axes.Skip(2).Select(a => a.Length - 1).ToArray();
        string at = At(grid);
        // Points the reference leaves out (outside a domain with holes) are blanked in all three pictures.
        predicted = predicted.Zip(exact, (p, e) => double.IsNaN(e) ? double.NaN : p).ToArray();
        var absolute = predicted.Zip(exact, (p, e) => Math.Abs(p - e)).ToArray();
        string x = grid.Coordinates[0], y = grid.Coordinates[1];
        Plots.Heatmap(Path.Combine(folder, $"prediction{suffix}.png"), grid.Axes[0], grid.Axes[1], grid.Slice(predicted, last),
            $"{problem}: PINN prediction {field}({x}, {y}){at}", x, y, symmetricColorScale: true);
        Plots.Heatmap(Path.Combine(folder, $"reference{suffix}.png"), grid.Axes[0], grid.Axes[1], grid.Slice(exact, last),
            $"{problem}: reference {field} ({source}){at}", x, y, symmetricColorScale: true);
        Plots.Heatmap(Path.Combine(folder, $"error{suffix}.png"), grid.Axes[0], grid.Axes[1], grid.Slice(absolute, last),
            string.Create(CultureInfo.InvariantCulture, $"|{field} prediction - reference|{at}, relative L2 = {error:E2}"), x, y);
    }

    /// <summary>
    /// Along the one coordinate that varies between the reference points (a 1D grid, or a line such as a cavity's
    /// centre line), sorted by it; along the point index when several coordinates vary.
    /// </summary>
    private static void Curves(string path, string problem, IReadOnlyList<string> coordinates, string field, ReferenceSolution reference,
        double[] predicted, double[] exact, double error)
    {
        var given = Enumerable.Range(0, exact.Length).Where(k => !double.IsNaN(exact[k])).ToArray();
        int dimension = reference.Points.GetLength(1);
        var varying = Enumerable.Range(0, dimension).Where(d => given.Select(k => reference.Points[k, d]).Distinct().Count() > 1).ToArray();
        string axis = varying.Length == 1 ? coordinates[varying[0]] : "reference point";
        if (varying.Length == 1) given = given.OrderBy(k => reference.Points[k, varying[0]]).ToArray();
        var position = given.Select(k => varying.Length == 1 ? reference.Points[k, varying[0]] : k).ToArray();
        Plots.Lines(path, string.Create(CultureInfo.InvariantCulture, $"{problem}: {field}, relative L2 = {error:E2}"), axis, field,
        [
            ("PINN", position, given.Select(k => predicted[k]).ToArray()),
            ($"reference ({reference.Source})", position, given.Select(k => exact[k]).ToArray()),
        ]);
    }
}
