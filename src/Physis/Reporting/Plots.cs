using Physis.Infrastructure;
using ScottPlot;

namespace Physis.Reporting;

/// <summary>PNG figures of fields and curves (ScottPlot), written atomically.</summary>
public static class Plots
{
    public const int DefaultWidth = 800;
    public const int DefaultHeight = 600;

    /// <summary>
    /// A field on a regular grid: x runs to the right, y upwards, each value fills the cell centred on its grid point,
    /// with a colorbar on the right.
    /// </summary>
    /// <param name="values">Indexed [y index, x index]; NaN marks a cell outside the domain (drawn blank).</param>
    /// <param name="symmetricColorScale">Centre a diverging colormap on 0 (for signed fields such as velocities or errors).</param>
    public static void Heatmap(string path, double[] x, double[] y, double[,] values, string title, string xLabel, string yLabel,
        bool symmetricColorScale = false, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(values);
        CheckRegularGrid(x, nameof(x));
        CheckRegularGrid(y, nameof(y));
        if (values.GetLength(0) != y.Length || values.GetLength(1) != x.Length)
            throw new ArgumentException(
                $"Heatmap values must be indexed [y, x] with shape [{y.Length}, {x.Length}]; "
                + $"got [{values.GetLength(0)}, {values.GetLength(1)}].", nameof(values));
        double largest = 0;
        int inside = 0;
        foreach (double value in values)
        {
            if (double.IsNaN(value)) continue;
            if (!double.IsFinite(value))
                throw new ArgumentException($"Heatmap values must be finite or NaN (outside the domain); found {value}.", nameof(values));
            largest = Math.Max(largest, Math.Abs(value));
            inside++;
        }
        if (inside == 0) throw new ArgumentException("Heatmap values are all NaN: nothing to draw.", nameof(values));

        using var plot = NewPlot(title, xLabel, yLabel);
        var heatmap = plot.Add.Heatmap(values);
        // Position names the centres of the corner cells; ScottPlot draws row 0 at the top unless flipped.
        heatmap.Position = new CoordinateRect(x[0], x[^1], y[0], y[^1]);
        heatmap.FlipVertically = true;
        if (symmetricColorScale)
        {
            heatmap.Colormap = new ScottPlot.Colormaps.Balance();
            heatmap.ManualRange = new ScottPlot.Range(-largest, largest);
        }
        else
        {
            heatmap.Colormap = new ScottPlot.Colormaps.Viridis();
        }
        plot.Add.ColorBar(heatmap, Edge.Right);
        plot.Axes.TightMargins();
        Save(plot, path, width, height);
    }

    /// <summary>
    /// Curves with a legend. With <paramref name="logY"/> the y-axis is logarithmic (log10 of the values is drawn, with ticks
    /// labelled as powers of ten and log-spaced minor ticks), for loss and error histories.
    /// </summary>
    public static void Lines(string path, string title, string xLabel, string yLabel,
        IEnumerable<(string Label, double[] X, double[] Y)> series, bool logY = false, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(series);
        var curves = series.ToList();
        if (curves.Count == 0) throw new ArgumentException("Lines needs at least one series to draw.", nameof(series));

        using var plot = NewPlot(title, xLabel, yLabel);
        foreach (var (label, xs, ys) in curves)
        {
            if (xs is null || ys is null || xs.Length != ys.Length || xs.Length == 0)
                throw new ArgumentException($"Series '{label}' needs X and Y of the same, non-zero length; got {xs?.Length} and {ys?.Length}.",
                    nameof(series));
            for (int i = 0; i < xs.Length; i++)
            {
                if (!double.IsFinite(xs[i]) || !double.IsFinite(ys[i]))
                    throw new ArgumentException($"Series '{label}' has a non-finite point ({xs[i]}, {ys[i]}) at index {i}.", nameof(series));
                if (logY && ys[i] <= 0)
                    throw new ArgumentException($"Series '{label}' has y = {ys[i]} at index {i}, which a logarithmic axis cannot show; "
                        + "plot it with logY: false.", nameof(series));
            }
            var line = plot.Add.ScatterLine(xs, logY ? Array.ConvertAll(ys, Math.Log10) : ys);
            line.LegendText = label;
            line.LineWidth = 2;
        }
        if (logY)
        {
            plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
            {
                IntegerTicksOnly = true,
                MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
                LabelFormatter = PowerOfTen,
            };
        }
        plot.ShowLegend(Alignment.UpperRight);
        Save(plot, path, width, height);
    }

    /// <summary>Labels the exponent k as 10^k with superscript digits.</summary>
    private static string PowerOfTen(double exponent)
    {
        const string superscripts = "⁰¹²³⁴⁵⁶⁷⁸⁹";
        string digits = ((long)Math.Round(exponent)).ToString(System.Globalization.CultureInfo.InvariantCulture);
        return "10" + string.Concat(digits.Select(c => c == '-' ? '⁻' : superscripts[c - '0']));
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel)
    {
        var plot = new Plot();
        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        return plot;
    }

    private static void Save(Plot plot, string path, int width, int height)
    {
        if (width < 100 || height < 100 || width > 10_000 || height > 10_000)
            throw new ArgumentOutOfRangeException(nameof(width), $"Image size {width} x {height} is outside 100 to 10000 pixels per side.");
        var png = plot.GetImageBytes(width, height, ImageFormat.Png);
        try
        {
            AtomicFile.WriteAllBytes(path, png);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Could not write the plot to '{path}': {e.Message} Choose a writable output folder.", e);
        }
    }

    private static void CheckRegularGrid(double[] coordinates, string name)
    {
        ArgumentNullException.ThrowIfNull(coordinates, name);
        if (coordinates.Length < 2) throw new ArgumentException($"The {name} grid needs at least 2 points; got {coordinates.Length}.", name);
        double step = (coordinates[^1] - coordinates[0]) / (coordinates.Length - 1);
        if (!(step > 0) || !double.IsFinite(step))
            throw new ArgumentException($"The {name} grid must be finite and increasing, from {coordinates[0]} to {coordinates[^1]}.", name);
        for (int i = 1; i < coordinates.Length; i++)
            if (Math.Abs(coordinates[i] - coordinates[0] - i * step) > 1e-6 * step)
                throw new ArgumentException($"The {name} grid must be evenly spaced (a heatmap draws equal cells); "
                    + $"point {i} is {coordinates[i]}, expected {coordinates[0] + i * step}.", name);
    }
}
