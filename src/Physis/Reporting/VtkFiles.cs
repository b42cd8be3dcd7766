using System.Buffers.Binary;
using System.Globalization;
using System.Text;
using System.Xml;
using Physis.Infrastructure;

namespace Physis.Reporting;

/// <summary>
/// VTK XML files for ParaView, each written atomically: a RectilinearGrid (.vtr) for values on a tensor-product grid of
/// one to three axes, an UnstructuredGrid of vertices (.vtu) for scattered points, and a collection (.pvd) that joins a
/// series of grids into one data set with a time slider. Arrays are inline "binary": Float64 values, little-endian,
/// base64-encoded together with a UInt64 byte count in front.
/// </summary>
public static class VtkFiles
{
    private static readonly string[] AxisNames = ["x", "y", "z"];

    /// <param name="path">The .vtr file.</param>
    /// <param name="axes">One to three coordinate axes; the grid is flat (one point at 0) in the missing ones.</param>
    /// <param name="arrays">Point data: one value per grid point each, the first axis fastest (as <c>ReferenceGrid</c> orders them).</param>
    public static void WriteGrid(string path, IReadOnlyList<double[]> axes, IReadOnlyList<(string Name, double[] Values)> arrays)
    {
        if (axes.Count is < 1 or > 3) throw new ArgumentException($"A VTK grid has one to three axes; got {axes.Count}.");
        if (axes.Any(a => a.Length == 0)) throw new ArgumentException("Every axis of a VTK grid needs at least one point.");
        CheckArrays(arrays, axes.Aggregate(1L, (n, a) => n * a.Length));
        var padded = Enumerable.Range(0, 3).Select(d => d < axes.Count ? axes[d] : [0.0]).ToArray();
        string extent = string.Join(" ", padded.Select(a => $"0 {a.Length - 1}"));
        Write(path, "RectilinearGrid", xml =>
        {
            xml.WriteStartElement("RectilinearGrid");
            xml.WriteAttributeString("WholeExtent", extent);
            xml.WriteStartElement("Piece");
            xml.WriteAttributeString("Extent", extent);
            PointData(xml, arrays);
            xml.WriteStartElement("Coordinates");
            for (int d = 0; d < 3; d++) DataArray(xml, AxisNames[d], "Float64", 1, Float64Bytes(padded[d]));
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndElement();
        });
    }

    /// <param name="path">The .vtu file.</param>
    /// <param name="points">One row per point with one to three coordinates (the missing ones are 0); each point is a vertex cell.</param>
    /// <param name="arrays">Point data: one value per point each.</param>
    public static void WritePoints(string path, double[,] points, IReadOnlyList<(string Name, double[] Values)> arrays)
    {
        int n = points.GetLength(0), dimension = points.GetLength(1);
        if (dimension is < 1 or > 3) throw new ArgumentException($"VTK points have one to three coordinates; got {dimension}.");
        CheckArrays(arrays, n);
        var xyz = new double[3 * n];
        for (int k = 0; k < n; k++)
            for (int d = 0; d < dimension; d++) xyz[3 * k + d] = points[k, d];
        var connectivity = new byte[8 * n];
        var offsets = new byte[8 * n];
        for (int k = 0; k < n; k++)
        {
            BinaryPrimitives.WriteInt64LittleEndian(connectivity.AsSpan(8 * k), k);
            BinaryPrimitives.WriteInt64LittleEndian(offsets.AsSpan(8 * k), k + 1);
        }
        const byte vertex = 1;
        Write(path, "UnstructuredGrid", xml =>
        {
            xml.WriteStartElement("UnstructuredGrid");
            xml.WriteStartElement("Piece");
            xml.WriteAttributeString("NumberOfPoints", n.ToString(CultureInfo.InvariantCulture));
            xml.WriteAttributeString("NumberOfCells", n.ToString(CultureInfo.InvariantCulture));
            PointData(xml, arrays);
            xml.WriteStartElement("Points");
            DataArray(xml, "Points", "Float64", 3, Float64Bytes(xyz));
            xml.WriteEndElement();
            xml.WriteStartElement("Cells");
            DataArray(xml, "connectivity", "Int64", 1, connectivity);
            DataArray(xml, "offsets", "Int64", 1, offsets);
            DataArray(xml, "types", "UInt8", 1, Enumerable.Repeat(vertex, n).ToArray());
            xml.WriteEndElement();
            xml.WriteEndElement();
            xml.WriteEndElement();
        });
    }

    /// <summary>
    /// A series of grids on the same axes as one .pvd: step k goes to FOLDER/step_k.vtr, where FOLDER is the .pvd's path
    /// without its extension, and is shown at <paramref name="times"/>[k] (a time, or a sample number). The .pvd is
    /// written last, so it never names a step that is not there.
    /// </summary>
    /// <param name="arrays">The point data of step k, as for <see cref="WriteGrid"/>.</param>
    public static void WriteGridSeries(string path, IReadOnlyList<double[]> axes, IReadOnlyList<double> times,
        Func<int, IReadOnlyList<(string Name, double[] Values)>> arrays)
    {
        if (times.Count == 0) throw new ArgumentException("A VTK series needs at least one step.");
        string folder = Path.GetFileNameWithoutExtension(path);
        var files = new List<(double, string)>();
        for (int k = 0; k < times.Count; k++)
        {
            string file = $"{folder}/step_{k.ToString("D4", CultureInfo.InvariantCulture)}.vtr";
            WriteGrid(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(path))!, file), axes, arrays(k));
            files.Add((times[k], file));
        }
        WriteCollection(path, files);
    }

    /// <summary>A .pvd collection: each file (relative to the .pvd's folder) shown at its time step.</summary>
    public static void WriteCollection(string path, IReadOnlyList<(double Time, string File)> steps) =>
        Write(path, "Collection", xml =>
        {
            xml.WriteStartElement("Collection");
            foreach (var (time, file) in steps)
            {
                xml.WriteStartElement("DataSet");
                xml.WriteAttributeString("timestep", time.ToString("R", CultureInfo.InvariantCulture));
                xml.WriteAttributeString("part", "0");
                xml.WriteAttributeString("file", file);
                xml.WriteEndElement();
            }
            xml.WriteEndElement();
        });

    /// <summary>
    /// Values stored row-major over <paramref name="shape"/> (the last axis fastest, as NumPy and HDF5 store them)
    /// reordered with the first axis fastest, as VTK reads point data.
    /// </summary>
    public static double[] FirstAxisFastest(ReadOnlySpan<double> values, IReadOnlyList<int> shape)
    {
        int count = shape.Aggregate(1, (n, length) => n * length);
        if (values.Length != count)
            throw new ArgumentException($"A [{string.Join(", ", shape)}] array has {count} values; got {values.Length}.");
        var reordered = new double[count];
        var index = new int[shape.Count];
        for (int k = 0; k < count; k++)
        {
            int target = 0;
            for (int d = shape.Count - 1; d >= 0; d--) target = target * shape[d] + index[d];
            reordered[target] = values[k];
            for (int d = shape.Count - 1; d >= 0 && ++index[d] == shape[d]; d--) index[d] = 0;
        }
        return reordered;
    }

    private static void CheckArrays(IReadOnlyList<(string Name, double[] Values)> arrays, long points)
    {
        foreach (var (name, values) in arrays)
            if (values.LongLength != points)
                throw new ArgumentException($"VTK array '{name}' has {values.LongLength} values for {points} points.");
        if (arrays.Select(a => a.Name).Distinct().Count() != arrays.Count)
            throw new ArgumentException($"VTK array names must differ: {string.Join(", ", arrays.Select(a => a.Name))}.");
    }

    private static void Write(string path, string type, Action<XmlWriter> content) =>
        AtomicFile.Write(path, stream =>
        {
            var settings = new XmlWriterSettings { Indent = true, Encoding = new UTF8Encoding(false) };
            using var xml = XmlWriter.Create(stream, settings);
            xml.WriteStartElement("VTKFile");
            xml.WriteAttributeString("type", type);
            xml.WriteAttributeString("version", "1.0");
            xml.WriteAttributeString("byte_order", "LittleEndian");
            xml.WriteAttributeString("header_type", "UInt64");
            content(xml);
            xml.WriteEndElement();
        });

    private static void PointData(XmlWriter xml, IReadOnlyList<(string Name, double[] Values)> arrays)
    {
        xml.WriteStartElement("PointData");
        if (arrays.Count > 0) xml.WriteAttributeString("Scalars", arrays[0].Name);
        foreach (var (name, values) in arrays) DataArray(xml, name, "Float64", 1, Float64Bytes(values));
        xml.WriteEndElement();
    }

    private static byte[] Float64Bytes(double[] values)
    {
        var bytes = new byte[8 * values.Length];
        for (int k = 0; k < values.Length; k++) BinaryPrimitives.WriteDoubleLittleEndian(bytes.AsSpan(8 * k), values[k]);
        return bytes;
    }

    /// <summary>Uncompressed binary data: the byte count and the bytes are base64-encoded as one block.</summary>
    private static void DataArray(XmlWriter xml, string name, string type, int components, byte[] data)
    {
        xml.WriteStartElement("DataArray");
        xml.WriteAttributeString("type", type);
        xml.WriteAttributeString("Name", name);
        xml.WriteAttributeString("NumberOfComponents", components.ToString(CultureInfo.InvariantCulture));
        xml.WriteAttributeString("format", "binary");
        var block = new byte[8 + data.Length];
        BinaryPrimitives.WriteUInt64LittleEndian(block, (ulong)data.Length);
        data.CopyTo(block, 8);
        xml.WriteBase64(block, 0, block.Length);
        xml.WriteEndElement();
    }
}
