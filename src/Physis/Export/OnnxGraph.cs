using System.Runtime.InteropServices;
using Google.Protobuf;
using Physis.Export.Onnx;
using Physis.Infrastructure;
using static TorchSharp.torch;

namespace Physis.Export;

/// <summary>
/// Builds one ONNX graph in the default domain at <see cref="Opset"/>: float32 inputs and outputs, constants as
/// initializers, every node with one output named after it. Methods return the name of the value they produce.
/// </summary>
internal sealed class OnnxGraph
{
    /// <summary>The first opset with the DFT operator that spectral convolutions need.</summary>
    public const int Opset = 17;
    /// <summary>The IR version that goes with opset 17.</summary>
    private const int IrVersion = 8;

    private readonly GraphProto graph;
    private int count;

    public OnnxGraph(string name) => graph = new GraphProto { Name = name };

    /// <summary>A float32 graph input; a dimension is a size (long) or a symbolic name (string) for a size given at run time.</summary>
    public string Input(string name, params object[] dims)
    {
        graph.Input.Add(ValueInfo(name, dims));
        return name;
    }

    /// <summary>Names <paramref name="value"/> as a float32 graph output.</summary>
    public void Output(string value, string name, params object[] dims)
    {
        graph.Node.Add(new NodeProto { OpType = "Identity", Name = name, Input = { value }, Output = { name } });
        graph.Output.Add(ValueInfo(name, dims));
    }

    private static ValueInfoProto ValueInfo(string name, object[] dims)
    {
        var shape = new TensorShapeProto();
        foreach (var dim in dims)
            shape.Dim.Add(dim switch
            {
                string symbol => new TensorShapeProto.Types.Dimension { DimParam = symbol },
                _ => new TensorShapeProto.Types.Dimension { DimValue = Convert.ToInt64(dim, System.Globalization.CultureInfo.InvariantCulture) },
            });
        var type = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape };
        return new ValueInfoProto { Name = name, Type = new TypeProto { TensorType = type } };
    }

    /// <summary>A float32 constant with the values and shape of <paramref name="value"/> (any precision, any device).</summary>
    public string Constant(Tensor value, string hint)
    {
        using var cpu = value.detach().to(ScalarType.Float32, CPU).contiguous();
        return Constant(cpu.data<float>().ToArray(), cpu.shape, hint);
    }

    public string Constant(float[] values, long[] dims, string hint) =>
        Initializer(TensorProto.Types.DataType.Float, MemoryMarshal.AsBytes(values.AsSpan()), dims, hint);

    /// <summary>A float32 scalar constant.</summary>
    public string Scalar(double value) => Constant([(float)value], [], "c");

    /// <summary>A float64 scalar constant, for size arithmetic that must round as C# does.</summary>
    public string Float64(double value) =>
        Initializer(TensorProto.Types.DataType.Double, MemoryMarshal.AsBytes(new[] { value }.AsSpan()), [], "d");

    /// <summary>A 1D int64 constant (shapes, axes, indices).</summary>
    public string Ints(params long[] values) =>
        Initializer(TensorProto.Types.DataType.Int64, MemoryMarshal.AsBytes(values.AsSpan()), [values.Length], "i");

    private string Initializer(TensorProto.Types.DataType type, ReadOnlySpan<byte> data, long[] dims, string hint)
    {
        if (!BitConverter.IsLittleEndian) throw new PlatformNotSupportedException("ONNX raw tensor data is little-endian.");
        string name = Fresh(hint);
        var tensor = new TensorProto { Name = name, DataType = (int)type, RawData = ByteString.CopyFrom(data) };
        tensor.Dims.Add(dims);
        graph.Initializer.Add(tensor);
        return name;
    }

    private string Fresh(string hint) => $"{hint}_{count++}";

    /// <summary>A node of <paramref name="op"/> with one output.</summary>
    public string Node(string op, IEnumerable<string> inputs, params (string Name, object Value)[] attributes)
    {
        string output = Fresh(op);
        var node = new NodeProto { OpType = op, Name = output, Input = { inputs }, Output = { output } };
        foreach (var (name, value) in attributes) node.Attribute.Add(Attribute(name, value));
        graph.Node.Add(node);
        return output;
    }

    private static AttributeProto Attribute(string name, object value) => value switch
    {
        long i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        int i => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Int, I = i },
        float f => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Float, F = f },
        long[] ints => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.Ints, Ints = { ints } },
        string text => new AttributeProto { Name = name, Type = AttributeProto.Types.AttributeType.String, S = ByteString.CopyFromUtf8(text) },
        _ => throw new ArgumentException($"No ONNX attribute type for {value.GetType().Name}."),
    };

    public string Add(string a, string b) => Node("Add", [a, b]);
    public string Sub(string a, string b) => Node("Sub", [a, b]);
    public string Mul(string a, string b) => Node("Mul", [a, b]);
    public string Div(string a, string b) => Node("Div", [a, b]);
    public string MatMul(string a, string b) => Node("MatMul", [a, b]);
    public string Unary(string op, string x) => Node(op, [x]);
    public string Concat(IEnumerable<string> parts, long axis) => Node("Concat", parts, ("axis", axis));
    public string Unsqueeze(string x, params long[] axes) => Node("Unsqueeze", [x, Ints(axes)]);
    public string Squeeze(string x, params long[] axes) => Node("Squeeze", [x, Ints(axes)]);
    public string Reshape(string x, params long[] shape) => Node("Reshape", [x, Ints(shape)]);
    public string Transpose(string x, params long[] perm) => Node("Transpose", [x], ("perm", perm));

    /// <summary>x[start:end] along each of <paramref name="axes"/>, with constant bounds.</summary>
    public string Slice(string x, long[] starts, long[] ends, long[] axes) => Node("Slice", [x, Ints(starts), Ints(ends), Ints(axes)]);

    /// <summary>The sizes of axes [start, end) of <paramref name="x"/>, as a 1D int64 value.</summary>
    public string Shape(string x, long start, long end) => Node("Shape", [x], ("start", start), ("end", end));

    /// <summary>Columns [start, start + count) of a matrix [n, d].</summary>
    public string Columns(string x, int start, int count = 1) => Slice(x, [start], [start + count], [1]);

    /// <summary>x W^T + b for x [n, in], W [out, in], b [out].</summary>
    public string Linear(string x, Tensor weight, Tensor bias, string hint) =>
        Node("Gemm", [x, Constant(weight, hint + "_weight"), Constant(bias, hint + "_bias")], ("transB", 1L));

    /// <summary>The serialised model: this graph, the opset it needs and a note of what it is.</summary>
    public byte[] ToModel(string description)
    {
        var model = new ModelProto
        {
            IrVersion = IrVersion,
            ProducerName = "Physis",
            ProducerVersion = typeof(OnnxGraph).Assembly.GetName().Version?.ToString() ?? "",
            DocString = description,
            Graph = graph,
        };
        model.OpsetImport.Add(new OperatorSetIdProto { Domain = "", Version = Opset });
        return model.ToByteArray();
    }

    /// <summary>Writes the model to <paramref name="path"/> atomically.</summary>
    public void Write(string path, string description) => AtomicFile.WriteAllBytes(path, ToModel(description));
}
