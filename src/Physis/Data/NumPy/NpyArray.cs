namespace Physis.Data.NumPy;

/// <summary>
/// An n-dimensional array as stored in a NumPy .npy file: a shape and a flat, C-ordered (row-major) buffer of
/// double, float, long, int, bool or byte.
/// </summary>
public sealed class NpyArray
{
    internal static readonly Type[] SupportedTypes = [typeof(double), typeof(float), typeof(long), typeof(int), typeof(bool), typeof(byte)];

    /// <param name="data">A one-dimensional double[], float[], long[], int[], bool[] or byte[] in C order.</param>
    /// <param name="shape">The dimensions; their product must equal the data length (an empty shape is a scalar).</param>
    public NpyArray(Array data, params int[] shape)
    {
        ArgumentNullException.ThrowIfNull(data);
        ArgumentNullException.ThrowIfNull(shape);
        var elementType = data.GetType().GetElementType();
        if (data.Rank != 1 || elementType is null || !SupportedTypes.Contains(elementType))
            throw new ArgumentException(
                $"NpyArray data must be a one-dimensional array of double, float, long, int, bool or byte; got {data.GetType().Name}.", nameof(data));
        long count = ElementCount(shape);
        if (count != data.Length)
            throw new ArgumentException($"Shape ({string.Join(", ", shape)}) holds {count} elements but the data has {data.Length}.", nameof(shape));
        Data = data;
        Shape = (int[])shape.Clone();
        ElementType = elementType;
    }

    /// <summary>The dimensions, outermost first.</summary>
    public int[] Shape { get; }

    /// <summary>The element type: double, float, long, int, bool or byte.</summary>
    public Type ElementType { get; }

    /// <summary>The elements, flat in C order.</summary>
    public Array Data { get; }

    public int Length => Data.Length;

    public static NpyArray FromDoubles(double[] data, params int[] shape) => new(data, shape);

    /// <summary>A 2-D array with the same row/column layout as <paramref name="matrix"/>.</summary>
    public static NpyArray FromDoubles(double[,] matrix)
    {
        ArgumentNullException.ThrowIfNull(matrix);
        var data = new double[matrix.Length];
        Buffer.BlockCopy(matrix, 0, data, 0, data.Length * sizeof(double));
        return new NpyArray(data, matrix.GetLength(0), matrix.GetLength(1));
    }

    /// <summary>The elements converted to double (false/true become 0/1).</summary>
    public double[] ToDoubles() => Data switch
    {
        double[] values => (double[])values.Clone(),
        float[] values => Array.ConvertAll(values, v => (double)v),
        long[] values => Array.ConvertAll(values, v => (double)v),
        int[] values => Array.ConvertAll(values, v => (double)v),
        bool[] values => Array.ConvertAll(values, v => v ? 1.0 : 0.0),
        byte[] values => Array.ConvertAll(values, v => (double)v),
        _ => throw new InvalidOperationException($"Unsupported element type {ElementType.Name}."),
    };

    /// <summary>A 2-D array as double[rows, columns].</summary>
    public double[,] ToDoubleMatrix()
    {
        if (Shape.Length != 2)
            throw new InvalidOperationException($"ToDoubleMatrix needs a 2-D array; this one has shape ({string.Join(", ", Shape)}).");
        var matrix = new double[Shape[0], Shape[1]];
        Buffer.BlockCopy(ToDoubles(), 0, matrix, 0, matrix.Length * sizeof(double));
        return matrix;
    }

    /// <summary>The product of the dimensions, or long.MaxValue when it exceeds the largest .NET array.</summary>
    internal static long ElementCount(int[] shape)
    {
        foreach (int dimension in shape)
            if (dimension < 0)
                throw new ArgumentException($"Array dimensions must be non-negative; got ({string.Join(", ", shape)}).", nameof(shape));
        if (shape.Contains(0)) return 0;
        long count = 1;
        foreach (int dimension in shape)
        {
            count *= dimension;
            if (count > Array.MaxLength) return long.MaxValue;
        }
        return count;
    }
}
