using System.Globalization;
using System.Xml.Linq;
using Physis.Data;
using Physis.Data.Datasets;
using Physis.Data.NumPy;
using Physis.Tests.Reporting;

namespace Physis.Tests.Cli;

/// <summary>The ParaView files of solve, predict and plot-dataset, read back and compared with the run's other outputs.</summary>
public sealed class ParaViewCommandTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("physis-paraview-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_folder.FullName, name);

    private static void Succeeds((int ExitCode, string Output, string Error) result) => Assert.True(result.ExitCode == 0, result.Error);

    private static string[] Solve(string problem, string folder) =>
        ["solve", problem, "--iterations", "2", "--lbfgs-iterations", "0", "--domain-points", "50", "--out", folder];

    /// <summary>The steps of a .pvd: time and file (relative to the .pvd's folder).</summary>
    private static List<(double Time, string File)> Steps(string pvd) =>
        [.. XDocument.Load(pvd).Root!.Descendants("DataSet")
            .Select(s => (double.Parse((string)s.Attribute("timestep")!, CultureInfo.InvariantCulture), (string)s.Attribute("file")!))];

    [Fact]
    public void SolveWritesASpaceTimeProblemAsOneGridPerTimeAndANewRunClearsIt()
    {
        string folder = PathOf("heat");
        Succeeds(InProcessCli.Physis(Solve("heat-2d", folder)));
        var npz = Npz.Read(Path.Combine(folder, "prediction.npz"));
        double[] x = npz["x"].ToDoubles(), y = npz["y"].ToDoubles(), t = npz["t"].ToDoubles(), u = npz["u"].ToDoubles();
        var steps = Steps(Path.Combine(folder, "solution.pvd"));
        Assert.Equal(t, steps.Select(s => s.Time));
        int slice = x.Length * y.Length;
        for (int k = 0; k < t.Length; k += t.Length - 1)
        {
            var file = new VtkRead(Path.Combine(folder, steps[k].File));
            Assert.Equal($"0 {x.Length - 1} 0 {y.Length - 1} 0 0", (string?)file.Piece.Attribute("Extent"));
            Assert.Equal(x, file.Doubles("x", "Coordinates"));
            Assert.Equal(y, file.Doubles("y", "Coordinates"));
            Assert.Equal(["u_prediction", "u_reference", "u_error"], file.PointArrays);
            // prediction.npz holds u[t, y, x]: a time's slice is contiguous, x fastest as in VTK.
            var predicted = file.Doubles("u_prediction");
            Assert.Equal(u.AsSpan(k * slice, slice).ToArray(), predicted);
            Assert.Equal(predicted.Zip(file.Doubles("u_reference"), (p, e) => Math.Abs(p - e)), file.Doubles("u_error"));
        }

        Succeeds(InProcessCli.Physis(Solve("helmholtz", folder)));
        Assert.False(File.Exists(Path.Combine(folder, "solution.pvd")));
        Assert.False(Directory.Exists(Path.Combine(folder, "solution")));
        var plane = new VtkRead(Path.Combine(folder, "solution.vtr"));
        npz = Npz.Read(Path.Combine(folder, "prediction.npz"));
        Assert.Equal(npz["y"].ToDoubles(), plane.Doubles("y", "Coordinates"));
        Assert.Equal(npz["u"].ToDoubles(), plane.Doubles("u_prediction"));
    }

    [Fact]
    public void SolveWritesOneSpaceDimensionAndTimeAsAPlaneAndScatteredReferencePointsAsVertices()
    {
        string burgers = PathOf("burgers"), cavity = PathOf("cavity");
        Succeeds(InProcessCli.Physis(Solve("burgers", burgers)));
        var npz = Npz.Read(Path.Combine(burgers, "prediction.npz"));
        var plane = new VtkRead(Path.Combine(burgers, "solution.vtr"));
        Assert.Equal(npz["x"].ToDoubles(), plane.Doubles("x", "Coordinates"));
        Assert.Equal(npz["t"].ToDoubles(), plane.Doubles("y", "Coordinates"));
        Assert.Equal(npz["u"].ToDoubles(), plane.Doubles("u_prediction"));

        Succeeds(InProcessCli.Physis(Solve("cavity", cavity)));
        npz = Npz.Read(Path.Combine(cavity, "prediction.npz"));
        var points = npz["points"];
        int n = points.Shape[0];
        var vertices = new VtkRead(Path.Combine(cavity, "solution.vtu"));
        Assert.Equal(n.ToString(CultureInfo.InvariantCulture), (string?)vertices.Piece.Attribute("NumberOfPoints"));
        var xyz = vertices.Doubles("Points");
        var xy = points.ToDoubles();
        Assert.Equal(Enumerable.Range(0, n).SelectMany(k => new[] { xy[2 * k], xy[2 * k + 1], 0 }), xyz);
        Assert.Equal(npz["v"].ToDoubles(), vertices.Doubles("v_prediction"));
        Assert.Contains("v_reference", vertices.PointArrays);
    }

    /// <summary>A 2D dataset whose values say where they are: input 100 s + 10 x + y, target its negative.</summary>
    private static OperatorDataset Plane2D(int samples)
    {
        double[] x = [0, 0.25, 0.5, 0.75], y = [0, 0.5, 1, 1.5];
        var inputs = new double[samples * x.Length * y.Length];
        for (int s = 0; s < samples; s++)
            for (int i = 0; i < x.Length; i++)
                for (int j = 0; j < y.Length; j++) inputs[(s * x.Length + i) * y.Length + j] = 100 * s + 10 * x[i] + y[j] + 1;
        return new OperatorDataset(inputs, [.. inputs.Select(v => -v)], samples, [x, y]);
    }

    [Fact]
    public void PredictWritesTheAskedSamplesWithTheirNumbersInTheFile()
    {
        string data = PathOf("plane.h5"), model = PathOf("model"), output = PathOf("predict");
        Plane2D(6).Write(data);
        Succeeds(InProcessCli.Physis("train-operator", "fno", "--data", data, "--epochs", "1", "--modes", "1,1", "--width", "4", "--test", "2",
            "--out", model));
        var refused = InProcessCli.Physis("predict", "--model", model, "--data", data, "--samples", "3", "--vtk", "4", "--out", output);
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("error: --vtk must lie in [1, 3] (the samples evaluated); got 4.", refused.Error.Trim());
        Assert.False(Directory.Exists(output));

        Succeeds(InProcessCli.Physis("predict", "--model", model, "--data", data, "--samples", "3", "--vtk", "2", "--out", output));
        var steps = Steps(Path.Combine(output, "predict_4x4.pvd"));
        Assert.Equal([3.0, 4.0], steps.Select(s => s.Time));
        var file = new VtkRead(Path.Combine(output, steps[1].File));
        Assert.Equal(["input", "prediction", "target", "error"], file.PointArrays);
        Assert.Equal([0, 0.25, 0.5, 0.75], file.Doubles("x", "Coordinates"));
        // Sample 4 at VTK's point order, x fastest.
        double[] input = [.. new[] { 0, 0.5, 1, 1.5 }.SelectMany(y => new[] { 0, 0.25, 0.5, 0.75 }.Select(x => 400 + 10 * x + y + 1))];
        Assert.Equal(input, file.Doubles("input"));
        Assert.Equal(input.Select(v => -v), file.Doubles("target"));
        Assert.Equal(file.Doubles("prediction").Zip(file.Doubles("target"), (p, t) => p - t), file.Doubles("error"));
    }

    [Fact]
    public void PlotDatasetExportsTheFirstSamplesOneStepPerOutputTime()
    {
        string data = PathOf("trajectories.h5");
        double[] x = [0, 0.5], y = [0, 1, 2], t = [0.1, 0.2];
        int samples = 4, n = x.Length * y.Length;
        // input[s, i, j] = 10 s + 3 i + j (row-major over [x, y]); tensor[s, k, i, j] = that times 100 (k + 1).
        var input = Enumerable.Range(0, samples * n).Select(v => (double)(10 * (v / n) + v % n)).ToArray();
        var tensor = Enumerable.Range(0, samples).SelectMany(s => t.Select((_, k) => (s, k)))
            .SelectMany(p => input.AsSpan(p.s * n, n).ToArray().Select(v => v * 100 * (p.k + 1))).ToArray();
        var header = new DatasetHeader("test", "u_t = 0", new Dictionary<string, double>(), 0, "1", 5, 9, 9, [x.Length, y.Length], x, y, t);
        DatasetFile.Write(data, header, input, tensor);

        var refused = InProcessCli.Physis("plot-dataset", data, "--out", PathOf("samples.vtk"));
        Assert.Equal(2, refused.ExitCode);
        Assert.Equal("error: --out must name a .png or .pvd file; got '" + PathOf("samples.vtk") + "'.", refused.Error.Trim());

        Succeeds(InProcessCli.Physis("plot-dataset", data, "--out", PathOf("samples.pvd")));
        var steps = Steps(PathOf("samples.pvd"));
        Assert.Equal(t, steps.Select(s => s.Time));
        var last = new VtkRead(PathOf(steps[1].File));
        Assert.Equal(["input_5", "input_6", "input_7", "solution_5", "solution_6", "solution_7"], last.PointArrays);
        Assert.Equal(y, last.Doubles("y", "Coordinates"));
        // Sample 6 (the file's second) with x fastest: 10 + 3 i + j.
        double[] second = [10, 13, 11, 14, 12, 15];
        Assert.Equal(second, last.Doubles("input_6"));
        Assert.Equal(second.Select(v => v * 200), last.Doubles("solution_6"));
    }
}
