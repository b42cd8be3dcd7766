using System.Buffers.Binary;
using Physis.Reporting;
using SkiaSharp;

namespace Physis.Tests.Reporting;

public sealed class PlotsTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("physis-plots-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_folder.FullName, name);

    private static double[] Linspace(double start, double stop, int count) =>
        Enumerable.Range(0, count).Select(i => start + (stop - start) * i / (count - 1)).ToArray();

    /// <summary>Checks the PNG signature and reads width and height from the IHDR chunk that must follow it.</summary>
    private static (int Width, int Height) PngSize(string path)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.Equal(new byte[] { 0x89, (byte)'P', (byte)'N', (byte)'G', 0x0D, 0x0A, 0x1A, 0x0A }, bytes[..8]);
        Assert.Equal("IHDR"u8.ToArray(), bytes[12..16]);
        return (BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)), BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }

    [Fact]
    public void HeatmapIsPngWithYUpwardsAndXRightwards()
    {
        var x = Linspace(-1, 1, 40);
        var y = Linspace(0, 1, 30);
        var rising = new double[y.Length, x.Length];
        var rightward = new double[y.Length, x.Length];
        for (int j = 0; j < y.Length; j++)
            for (int i = 0; i < x.Length; i++)
            {
                rising[j, i] = y[j];
                rightward[j, i] = x[i];
            }
        Plots.Heatmap(PathOf("rising.png"), x, y, rising, "u = y", "x", "y");
        Plots.Heatmap(PathOf("rightward.png"), x, y, rightward, "u = x", "x", "y", symmetricColorScale: true, width: 640, height: 480);
        Assert.Equal((Plots.DefaultWidth, Plots.DefaultHeight), PngSize(PathOf("rising.png")));
        Assert.Equal((640, 480), PngSize(PathOf("rightward.png")));

        // Viridis runs from dark purple (low) to yellow (high): the top of the data area must be the bright end.
        using (var image = SKBitmap.Decode(PathOf("rising.png")))
        {
            var top = image.GetPixel(image.Width * 2 / 5, image.Height / 4);
            var bottom = image.GetPixel(image.Width * 2 / 5, image.Height * 3 / 4);
            Assert.True(top.Green > bottom.Green + 100, $"top {top} should be brighter than bottom {bottom}");
        }
        // The diverging map is blue for negative, red for positive values: left blue, right red.
        using (var image = SKBitmap.Decode(PathOf("rightward.png")))
        {
            var left = image.GetPixel(image.Width / 5, image.Height / 2);
            var right = image.GetPixel(image.Width * 3 / 5, image.Height / 2);
            Assert.True(left.Blue > left.Red && right.Red > right.Blue, $"left {left} should be blue and right {right} red");
        }
    }

    [Fact]
    public void LinesWithLogarithmicAxisArePng()
    {
        var steps = Enumerable.Range(0, 200).Select(i => (double)i).ToArray();
        var loss = steps.Select(s => Math.Exp(-s / 20) + 1e-5).ToArray();
        Plots.Lines(PathOf("loss.png"), "Training loss", "step", "loss",
            [("total", steps, loss), ("residual", steps, loss.Select(v => v / 3).ToArray())], logY: true, width: 500, height: 300);
        Assert.Equal((500, 300), PngSize(PathOf("loss.png")));

        var error = Assert.Throws<ArgumentException>(() => Plots.Lines(PathOf("bad.png"), "t", "x", "y", [("zero", [0.0, 1.0], [1.0, 0.0])],
            logY: true));
        Assert.Contains("'zero'", error.Message);
        Assert.Throws<ArgumentException>(() => Plots.Lines(PathOf("bad.png"), "t", "x", "y", [("short", [0.0, 1.0], [1.0])]));
        Assert.Throws<ArgumentException>(() => Plots.Lines(PathOf("bad.png"), "t", "x", "y", []));
        Assert.False(File.Exists(PathOf("bad.png")));
    }

    [Fact]
    public void HeatmapRejectsMismatchedOrUnevenGrids()
    {
        var x = Linspace(0, 1, 4);
        var y = Linspace(0, 1, 3);
        Assert.Contains("[3, 4]",
            Assert.Throws<ArgumentException>(() => Plots.Heatmap(PathOf("bad.png"), x, y, new double[4, 3], "t", "x", "y")).Message);
        Assert.Contains("evenly spaced",
            Assert.Throws<ArgumentException>(() => Plots.Heatmap(PathOf("bad.png"), [0, 0.1, 1], y, new double[3, 3], "t", "x", "y")).Message);
        Assert.Throws<ArgumentException>(() => Plots.Heatmap(PathOf("bad.png"), x, y,
            new double[3, 4] { { 0, 0, 0, double.PositiveInfinity }, { 0, 0, 0, 0 }, { 0, 0, 0, 0 } }, "t", "x", "y"));
        var outside = new double[3, 4];
        for (int i = 0; i < 3; i++) for (int j = 0; j < 4; j++) outside[i, j] = double.NaN;
        Assert.Contains("all NaN", Assert.Throws<ArgumentException>(() => Plots.Heatmap(PathOf("bad.png"), x, y, outside, "t", "x", "y")).Message);
    }

    [Fact]
    public void HeatmapLeavesNaNCellsBlankForDomainsWithHoles()
    {
        var x = Linspace(-1, 1, 41);
        var values = new double[41, 41];
        for (int i = 0; i < 41; i++)
            for (int j = 0; j < 41; j++)
                values[i, j] = x[i] * x[i] + x[j] * x[j] < 0.25 ? double.NaN : x[j];
        string path = PathOf("hole.png");
        Plots.Heatmap(path, x, x, values, "field with a hole", "x", "y", symmetricColorScale: true);
        Assert.True(new FileInfo(path).Length > 1000);
    }

    [Fact]
    public void UnwritableLocationFailsClearly()
    {
        // A regular file where the output folder should be: no folder can be created there, even as root.
        string blocker = PathOf("not-a-folder");
        File.WriteAllText(blocker, "");
        string path = Path.Combine(blocker, "plot.png");
        var error = Assert.Throws<IOException>(() => Plots.Lines(path, "t", "x", "y", [("a", [0.0, 1.0], [0.0, 1.0])]));
        Assert.Contains(path, error.Message);
        Assert.Equal([blocker], Directory.GetFileSystemEntries(_folder.FullName));
    }
}
