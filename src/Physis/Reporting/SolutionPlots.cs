using System.Globalization;
using Physis.Problems.Catalog;
using Physis.Training;

namespace Physis.Reporting;

/// <summary>
/// Pictures of a PINN solution next to its reference: for each field, heat maps of the prediction, the reference and
/// the absolute error over the first two coordinates (at the last value of any further coordinate, e.g. the final
/// time), or curves where the reference is one-dimensional or scattered. A problem with one field writes
/// prediction.png, reference.png and error.png; with several, each name carries the field (prediction_u.png, ...).
/// </summary>
public static class SolutionPlots
{
    public static void Write(string folder, string problem, ReferenceSolution reference, Evaluation evaluation)
    {
        bool single = evaluation.Prediction.Count == 1;
        foreach (var (field, predicted) in evaluation.Prediction)
        {
            if (!reference.Values.TryGetValue(field, out var exact)) continue;
            string suffix = single ? "" : "_" + field;
            double error = evaluation.FieldErrors[field];
            if (reference.Grid is { Axes.Length: >= 2 } grid && !exact.Any(double.IsNaN))
                Heatmaps(folder, suffix, problem, field, grid, predicted, exact, error, reference.Source);
            else
                Curves(Path.Combine(folder, $"prediction{suffix}.png"), problem, field, reference, predicted, exact, error);
        }
    }

    private static void Heatmaps(string folder, string suffix, string problem, string field, ReferenceGrid grid,
        double[] predicted, double[] exact, double error, string source)
    {
        var last = grid.Axes.Skip(2).Select(a => a.Length - 1).ToArray();
        string at = string.Concat(grid.Coordinates.Skip(2).Zip(grid.Axes.Skip(2), (c, a) => string.Create(CultureInfo.InvariantCulture, $", {c} = {a[^1]:G4}")));
        var absolute = predicted.Zip(exact, (p, e) => Math.Abs(p - e)).ToArray();
        string x = grid.Coordinates[0], y = grid.Coordinates[1];
        Plots.Heatmap(Path.Combine(folder, $"prediction{suffix}.png"), grid.Axes[0], grid.Axes[1], grid.Slice(predicted, last),
            $"{problem}: PINN prediction {field}({x}, {y}){at}", x, y, symmetricColorScale: true);
        Plots.Heatmap(Path.Combine(folder, $"reference{suffix}.png"), grid.Axes[0], grid.Axes[1], grid.Slice(exact, last),
            $"{problem}: reference {field} ({source}){at}", x, y, symmetricColorScale: true);
        Plots.Heatmap(Path.Combine(folder, $"error{suffix}.png"), grid.Axes[0], grid.Axes[1], grid.Slice(absolute, last),
            string.Create(CultureInfo.InvariantCulture, $"|{field} prediction - reference|{at}, relative L2 = {error:E2}"), x, y);
    }

    /// <summary>Along the coordinate of a 1D grid, or along the point index of a scattered reference.</summary>
    private static void Curves(string path, string problem, string field, ReferenceSolution reference, double[] predicted, double[] exact, double error)
    {
        var given = Enumerable.Range(0, exact.Length).Where(k => !double.IsNaN(exact[k])).ToArray();
        bool alongAxis = reference.Grid is { Axes.Length: 1 };
        var position = given.Select(k => alongAxis ? reference.Points[k, 0] : k).ToArray();
        Plots.Lines(path, string.Create(CultureInfo.InvariantCulture, $"{problem}: {field}, relative L2 = {error:E2}"),
            alongAxis ? reference.Grid!.Coordinates[0] : "reference point", field,
        [
            ("PINN", position, given.Select(k => predicted[k]).ToArray()),
            ($"reference ({reference.Source})", position, given.Select(k => exact[k]).ToArray()),
        ]);
    }
}
