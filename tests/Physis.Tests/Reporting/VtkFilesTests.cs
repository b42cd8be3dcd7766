using System.Globalization;
using System.Xml.Linq;
using Physis.Reporting;
using Physis.Tests.Data;

namespace Physis.Tests.Reporting;

public sealed class VtkFilesTests : IDisposable
{
    private readonly DirectoryInfo _folder = Directory.CreateTempSubdirectory("physis-vtk-");

    public void Dispose() => _folder.Delete(recursive: true);

    private string PathOf(string name) => Path.Combine(_folder.FullName, name);

    private static readonly double[] X = [0.0, 0.25, 1.0];
    private static readonly double[] Y = [-1.0, 2.0];

    /// <summary>u = x + 10 y on X x Y, x fastest.</summary>
    private static double[] Plane() => [.. Y.SelectMany(y => X.Select(x => x + 10 * y))];

    [Fact]
    public void GridHasItsExtentCoordinatesAndValuesWithTheFirstAxisFastest()
    {
        string path = PathOf("plane.vtr");
        VtkFiles.WriteGrid(path, [X, Y], [("u", Plane()), ("nan", [double.NaN, 1, 2, 3, 4, 5])]);
        var file = new VtkRead(path);
        Assert.Equal("RectilinearGrid", file.Type);
        Assert.Equal("0 2 0 1 0 0", (string?)file.Root.Element("RectilinearGrid")!.Attribute("WholeExtent"));
        Assert.Equal("0 2 0 1 0 0", (string?)file.Piece.Attribute("Extent"));
        Assert.Equal(X, file.Doubles("x", "Coordinates"));
        Assert.Equal(Y, file.Doubles("y", "Coordinates"));
        Assert.Equal([0.0], file.Doubles("z", "Coordinates"));
        Assert.Equal(["u", "nan"], file.PointArrays);
        Assert.Equal([-10, -9.75, -9, 20, 20.25, 21], file.Doubles("u", "PointData"));
        Assert.True(double.IsNaN(file.Doubles("nan")[0]));
    }

    [Fact]
    public void PointsAreVertexCellsWithThreeCoordinates()
    {
        string path = PathOf("points.vtu");
        var points = new double[,] { { 0.5, 1 }, { 2, 3 }, { -1, 0 } };
        VtkFiles.WritePoints(path, points, [("p", [1.0, 2, 3])]);
        var file = new VtkRead(path);
        Assert.Equal("UnstructuredGrid", file.Type);
        Assert.Equal("3", (string?)file.Piece.Attribute("NumberOfPoints"));
        Assert.Equal("3", (string?)file.Piece.Attribute("NumberOfCells"));
        Assert.Equal([0.5, 1, 0, 2, 3, 0, -1, 0, 0], file.Doubles("Points"));
        Assert.Equal([0L, 1, 2], file.Longs("connectivity"));
        Assert.Equal([1L, 2, 3], file.Longs("offsets"));
        Assert.Equal([1, 1, 1], file.Bytes("types"));
        Assert.Equal([1.0, 2, 3], file.Doubles("p"));
    }

    [Fact]
    public void SeriesNamesEachStepFileAtItsTime()
    {
        string path = PathOf("series.pvd");
        double[] times = [0, 0.5, 1];
        VtkFiles.WriteGridSeries(path, [X, Y], times, k => [("u", [.. Plane().Select(v => v * k)])]);
        var collection = XDocument.Load(path).Root!;
        Assert.Equal("Collection", (string?)collection.Attribute("type"));
        var steps = collection.Descendants("DataSet").ToList();
        Assert.Equal(times, steps.Select(s => double.Parse((string)s.Attribute("timestep")!, CultureInfo.InvariantCulture)));
        for (int k = 0; k < times.Length; k++)
        {
            string file = (string)steps[k].Attribute("file")!;
            Assert.Equal($"series/step_000{k}.vtr", file);
            Assert.Equal(Plane().Select(v => v * k), new VtkRead(PathOf(file)).Doubles("u"));
        }
    }

    [Fact]
    public void RowMajorValuesAreReorderedWithTheFirstAxisFastest()
    {
        // [2, 3] row-major: a[i, j] = 10 i + j.
        double[] rowMajor = [0, 1, 2, 10, 11, 12];
        Assert.Equal([0.0, 10, 1, 11, 2, 12], VtkFiles.FirstAxisFastest(rowMajor, [2, 3]));
        // [2, 2, 2]: a[i, j, k] = 100 i + 10 j + k, read back with i fastest.
        double[] cube = [0, 1, 10, 11, 100, 101, 110, 111];
        Assert.Equal([0.0, 100, 10, 110, 1, 101, 11, 111], VtkFiles.FirstAxisFastest(cube, [2, 2, 2]));
        Assert.Throws<ArgumentException>(() => VtkFiles.FirstAxisFastest(rowMajor, [4, 2]));
    }

    [Fact]
    public void ArraysOfTheWrongLengthAreRefusedBeforeAnythingIsWritten()
    {
        string path = PathOf("bad.vtr");
        var e = Assert.Throws<ArgumentException>(() => VtkFiles.WriteGrid(path, [X, Y], [("u", [1.0, 2])]));
        Assert.Equal("VTK array 'u' has 2 values for 6 points.", e.Message);
        Assert.Throws<ArgumentException>(() => VtkFiles.WriteGrid(path, [X, Y, X, Y], []));
        Assert.Throws<ArgumentException>(() => VtkFiles.WritePoints(PathOf("bad.vtu"), new double[2, 4], []));
        Assert.Empty(_folder.EnumerateFiles());
    }

    /// <summary>VTK's own XML readers take the files: grid extent and values, points, and the series through the .pvd.</summary>
    [NumPyFact("vtk")]
    public void VtkReadsTheGridThePointsAndTheSeries()
    {
        VtkFiles.WriteGrid(PathOf("plane.vtr"), [X, Y], [("u", Plane())]);
        VtkFiles.WritePoints(PathOf("points.vtu"), new double[,] { { 0.5, 1 }, { 2, 3 } }, [("p", [1.0, 2])]);
        VtkFiles.WriteGridSeries(PathOf("series.pvd"), [X, Y], [0, 2], k => [("u", [.. Plane().Select(v => v + k)])]);
        string output = NumPyFactAttribute.RunPython("""
            import sys, vtk
            from vtk.util.numpy_support import vtk_to_numpy as np_
            folder = sys.argv[1]
            r = vtk.vtkXMLRectilinearGridReader(); r.SetFileName(folder + "/plane.vtr"); r.Update()
            g = r.GetOutput()
            print("dims", *g.GetDimensions())
            print("x", *np_(g.GetXCoordinates())); print("u", *np_(g.GetPointData().GetArray("u")))
            print("point", *g.GetPoint(4))
            r = vtk.vtkXMLUnstructuredGridReader(); r.SetFileName(folder + "/points.vtu"); r.Update()
            g = r.GetOutput()
            print("cells", g.GetNumberOfCells(), g.GetCellType(1), *np_(g.GetPoints().GetData()).ravel())
            import xml.etree.ElementTree as et
            for s in et.parse(folder + "/series.pvd").getroot().iter("DataSet"):
                r = vtk.vtkXMLRectilinearGridReader(); r.SetFileName(folder + "/" + s.get("file")); r.Update()
                print("step", s.get("timestep"), *np_(r.GetOutput().GetPointData().GetArray("u")))
            """, _folder.FullName);
        var lines = output.Trim().Split('\n').Select(l => l.Trim()).ToArray();
        Assert.Equal("dims 3 2 1", lines[0]);
        Assert.Equal("x 0.0 0.25 1.0", lines[1]);
        Assert.Equal("u -10.0 -9.75 -9.0 20.0 20.25 21.0", lines[2]);
        Assert.Equal("point 0.25 2.0 0.0", lines[3]);
        Assert.Equal("cells 2 1 0.5 1.0 0.0 2.0 3.0 0.0", lines[4]);
        Assert.Equal("step 0 -10.0 -9.75 -9.0 20.0 20.25 21.0", lines[5]);
        Assert.Equal("step 2 -9.0 -8.75 -8.0 21.0 21.25 22.0", lines[6]);
    }

    [NumPyFact("meshio")]
    public void MeshioReadsThePoints()
    {
        VtkFiles.WritePoints(PathOf("points.vtu"), new double[,] { { 0.5, 1, 2 }, { 2, 3, 4 } }, [("p", [1.0, -2])]);
        string output = NumPyFactAttribute.RunPython("""
            import sys, meshio
            m = meshio.read(sys.argv[1])
            print(*m.points.ravel(), *m.point_data["p"].ravel(), m.cells[0].type, len(m.cells[0].data))
            """, PathOf("points.vtu"));
        Assert.Equal("0.5 1.0 2.0 2.0 3.0 4.0 1.0 -2.0 vertex 2", output.Trim());
    }
}
