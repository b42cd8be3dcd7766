using System.Globalization;
using Physis.Data.Formats;
using Physis.Data.Matlab;
using Physis.Data.PyTorch;
using Physis.Infrastructure;
using PureHDF;
using PureHDF.Selections;

namespace Physis.Data;

/// <summary>The arrays of a MATLAB or PyTorch file that hold the input functions and the solutions.</summary>
public sealed record DataVariables(string Input, string Output, SampleAxis Samples = SampleAxis.First);

/// <summary>Where the sample axis of a MATLAB or PyTorch array is: first ([N, nx(, ny)]) or last ([nx(, ny), N]).</summary>
public enum SampleAxis { First, Last }

/// <summary>
/// Pairs (input field, solution field) on a regular 1D or 2D grid for operator learning, as stored in HDF5:
/// float64 or float32 datasets <c>input</c> [N, nx(, ny)], <c>tensor</c> [N, nt, nx(, ny)] (the solution at the times
/// <c>t-coordinate</c> [nt]) or [N, nx(, ny)] (one solution, no time axis, no <c>t-coordinate</c> needed),
/// <c>x-coordinate</c> [nx] and, in 2D, <c>y-coordinate</c> [ny]. The operator maps <c>input</c> to the solution at the
/// last time. Values are kept flat in float64, sample-major, row-major over the grid.
/// </summary>
public sealed class OperatorDataset
{
    public OperatorDataset(double[] inputs, double[] targets, int count, IReadOnlyList<double[]> coordinates)
    {
        if (count <= 0) throw new ArgumentException($"A dataset needs at least one sample; got {count}.");
        if (coordinates.Count is not (1 or 2))
            throw new ArgumentException($"Operator datasets are 1D or 2D; got {coordinates.Count} coordinate axes.");
        Coordinates = coordinates;
        Grid = coordinates.Select(c => c.Length).ToArray();
        long points = Grid.Aggregate(1L, (a, b) => a * b);
        if (inputs.LongLength != count * points || targets.LongLength != count * points)
            throw new ArgumentException($"Inputs and targets must hold {count} x {points} values; got {inputs.LongLength} and {targets.LongLength}.");
        Inputs = inputs;
        Targets = targets;
        Count = count;
    }

    public double[] Inputs { get; }
    public double[] Targets { get; }
    public int Count { get; }
    /// <summary>Points per axis: [nx] or [nx, ny].</summary>
    public int[] Grid { get; }
    public IReadOnlyList<double[]> Coordinates { get; }
    public int Dimension => Grid.Length;
    public int PointsPerSample => Grid.Aggregate(1, (a, b) => a * b);

    /// <summary>
    /// Reads an HDF5 file in the layout above, or, with <paramref name="variables"/>, two arrays of a MATLAB or PyTorch
    /// file (<see cref="FromExternal"/>).
    /// </summary>
    public static OperatorDataset Read(string path, DataVariables? variables = null) => Read(path, variables, count => [(0, count)])[0];

    /// <summary>
    /// The samples [Start, Start + Count) of each range that <paramref name="ranges"/> chooses from the file's sample count,
    /// read as <see cref="Read(string, DataVariables?)"/> reads the whole file. From HDF5 only those samples are read (the
    /// input's rows and the solution's last time), so a rank of a distributed run holds its share alone; a MATLAB or
    /// PyTorch file is read whole and sliced.
    /// </summary>
    public static OperatorDataset[] Read(string path, DataVariables? variables, Func<int, IReadOnlyList<(int Start, int Count)>> ranges)
    {
        if (IsExternal(path))
        {
            var whole = variables is { } v ? FromExternal(path, v.Input, v.Output, v.Samples)
                : throw new ArgumentException($"{path} is a {Path.GetExtension(path)} file: name its input and output arrays "
                    + "(DataVariables).");
            return [.. ranges(whole.Count).Select(r => r == (0, whole.Count) ? whole : whole.Slice(r.Start, r.Count))];
        }
        if (variables is not null)
            throw new ArgumentException($"Input and output arrays are named for MATLAB and PyTorch files; {path} is read as HDF5 in "
                + "Physis' operator layout, whose arrays have fixed names.");
        return ReadHdf5(path, ranges);
    }

    /// <summary>Whether the file is read through <see cref="FromExternal"/> (by its extension: .mat, .pt, .pth).</summary>
    public static bool IsExternal(string path) => Path.GetExtension(path).ToLowerInvariant() is ".mat" or ".pt" or ".pth";

    private static OperatorDataset[] ReadHdf5(string path, Func<int, IReadOnlyList<(int Start, int Count)>> ranges)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"Data file '{path}' does not exist.", path);
        try
        {
            using var file = H5File.OpenRead(path);
            string[] names = [.. file.Children().Select(c => c.Name)];
            string Need(string name) => names.Contains(name) ? name
                : throw new InvalidDataException($"{path} has no dataset '{name}' (it has: {string.Join(", ", names)}). "
                    + "Expected the operator layout: input, tensor, t-coordinate, x-coordinate (and y-coordinate in 2D).");
            var input = file.Dataset(Need("input"));
            var tensor = file.Dataset(Need("tensor"));
            long[] inputShape = [.. input.Space.Dimensions.Select(d => (long)d)], tensorShape = [.. tensor.Space.Dimensions.Select(d => (long)d)];
            // A solution without a time axis is the one output time.
            bool timeAxis = tensorShape.Length != inputShape.Length;
            var time = timeAxis ? ReadDoubles(file, Need("t-coordinate"), path).Values : [0.0];
            var (x, _) = ReadDoubles(file, Need("x-coordinate"), path);
            int dimension = inputShape.Length - 1;
            if (dimension is not (1 or 2))
                throw new InvalidDataException($"{path}: 'input' has shape [{Shape(inputShape)}]; expected [N, nx] (1D) or [N, nx, ny] (2D).");
            List<double[]> coordinates = [x];
            if (dimension == 2) coordinates.Add(ReadDoubles(file, Need("y-coordinate"), path).Values);
            long[] grid = [.. coordinates.Select(c => (long)c.Length)];
            if (!inputShape.Skip(1).SequenceEqual(grid))
                throw new InvalidDataException($"{path}: 'input' has shape [{Shape(inputShape)}] but the coordinates give a "
                    + $"grid of [{Shape(grid)}].");
            long[] expected = timeAxis ? [inputShape[0], time.Length, .. grid] : [inputShape[0], .. grid];
            if (!tensorShape.SequenceEqual(expected))
                throw new InvalidDataException($"{path}: 'tensor' has shape [{Shape(tensorShape)}]; with {inputShape[0]} inputs, "
                    + $"{(timeAxis ? $"{time.Length} times" : "no time axis")} and grid [{Shape(grid)}] it must be [{Shape(expected)}].");
            int total = checked((int)inputShape[0]), points = checked((int)grid.Aggregate(1L, (a, b) => a * b));
            foreach (var (c, name) in coordinates.Zip(new[] { "x-coordinate", "y-coordinate" })) CheckFinite(c, name, path, c.Length, 0);
            var chosen = ranges(total);
            var result = new OperatorDataset[chosen.Count];
            for (int i = 0; i < chosen.Count; i++)
            {
                var (start, count) = chosen[i];
                if (start < 0 || count <= 0 || start + count > total)
                    throw new ArgumentException($"Samples [{start}, {start + count}) are outside the {total} of {path}.");
                ulong[] memory = [(ulong)count * (ulong)points];
                // The input's rows, and the solution's rows at the last time only.
                var inputs = ReadValues(input, "input", path, Slab(inputShape, [start], [count]), memory);
                var targets = ReadValues(tensor, "tensor", path,
                    timeAxis ? Slab(tensorShape, [start, time.Length - 1], [count, 1]) : Slab(tensorShape, [start], [count]), memory);
                CheckFinite(inputs, "input", path, points, start);
                CheckFinite(targets, "tensor (last time)", path, points, start);
                result[i] = new OperatorDataset(inputs, targets, count, coordinates);
            }
            return result;
        }
        // PureHDF reports a malformed file with plain exceptions from deep inside; name the file instead.
        catch (Exception e) when (e is not (InvalidDataException or FileNotFoundException or ArgumentException or OutOfMemoryException))
        {
            throw new InvalidDataException($"{path} is not a readable HDF5 file ({e.Message}).", e);
        }
    }

    /// <summary>
    /// The block from <paramref name="starts"/> with <paramref name="counts"/> on the leading axes of <paramref name="shape"/>,
    /// whole on the rest.
    /// </summary>
    private static HyperslabSelection Slab(long[] shape, long[] starts, long[] counts)
    {
        ulong[] start = [.. shape.Select((_, a) => a < starts.Length ? (ulong)starts[a] : 0)];
        ulong[] block = [.. shape.Select((n, a) => (ulong)(a < counts.Length ? counts[a] : n))];
        return new HyperslabSelection(shape.Length, start, block);
    }

    /// <summary>
    /// A dataset from two arrays of a MATLAB (.mat) or PyTorch (.pt) file laid out as the FNO paper's and
    /// neuraloperator's files are: samples first, then the grid ([N, nx] or [N, nx, ny]), e.g. 'a' and 'u' of
    /// burgers_data_R10.mat, 'coeff' and 'sol' of the Darcy files, 'x' and 'y' of neuraloperator's darcy_train_16.pt.
    /// Such files carry no coordinates, so the grid is uniform on [0, 1] along each axis, endpoints included. With
    /// <paramref name="samples"/> <see cref="SampleAxis.Last"/> the arrays are [nx(, ny), N], as MATLAB users who index
    /// u(x, sample) store them, and are reordered samples first.
    /// </summary>
    public static OperatorDataset FromExternal(string path, string input, string output, SampleAxis samples = SampleAxis.First)
    {
        var arrays = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".mat" => MatFile.Read(path),
            ".pt" or ".pth" => TorchFile.Read(path),
            _ => throw new ArgumentException($"'{path}' is neither a MATLAB .mat nor a PyTorch .pt file."),
        };
        var (a, u) = (ExternalArray.Find(arrays, input, path), ExternalArray.Find(arrays, output, path));
        if (samples == SampleAxis.Last) (a, u) = (a.SamplesFirst(), u.SamplesFirst());
        foreach (var array in new[] { a, u })
        {
            if (array.IsComplex)
                throw new InvalidDataException($"{path}: '{array.Name}' is complex; operator data are real (store real and imaginary parts apart).");
            if (array.Shape.Length is not (2 or 3))
                throw new InvalidDataException($"{path}: '{array.Name}' has shape [{string.Join(" x ", array.Shape)}]; expected a sample "
                    + "axis and one or two grid axes.");
        }
        if (!a.Shape.SequenceEqual(u.Shape))
            throw new InvalidDataException($"{path}: '{input}' [{string.Join(" x ", a.Shape)}] and '{output}' "
                + $"[{string.Join(" x ", u.Shape)}] must have the same shape.");
        var coordinates = a.Shape.Skip(1).Select(n => Enumerable.Range(0, n).Select(i => n == 1 ? 0.0 : (double)i / (n - 1)).ToArray()).ToList();
        int points = coordinates.Aggregate(1, (p, c) => p * c.Length);
        CheckFinite(a.Real, input, path, points, 0);
        CheckFinite(u.Real, output, path, points, 0);
        return new OperatorDataset(a.Real, u.Real, a.Shape[0], coordinates);
    }

    /// <summary>
    /// Writes the layout <see cref="Read(string, DataVariables?)"/> expects, with the input as time 0 and the target as
    /// time <paramref name="finalTime"/>.
    /// </summary>
    public void Write(string path, double finalTime = 1.0)
    {
        int points = PointsPerSample;
        var tensor = new double[2L * Count * points];
        for (int s = 0; s < Count; s++)
        {
            Array.Copy(Inputs, (long)s * points, tensor, 2L * s * points, points);
            Array.Copy(Targets, (long)s * points, tensor, (2L * s + 1) * points, points);
        }
        ulong[] grid = [.. Grid.Select(n => (ulong)n)];
        var file = new H5File
        {
            ["input"] = new H5Dataset(Inputs, fileDims: [(ulong)Count, .. grid]),
            ["tensor"] = new H5Dataset(tensor, fileDims: [(ulong)Count, 2, .. grid]),
            ["t-coordinate"] = new double[] { 0, finalTime },
            ["x-coordinate"] = Coordinates[0],
        };
        if (Dimension == 2) file["y-coordinate"] = Coordinates[1];
        // PureHDF seeks back and reads while writing, which the write-only stream of AtomicFile does not allow.
        using var buffer = new MemoryStream();
        file.Write(buffer);
        AtomicFile.Write(path, stream => buffer.WriteTo(stream));
    }

    /// <summary>A relative error divides by each sample's target norm, so a sample whose targets are all zero leaves it undefined.</summary>
    /// <param name="name">The data's role or file, for the message.</param>
    public void RequireNonZeroTargets(string name)
    {
        int points = PointsPerSample;
        for (int s = 0; s < Count; s++)
            if (Targets.AsSpan(s * points, points).IndexOfAnyExcept(0.0) < 0)
                throw new ArgumentException($"Sample {s} of the {name} data has all-zero targets, so its relative error (0 / 0) is undefined; "
                    + "remove such samples.");
    }

    /// <summary>Samples [start, start + count).</summary>
    public OperatorDataset Slice(int start, int count)
    {
        if (start < 0 || count <= 0 || start + count > Count)
            throw new ArgumentException($"Samples [{start}, {start + count}) are outside the dataset's {Count}.");
        int points = PointsPerSample;
        return new OperatorDataset(Inputs.AsSpan(start * points, count * points).ToArray(),
            Targets.AsSpan(start * points, count * points).ToArray(), count, Coordinates);
    }

    /// <summary>
    /// Every s-th grid point per axis so that each axis has <paramref name="resolution"/> points: s = n / r on a
    /// periodic grid (n divisible by r) or s = (n - 1) / (r - 1) on a grid that includes both ends.
    /// </summary>
    public OperatorDataset Subsample(int resolution)
    {
        var strides = Grid.Select(n => Stride(n, resolution)).ToArray();
        if (strides.All(s => s == 1)) return this;
        var coordinates = Coordinates.Select((c, d) => Enumerable.Range(0, resolution).Select(i => c[i * strides[d]]).ToArray()).ToList();
        int points = PointsPerSample, newPoints = (int)Math.Pow(resolution, Dimension);
        var inputs = new double[(long)Count * newPoints];
        var targets = new double[(long)Count * newPoints];
        for (int s = 0; s < Count; s++)
            for (int p = 0; p < newPoints; p++)
            {
                long source = (long)s * points + (Dimension == 1
                    ? p * strides[0]
                    : (p / resolution) * strides[0] * Grid[1] + (p % resolution) * strides[1]);
                inputs[(long)s * newPoints + p] = Inputs[source];
                targets[(long)s * newPoints + p] = Targets[source];
            }
        return new OperatorDataset(inputs, targets, Count, coordinates);
    }

    private static int Stride(int n, int resolution)
    {
        if (resolution == n) return 1;
        if (resolution >= 2 && resolution < n)
        {
            if (n % resolution == 0) return n / resolution;
            if ((n - 1) % (resolution - 1) == 0) return (n - 1) / (resolution - 1);
        }
        throw new ArgumentException(resolution > n
            ? $"Resolution {resolution} is finer than the data's {n} points per axis; evaluate on data generated at that resolution."
            : $"Resolution {resolution} cannot be taken from {n} points per axis by subsampling: "
                + $"choose r with {n} divisible by r or {n - 1} divisible by r - 1.");
    }

    private static (double[] Values, long[] Shape) ReadDoubles(IH5Group file, string name, string path)
    {
        var dataset = file.Dataset(name);
        return (ReadValues(dataset, name, path), [.. dataset.Space.Dimensions.Select(d => (long)d)]);
    }

    /// <summary>
    /// The values of a float64 or float32 dataset (or of its <paramref name="fileSelection"/>) as float64, float32 converted
    /// exactly; any other type is refused naming <paramref name="name"/> in <paramref name="path"/>.
    /// </summary>
    public static double[] ReadValues(IH5Dataset dataset, string name, string path, Selection? fileSelection = null, ulong[]? memoryDims = null)
    {
        if (dataset.Type.Class != H5DataTypeClass.FloatingPoint || dataset.Type.Size is not (4 or 8))
            throw new InvalidDataException($"{path}: dataset '{name}' must be float64 or float32; it is {dataset.Type.Class} of "
                + $"{dataset.Type.Size} bytes.");
        return dataset.Type.Size == 8
            ? dataset.Read<double[]>(fileSelection: fileSelection, memoryDims: memoryDims)
            : Array.ConvertAll(dataset.Read<float[]>(fileSelection: fileSelection, memoryDims: memoryDims), v => (double)v);
    }

    /// <param name="firstSample">The number in the file of the first sample in <paramref name="values"/>.</param>
    private static void CheckFinite(double[] values, string name, string path, int points, int firstSample)
    {
        for (long i = 0; i < values.LongLength; i++)
            if (!double.IsFinite(values[i]))
                throw new InvalidDataException(string.Create(CultureInfo.InvariantCulture,
                    $"{path}: '{name}' has a non-finite value ({values[i]}) in sample {firstSample + i / points}, point {i % points}. "
                    + $"Remove or regenerate that sample."));
    }

    private static string Shape(IEnumerable<long> shape) => string.Join(", ", shape);
}
