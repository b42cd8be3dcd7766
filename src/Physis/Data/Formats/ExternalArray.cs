namespace Physis.Data.Formats;

/// <summary>
/// A numeric array read from another tool's file (MATLAB, PyTorch): its shape and its values in row-major (C) order,
/// whatever the file's own order was, in float64; a complex array carries its imaginary part alongside.
/// </summary>
/// <param name="DataType">The type the file stored, for messages (double, single, int16, half, ...).</param>
public sealed record ExternalArray(string Name, int[] Shape, double[] Real, double[]? Imaginary, string DataType)
{
    public bool IsComplex => Imaginary is not null;

    /// <summary>The array with its last axis moved to the front ([a, b, N] becomes [N, a, b]), values reordered to match.</summary>
    public ExternalArray SamplesFirst()
    {
        if (Shape.Length < 2) return this;
        int count = Shape[^1], block = Real.Length / Math.Max(count, 1);
        double[]? Moved(double[]? values)
        {
            if (values is null) return null;
            var moved = new double[values.Length];
            // Row-major [block, N]: element (p, s) moves to (s, p).
            for (int p = 0; p < block; p++)
                for (int s = 0; s < count; s++) moved[(long)s * block + p] = values[(long)p * count + s];
            return moved;
        }
        return this with { Shape = [count, .. Shape[..^1]], Real = Moved(Real)!, Imaginary = Moved(Imaginary) };
    }

    /// <summary>One array by name, with a message that lists the file's arrays when it is not there.</summary>
    public static ExternalArray Find(IReadOnlyDictionary<string, ExternalArray> arrays, string name, string path) =>
        arrays.TryGetValue(name, out var array) ? array
            : throw new InvalidDataException($"{path} has no numeric array '{name}'; it holds {Listing(arrays)}.");

    private static string Listing(IReadOnlyDictionary<string, ExternalArray> arrays) => arrays.Count == 0 ? "none"
        : string.Join(", ", arrays.Values.Select(a => $"{(a.Name.Length == 0 ? "(the tensor)" : a.Name)} [{string.Join(" x ", a.Shape)}]"
            + (a.IsComplex ? " complex" : "")));
}
