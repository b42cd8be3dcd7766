using System.Globalization;
using Physis.Infrastructure;
using PureHDF;
using PureHDF.Selections;
using PureHDF.VOL.Native;

namespace Physis.Data.Datasets;

/// <summary>
/// Everything a dataset file says about itself besides the samples: which run made it (dataset, PDE parameters,
/// seed, generator version, total samples of the run, grids) and which samples it holds, [SampleStart, SampleEnd).
/// </summary>
public sealed record DatasetHeader(
    string Name,
    string Equation,
    IReadOnlyDictionary<string, double> Parameters,
    long Seed,
    string GeneratorVersion,
    long SampleStart,
    long SampleEnd,
    long SampleTotal,
    int[] InputShape,
    double[] XCoordinate,
    double[]? YCoordinate,
    double[] TimeCoordinate)
{
    public long Count => SampleEnd - SampleStart;

    public int InputLength => InputShape.Aggregate(1, (a, b) => a * b);

    public int TensorLength => TimeCoordinate.Length * InputLength;

    public string Range => $"[{SampleStart}, {SampleEnd})";

    public static DatasetHeader For(DatasetGenerator generator, long seed, long start, long end, long total) =>
        new(generator.Name, generator.Equation, generator.Parameters, seed, DatasetGenerator.Version, start, end, total,
            generator.InputShape, generator.XCoordinate, generator.YCoordinate, generator.TimeCoordinate);

    public DatasetHeader WithRange(long start, long end) => this with { SampleStart = start, SampleEnd = end };

    /// <summary>
    /// The first way in which <paramref name="other"/> comes from a different run, as "what: theirs, expected ours",
    /// or null if it comes from the same one.
    /// </summary>
    public string? RunDifference(DatasetHeader other)
    {
        static string Shape(int[] shape) => string.Join("x", shape);
        if (Name != other.Name) return $"dataset {other.Name}, expected {Name}";
        if (GeneratorVersion != other.GeneratorVersion) return $"generator version {other.GeneratorVersion}, expected {GeneratorVersion}";
        if (Seed != other.Seed) return $"seed {other.Seed}, expected {Seed}";
        if (SampleTotal != other.SampleTotal) return $"a run of {other.SampleTotal} samples, expected {SampleTotal}";
        if (!InputShape.SequenceEqual(other.InputShape)) return $"resolution {Shape(other.InputShape)}, expected {Shape(InputShape)}";
        if (!TimeCoordinate.SequenceEqual(other.TimeCoordinate))
            return $"{other.TimeCoordinate.Length} output times, expected {TimeCoordinate.Length}";
        foreach (var (key, value) in Parameters)
            if (!other.Parameters.TryGetValue(key, out double theirs) || !theirs.Equals(value))
                return $"parameter {key} {(other.Parameters.ContainsKey(key) ? theirs.ToString(CultureInfo.InvariantCulture) : "missing")}, "
                    + $"expected {value.ToString(CultureInfo.InvariantCulture)}";
        if (other.Parameters.Count != Parameters.Count) return "a different set of parameters";
        return null;
    }
}

/// <summary>
/// HDF5 dataset files in the PDEBench layout: float64 (read also as float32) datasets <c>input</c> [N, nx(, ny)], <c>tensor</c>
/// [N, nt, nx(, ny)], <c>x-coordinate</c>, <c>y-coordinate</c> (2D) and <c>t-coordinate</c>; on the root group the
/// attributes pde, equation, seed, generator_version, sample_start, sample_end, samples_total and one float64
/// attribute per parameter. Every file is written to a temporary file and renamed, so none is ever half-written.
/// </summary>
public static class DatasetFile
{
    public const string Input = "input", Tensor = "tensor", X = "x-coordinate", Y = "y-coordinate", T = "t-coordinate";

    private static readonly HashSet<string> Reserved =
        ["pde", "equation", "seed", "generator_version", "sample_start", "sample_end", "samples_total"];

    /// <summary>Writes samples held in memory (row-major, header.Count samples each).</summary>
    public static void Write(string path, DatasetHeader header, double[] input, double[] tensor)
    {
        if (input.Length != header.Count * header.InputLength || tensor.Length != header.Count * header.TensorLength)
            throw new ArgumentException($"{header.Count} samples need {header.Count * header.InputLength} input and "
                + $"{header.Count * header.TensorLength} tensor values; got {input.Length} and {tensor.Length}.");
        Assemble(path, header, [(header.SampleStart, () => (input, tensor))]);
    }

    /// <summary>
    /// Writes one file for header's sample range from pieces that cover it in order, each read only when its turn
    /// comes, so that a shard far larger than memory can be assembled from its chunk files.
    /// </summary>
    public static void Assemble(string path, DatasetHeader header, IReadOnlyList<(long Start, Func<(double[] Input, double[] Tensor)> Read)> pieces)
    {
        var (inputDims, tensorDims) = Dimensions(header);
        var input = new H5Dataset<double[]>(fileDims: inputDims);
        var tensor = new H5Dataset<double[]>(fileDims: tensorDims);
        var file = new H5File { [Input] = input, [Tensor] = tensor, [X] = header.XCoordinate, [T] = header.TimeCoordinate };
        if (header.YCoordinate is { } y) file[Y] = y;
        file.Attributes = Attributes(header);
        AtomicFile.Write(path, stream =>
        {
            using var writer = file.BeginWrite(stream);
            long next = header.SampleStart;
            foreach (var (start, read) in pieces)
            {
                if (start != next)
                    throw new InvalidOperationException($"Pieces of {path} must follow each other: expected sample {next}, got {start}.");
                var (inputValues, tensorValues) = read();
                long count = inputValues.Length / header.InputLength;
                if (count * header.InputLength != inputValues.Length || tensorValues.Length != count * header.TensorLength)
                    throw new InvalidDataException($"A piece of {path} starting at sample {start} has {inputValues.Length} input and "
                        + $"{tensorValues.Length} tensor values, which is not a whole number of samples of this dataset.");
                if (count == 0) continue;
                writer.Write(input, inputValues, fileSelection: Slab(inputDims, start - header.SampleStart, count));
                writer.Write(tensor, tensorValues, fileSelection: Slab(tensorDims, start - header.SampleStart, count));
                next = start + count;
            }
            if (next != header.SampleEnd)
                throw new InvalidOperationException($"The pieces of {path} end at sample {next}, not at {header.SampleEnd}.");
        });
    }

    public static DatasetHeader ReadHeader(string path)
    {
        using var file = Open(path);
        return ReadHeader(file, path);
    }

    /// <summary>Header and all samples, row-major.</summary>
    public static (DatasetHeader Header, double[] Input, double[] Tensor) Read(string path)
    {
        using var file = Open(path);
        var header = ReadHeader(file, path);
        return (header, Values(file, Input, path), Values(file, Tensor, path));
    }

    /// <summary>Header and the first <paramref name="count"/> samples (fewer if the file has fewer), without reading the rest.</summary>
    public static (DatasetHeader Header, double[] Input, double[] Tensor) ReadFirst(string path, long count)
    {
        using var file = Open(path);
        var header = ReadHeader(file, path);
        count = Math.Min(count, header.Count);
        var (inputDims, tensorDims) = Dimensions(header);
        return (header,
            Values(file, Input, path, Slab(inputDims, 0, count), [(ulong)(count * header.InputLength)]),
            Values(file, Tensor, path, Slab(tensorDims, 0, count), [(ulong)(count * header.TensorLength)]));
    }

    private static NativeFile Open(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Dataset file {path} does not exist.", path);
        try
        {
            return H5File.OpenRead(path);
        }
        catch (Exception e) when (e is not IOException)
        {
            throw new InvalidDataException($"{path} is not a readable HDF5 file ({e.Message}).", e);
        }
    }

    private static DatasetHeader ReadHeader(NativeFile file, string path)
    {
        try
        {
            var parameters = new Dictionary<string, double>();
            foreach (var attribute in file.Attributes())
                if (!Reserved.Contains(attribute.Name)) parameters[attribute.Name] = attribute.Read<double>();
            var inputDims = file.Dataset(Input).Space.Dimensions;
            var header = new DatasetHeader(
                file.Attribute("pde").Read<string>(),
                file.Attribute("equation").Read<string>(),
                parameters,
                file.Attribute("seed").Read<long>(),
                file.Attribute("generator_version").Read<string>(),
                file.Attribute("sample_start").Read<long>(),
                file.Attribute("sample_end").Read<long>(),
                file.Attribute("samples_total").Read<long>(),
                inputDims.Skip(1).Select(d => (int)d).ToArray(),
                Values(file, X, path),
                file.LinkExists(Y) ? Values(file, Y, path) : null,
                Values(file, T, path));
            var (expectedInput, expectedTensor) = Dimensions(header);
            if (!inputDims.SequenceEqual(expectedInput) || !file.Dataset(Tensor).Space.Dimensions.SequenceEqual(expectedTensor))
                throw new InvalidDataException($"{path}: the input or tensor shape does not match its {header.Count} samples, "
                    + $"grids and {header.TimeCoordinate.Length} output times.");
            return header;
        }
        catch (Exception e) when (e is not InvalidDataException)
        {
            throw new InvalidDataException($"{path} is not a Physis dataset file ({e.Message}).", e);
        }
    }

    /// <summary>A float64 or float32 dataset of the file as float64.</summary>
    private static double[] Values(NativeFile file, string name, string path, Selection? fileSelection = null, ulong[]? memoryDims = null) =>
        OperatorDataset.ReadValues(file.Dataset(name), name, path, fileSelection, memoryDims);

    private static (ulong[] Input, ulong[] Tensor) Dimensions(DatasetHeader header)
    {
        var spatial = header.InputShape.Select(d => (ulong)d);
        ulong count = (ulong)header.Count;
        return ([count, .. spatial], [count, (ulong)header.TimeCoordinate.Length, .. spatial]);
    }

    /// <summary>Samples [offset, offset + count) along the first axis, whole along the others.</summary>
    private static HyperslabSelection Slab(ulong[] dims, long offset, long count)
    {
        var starts = new ulong[dims.Length];
        var blocks = (ulong[])dims.Clone();
        starts[0] = (ulong)offset;
        blocks[0] = (ulong)count;
        return new HyperslabSelection(dims.Length, starts, blocks);
    }

    private static Dictionary<string, object> Attributes(DatasetHeader header)
    {
        var attributes = new Dictionary<string, object>
        {
            ["pde"] = header.Name,
            ["equation"] = header.Equation,
            ["seed"] = header.Seed,
            ["generator_version"] = header.GeneratorVersion,
            ["sample_start"] = header.SampleStart,
            ["sample_end"] = header.SampleEnd,
            ["samples_total"] = header.SampleTotal,
        };
        foreach (var (key, value) in header.Parameters)
        {
            if (Reserved.Contains(key)) throw new ArgumentException($"Parameter name {key} is reserved for the file layout.");
            attributes[key] = value;
        }
        return attributes;
    }
}
