using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Physis.Data.Formats;
using PureHDF;

namespace Physis.Data.Matlab;

/// <summary>
/// Reads the numeric arrays of MATLAB .mat files: version 5 (the default of MATLAB and of SciPy's savemat, with or
/// without compression, real or complex, any numeric class) and version 7.3 (an HDF5 file; real arrays, and complex ones
/// stored as MATLAB does, as a compound of real and imag). Cells, structs, sparse matrices, characters and logicals are
/// skipped, as they hold no array to train on.
/// </summary>
public static class MatFile
{
    private const int HeaderLength = 128;
    private const int MiInt8 = 1, MiUInt8 = 2, MiInt16 = 3, MiUInt16 = 4, MiInt32 = 5, MiUInt32 = 6, MiSingle = 7, MiDouble = 9;
    private const int MiInt64 = 12, MiUInt64 = 13, MiMatrix = 14, MiCompressed = 15;
    private const int MxDoubleClass = 6, MxUInt64Class = 15, MxSingleClass = 7;
    private const int ComplexFlag = 0x0800;

    /// <summary>Every numeric array in the file by its MATLAB name, in the file's order.</summary>
    public static IReadOnlyDictionary<string, ExternalArray> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The MATLAB file does not exist: {path}.", path);
        // The first bytes tell the versions apart; a v7.3 file is read through HDF5, not loaded whole.
        var head = new byte[520];
        int length;
        using (var stream = File.OpenRead(path)) length = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        if (head.AsSpan(0, length).StartsWith(HdfSignature) || length == head.Length && head.AsSpan(512).StartsWith(HdfSignature))
            return ReadVersion73(path);
        var bytes = File.ReadAllBytes(path);
        if (bytes.Length < HeaderLength)
            throw new InvalidDataException($"{path} is not a MATLAB .mat file: {bytes.Length} bytes, shorter than the 128-byte header.");
        if (bytes[126] != (byte)'I' || bytes[127] != (byte)'M')
            throw new InvalidDataException(bytes[126] == (byte)'M' && bytes[127] == (byte)'I'
                ? $"{path} is a big-endian MATLAB file, which Physis does not read; save it on a little-endian machine."
                : $"{path} is not a MATLAB version 5 or 7.3 file (no 'MATLAB' header with the endian mark IM).");
        var arrays = new Dictionary<string, ExternalArray>();
        int offset = HeaderLength;
        while (offset + 8 <= bytes.Length)
        {
            var (type, size, data, next) = Element(bytes, offset, path);
            if (type == MiCompressed) ReadCompressed(bytes.AsSpan(data, size), arrays, path);
            else if (type == MiMatrix && Matrix(bytes.AsSpan(data, size), path) is { } array) arrays[array.Name] = array;
            offset = next;
        }
        return arrays;
    }

    /// <summary>The HDF5 signature; MATLAB writes it after a 512-byte user block.</summary>
    private static ReadOnlySpan<byte> HdfSignature => [0x89, (byte)'H', (byte)'D', (byte)'F', (byte)'\r', (byte)'\n', 0x1a, (byte)'\n'];

    private static void ReadCompressed(ReadOnlySpan<byte> compressed, Dictionary<string, ExternalArray> arrays, string path)
    {
        byte[] inflated;
        try
        {
            using var input = new ZLibStream(new MemoryStream(compressed.ToArray()), CompressionMode.Decompress);
            using var output = new MemoryStream();
            input.CopyTo(output);
            inflated = output.ToArray();
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} holds a damaged compressed element: {e.Message}", e);
        }
        int offset = 0;
        while (offset + 8 <= inflated.Length)
        {
            var (type, size, data, next) = Element(inflated, offset, path);
            if (type == MiMatrix && Matrix(inflated.AsSpan(data, size), path) is { } array) arrays[array.Name] = array;
            offset = next;
        }
    }

    /// <summary>A data element's type, byte count, where its data start and where the next element starts.</summary>
    private static (int Type, int Size, int Data, int Next) Element(ReadOnlySpan<byte> bytes, int offset, string path)
    {
        uint first = BinaryPrimitives.ReadUInt32LittleEndian(bytes[offset..]);
        // The small data element format packs up to 4 bytes of data into the tag itself.
        if (first >> 16 != 0) return ((int)(first & 0xffff), (int)(first >> 16), offset + 4, offset + 8);
        uint size = BinaryPrimitives.ReadUInt32LittleEndian(bytes[(offset + 4)..]);
        if (size > bytes.Length - offset - 8)
            throw new InvalidDataException(
                $"{path} is truncated: an element at byte {offset} claims {size} bytes, {bytes.Length - offset - 8} remain.");
        int type = (int)first;
        // Compressed elements are not padded; every other element is padded to a multiple of 8 bytes.
        long next = offset + 8 + (type == MiCompressed ? size : (size + 7) / 8 * 8);
        return (type, (int)size, offset + 8, (int)Math.Min(next, bytes.Length));
    }

    /// <summary>The array of a miMATRIX element, or null for classes that hold no numeric array.</summary>
    private static ExternalArray? Matrix(ReadOnlySpan<byte> matrix, string path)
    {
        if (matrix.Length == 0) return null;  // an empty miMATRIX stands for an empty cell entry
        var (_, _, flagsAt, next) = Element(matrix, 0, path);
        uint flags = BinaryPrimitives.ReadUInt32LittleEndian(matrix[flagsAt..]);
        int arrayClass = (int)(flags & 0xff);
        bool complex = (flags & ComplexFlag) != 0;
        var (_, dimensionsSize, dimensionsAt, afterDimensions) = Element(matrix, next, path);
        var shape = new int[dimensionsSize / 4];
        for (int i = 0; i < shape.Length; i++) shape[i] = BinaryPrimitives.ReadInt32LittleEndian(matrix[(dimensionsAt + 4 * i)..]);
        var (_, nameSize, nameAt, afterName) = Element(matrix, afterDimensions, path);
        string name = Encoding.ASCII.GetString(matrix.Slice(nameAt, nameSize));
        if (arrayClass is < MxDoubleClass or > MxUInt64Class) return null;
        long count = shape.Aggregate(1L, (a, b) => a * b);
        var (realType, realSize, realAt, afterReal) = Element(matrix, afterName, path);
        var real = Numbers(matrix.Slice(realAt, realSize), realType, count, name, path);
        double[]? imaginary = null;
        if (complex)
        {
            var (imaginaryType, imaginarySize, imaginaryAt, _) = Element(matrix, afterReal, path);
            imaginary = RowMajor(Numbers(matrix.Slice(imaginaryAt, imaginarySize), imaginaryType, count, name, path), shape);
        }
        return new ExternalArray(name, shape, RowMajor(real, shape), imaginary, ClassName(arrayClass));
    }

    private static string ClassName(int arrayClass) =>
        new[] { "double", "single", "int8", "uint8", "int16", "uint16", "int32", "uint32", "int64", "uint64" }[arrayClass - MxDoubleClass];

    /// <summary>The values of a numeric element as doubles (MATLAB stores small integers in smaller types to save space).</summary>
    private static double[] Numbers(ReadOnlySpan<byte> data, int type, long count, string name, string path)
    {
        int width = type switch
        {
            MiInt8 or MiUInt8 => 1,
            MiInt16 or MiUInt16 => 2,
            MiInt32 or MiUInt32 or MiSingle => 4,
            MiDouble or MiInt64 or MiUInt64 => 8,
            _ => throw new InvalidDataException($"{path}: array '{name}' stores its values as data type {type}, which is not numeric."),
        };
        if (data.Length != count * width)
            throw new InvalidDataException($"{path}: array '{name}' should hold {count} values but has {data.Length} bytes of {width}.");
        var values = new double[count];
        for (int i = 0; i < values.Length; i++)
        {
            var at = data[(i * width)..];
            values[i] = type switch
            {
                MiInt8 => (sbyte)at[0],
                MiUInt8 => at[0],
                MiInt16 => BinaryPrimitives.ReadInt16LittleEndian(at),
                MiUInt16 => BinaryPrimitives.ReadUInt16LittleEndian(at),
                MiInt32 => BinaryPrimitives.ReadInt32LittleEndian(at),
                MiUInt32 => BinaryPrimitives.ReadUInt32LittleEndian(at),
                MiSingle => BinaryPrimitives.ReadSingleLittleEndian(at),
                MiInt64 => BinaryPrimitives.ReadInt64LittleEndian(at),
                MiUInt64 => BinaryPrimitives.ReadUInt64LittleEndian(at),
                _ => BinaryPrimitives.ReadDoubleLittleEndian(at),
            };
        }
        return values;
    }

    /// <summary>MATLAB's column-major values in row-major order for the same shape.</summary>
    private static double[] RowMajor(double[] columnMajor, int[] shape)
    {
        var rowMajor = new double[columnMajor.Length];
        var index = new int[shape.Length];
        for (int i = 0; i < columnMajor.Length; i++)
        {
            // index runs through the elements in column-major order (first dimension fastest).
            long row = 0;
            for (int d = 0; d < shape.Length; d++) row = row * shape[d] + index[d];
            rowMajor[row] = columnMajor[i];
            for (int d = 0; d < shape.Length && ++index[d] == shape[d]; d++) index[d] = 0;
        }
        return rowMajor;
    }

    /// <summary>
    /// A version 7.3 file: each MATLAB variable is an HDF5 dataset with a MATLAB_class attribute, its dimensions in
    /// reverse order (HDF5 is row-major), so reading it row-major and reversing the dimensions gives MATLAB's array.
    /// </summary>
    private static Dictionary<string, ExternalArray> ReadVersion73(string path)
    {
        var arrays = new Dictionary<string, ExternalArray>();
        using var file = H5File.OpenRead(path);
        foreach (var link in file.Children())
        {
            if (link is not IH5Dataset dataset || link.Name.StartsWith('#')) continue;
            string matlabClass = dataset.AttributeExists("MATLAB_class") ? dataset.Attribute("MATLAB_class").Read<string>() : "double";
            if (matlabClass is "cell" or "struct" or "char" or "logical" or "function_handle") continue;
            var fileShape = dataset.Space.Dimensions.Select(d => (int)d).ToArray();
            int[] shape = [.. fileShape.Reverse()];
            double[] real;
            double[]? imaginary = null;
            if (dataset.Type.Class == H5DataTypeClass.Compound)
            {
                var pairs = dataset.Read<ComplexPair[]>();
                real = [.. pairs.Select(p => p.Real)];
                imaginary = [.. pairs.Select(p => p.Imag)];
            }
            else real = dataset.Type.Size == 4 && dataset.Type.Class == H5DataTypeClass.FloatingPoint
                ? Array.ConvertAll(dataset.Read<float[]>(), v => (double)v)
                : dataset.Read<double[]>();
            // Row-major over the reversed dimensions is column-major over MATLAB's: turn it into row-major over MATLAB's.
            arrays[link.Name] = new ExternalArray(link.Name, shape, RowMajor(real, shape), imaginary is null ? null : RowMajor(imaginary, shape),
                matlabClass);
        }
        return arrays;
    }

    /// <summary>MATLAB's complex element in a v7.3 file: a compound of two doubles named real and imag.</summary>
    private readonly record struct ComplexPair([field: H5Name("real")] double Real, [field: H5Name("imag")] double Imag);
}
