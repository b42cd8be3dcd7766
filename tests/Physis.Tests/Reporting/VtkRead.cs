using System.Buffers.Binary;
using System.Xml.Linq;

namespace Physis.Tests.Reporting;

/// <summary>Reads back what <c>VtkFiles</c> writes: the XML and its inline binary arrays.</summary>
internal sealed class VtkRead
{
    public XElement Root { get; }

    public VtkRead(string path)
    {
        Root = XDocument.Load(path).Root!;
        Assert.Equal("VTKFile", Root.Name.LocalName);
        Assert.Equal("LittleEndian", (string?)Root.Attribute("byte_order"));
        Assert.Equal("UInt64", (string?)Root.Attribute("header_type"));
    }

    public string Type => (string)Root.Attribute("type")!;

    public XElement Piece => Root.Descendants("Piece").Single();

    /// <summary>The decoded bytes of the named array, after checking that its byte count header matches them.</summary>
    public byte[] Bytes(string name, string? under = null)
    {
        var scope = under is null ? Root : Root.Descendants(under).Single();
        var array = scope.Descendants("DataArray").Single(a => (string?)a.Attribute("Name") == name);
        Assert.Equal("binary", (string?)array.Attribute("format"));
        var block = Convert.FromBase64String(array.Value.Trim());
        Assert.Equal((ulong)(block.Length - 8), BinaryPrimitives.ReadUInt64LittleEndian(block));
        return block[8..];
    }

    public double[] Doubles(string name, string? under = null)
    {
        var bytes = Bytes(name, under);
        return [.. Enumerable.Range(0, bytes.Length / 8).Select(k => BinaryPrimitives.ReadDoubleLittleEndian(bytes.AsSpan(8 * k)))];
    }

    public long[] Longs(string name, string? under = null)
    {
        var bytes = Bytes(name, under);
        return [.. Enumerable.Range(0, bytes.Length / 8).Select(k => BinaryPrimitives.ReadInt64LittleEndian(bytes.AsSpan(8 * k)))];
    }

    /// <summary>The point data arrays' names in file order.</summary>
    public string[] PointArrays => [.. Root.Descendants("PointData").Single().Elements("DataArray").Select(a => (string)a.Attribute("Name")!)];
}
