namespace Physis.Data.Formats;

/// <summary>
/// A numeric array read from another tool's file (MATLAB, PyTorch): its shape and its values in row-major (C) order,
/// whatever the file's own order was, in float64; a complex array carries its imaginary part alongside.
/// </summary>
/// <param name="DataType">The type the file stored, for messages (double, single, int16, half, ...).</param>
public sealed record ExternalArray(string Name, int[] Shape, double[] Real, double[]? Imaginary, string DataType)
{
    public bool IsComplex => Imaginary is not null;

    /// <summary>One array by name, with a message that lists the file's arrays when it is not there.</summary>
    public static ExternalArray Find(IReadOnlyDictionary<string, ExternalArray> arrays, string name, string path) =>
        arrays.TryGetValue(name, out var array) ? array
            : throw new InvalidDataException($"{path} has no numeric array '{name}'; it holds {Listing(arrays)}.");

    private static string Listing(IReadOnlyDictionary<string, ExternalArray> arrays) => arrays.Count == 0 ? "none"
        : string.Join(", ", arrays.Values.Select(a => $"{(a.Name.Length == 0 ? "(the tensor)" : a.Name)} [{string.Join(" x ", a.Shape)}]"
            + (a.IsComplex ? " complex" : "")));
}
