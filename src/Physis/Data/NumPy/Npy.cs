using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Text;
using Physis.Infrastructure;

namespace Physis.Data.NumPy;

/// <summary>
/// Reads and writes NumPy's .npy format (numpy.save / numpy.load). Writes format 1.0 (2.0 for headers over
/// 64 KiB), little-endian, C order; reads versions 1.0 to 3.0, either byte order and Fortran order.
/// </summary>
public static class Npy
{
    private static readonly byte[] Magic = [0x93, (byte)'N', (byte)'U', (byte)'M', (byte)'P', (byte)'Y'];

    public static void Write(string path, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(array);
        AtomicFile.Write(path, stream => Write(stream, array));
    }

    public static NpyArray Read(string path)
    {
        using var stream = File.OpenRead(path);
        try
        {
            return Read(stream);
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} is not a readable .npy file: {e.Message}", e);
        }
        catch (NotSupportedException e)
        {
            throw new NotSupportedException($"{path}: {e.Message}", e);
        }
    }

    public static void Write(Stream stream, NpyArray array)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(array);
        string shape = array.Shape.Length == 1
            ? $"({array.Shape[0]},)"
            : $"({string.Join(", ", array.Shape)})";
        string dictionary = $"{{'descr': '{DescriptorOf(array.ElementType)}', 'fortran_order': False, 'shape': {shape}, }}";

        // numpy pads the header with spaces and a final newline so that the data starts on a 64-byte boundary.
        int PaddedLength(int prefixLength) => (prefixLength + dictionary.Length + 1 + 63) / 64 * 64 - prefixLength;
        bool version1 = PaddedLength(Magic.Length + 4) <= ushort.MaxValue;
        int headerLength = PaddedLength(Magic.Length + (version1 ? 4 : 6));
        var header = Encoding.Latin1.GetBytes(dictionary.PadRight(headerLength - 1) + "\n");

        stream.Write(Magic);
        stream.WriteByte(version1 ? (byte)1 : (byte)2);
        stream.WriteByte(0);
        Span<byte> length = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(length, (uint)headerLength);
        stream.Write(length[..(version1 ? 2 : 4)]);
        stream.Write(header);

        var bytes = ElementBytes(array.Data);
        if (BitConverter.IsLittleEndian)
        {
            stream.Write(bytes);
        }
        else
        {
            var swapped = bytes.ToArray();
            ReverseEachItem(swapped, ItemSize(array.ElementType));
            stream.Write(swapped);
        }
    }

    public static NpyArray Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        Span<byte> prefix = stackalloc byte[Magic.Length + 2];
        ReadExactly(stream, prefix, "the magic string and version");
        if (!prefix[..Magic.Length].SequenceEqual(Magic))
            throw new InvalidDataException("it does not start with the .npy magic string \\x93NUMPY.");
        int major = prefix[Magic.Length], minor = prefix[Magic.Length + 1];
        if (major is < 1 or > 3 || minor != 0)
            throw new InvalidDataException($"format version {major}.{minor} is not supported (only 1.0, 2.0 and 3.0).");

        Span<byte> lengthBytes = stackalloc byte[major == 1 ? 2 : 4];
        ReadExactly(stream, lengthBytes, "the header length");
        long headerLength = major == 1 ? BinaryPrimitives.ReadUInt16LittleEndian(lengthBytes) : BinaryPrimitives.ReadUInt32LittleEndian(lengthBytes);
        if (headerLength > 1 << 24)
            throw new InvalidDataException($"the header claims {headerLength} bytes, which is not plausible.");
        var headerBytes = new byte[headerLength];
        ReadExactly(stream, headerBytes, "the header");
        string headerText = (major == 3 ? Encoding.UTF8 : Encoding.Latin1).GetString(headerBytes);
        var (elementType, bigEndian, fortranOrder, shape) = ParseHeader(headerText);

        long count = NpyArray.ElementCount(shape);
        if (count == long.MaxValue)
            throw new InvalidDataException($"shape ({string.Join(", ", shape)}) has more elements than a .NET array can hold.");
        var data = Array.CreateInstance(elementType == typeof(bool) ? typeof(byte) : elementType, (int)count);
        var bytes = ElementBytes(data);
        ReadExactly(stream, bytes, $"the {count} elements of shape ({string.Join(", ", shape)})");
        if (bigEndian == BitConverter.IsLittleEndian) ReverseEachItem(bytes, ItemSize(elementType));
        if (elementType == typeof(bool)) data = Array.ConvertAll((byte[])data, b => b != 0);
        if (fortranOrder && shape.Length > 1) data = ToCOrder(data, shape);
        return new NpyArray(data, shape);
    }

    internal static string DescriptorOf(Type elementType) =>
        elementType == typeof(double) ? "<f8"
        : elementType == typeof(float) ? "<f4"
        : elementType == typeof(long) ? "<i8"
        : elementType == typeof(int) ? "<i4"
        : elementType == typeof(bool) ? "|b1"
        : elementType == typeof(byte) ? "|u1"
        : throw new ArgumentException($"Element type {elementType.Name} has no .npy descriptor here.", nameof(elementType));

    private static (Type ElementType, bool BigEndian) ParseDescriptor(string descriptor)
    {
        Type? type = descriptor.Length == 3 ? descriptor[1..] switch
        {
            "f8" => typeof(double),
            "f4" => typeof(float),
            "i8" => typeof(long),
            "i4" => typeof(int),
            "b1" => typeof(bool),
            "u1" => typeof(byte),
            _ => null,
        } : null;
        char order = descriptor.Length > 0 ? descriptor[0] : ' ';
        if (type is null || order is not ('<' or '>' or '|' or '='))
            throw new NotSupportedException(
                $"The .npy dtype '{descriptor}' is not supported; use one of <f8, <f4, <i8, <i4, |b1, |u1 (either byte order), " +
                "for example by converting with arr.astype('<f8') before numpy.save.");
        return (type, order == '>' || (order == '=' && !BitConverter.IsLittleEndian));
    }

    private static (Type ElementType, bool BigEndian, bool FortranOrder, int[] Shape) ParseHeader(string text)
    {
        if (PythonLiteral.Parse(text) is not Dictionary<string, object?> header)
            throw new InvalidDataException($"the header is not a Python dictionary: {text.Trim()}");
        if (!header.TryGetValue("descr", out var descr) || !header.TryGetValue("fortran_order", out var fortran)
            || !header.TryGetValue("shape", out var shapeValue))
            throw new InvalidDataException($"the header lacks one of the keys 'descr', 'fortran_order', 'shape': {text.Trim()}");
        if (descr is not string descriptor)
            throw new NotSupportedException($"The structured .npy dtype {text.Trim()} is not supported; save plain numeric arrays.");
        if (fortran is not bool fortranOrder)
            throw new InvalidDataException($"'fortran_order' must be True or False: {text.Trim()}");
        if (shapeValue is not List<object?> dimensions || dimensions.Any(d => d is not long length || length < 0 || length > int.MaxValue))
            throw new InvalidDataException($"'shape' must be a tuple of non-negative integers: {text.Trim()}");
        var (elementType, bigEndian) = ParseDescriptor(descriptor);
        return (elementType, bigEndian, fortranOrder, dimensions.Select(d => (int)(long)d!).ToArray());
    }

    private static Span<byte> ElementBytes(Array data) => data switch
    {
        double[] values => MemoryMarshal.AsBytes(values.AsSpan()),
        float[] values => MemoryMarshal.AsBytes(values.AsSpan()),
        long[] values => MemoryMarshal.AsBytes(values.AsSpan()),
        int[] values => MemoryMarshal.AsBytes(values.AsSpan()),
        bool[] values => MemoryMarshal.AsBytes(values.AsSpan()),
        byte[] values => values.AsSpan(),
        _ => throw new ArgumentException($"Unsupported element type {data.GetType().Name}."),
    };

    private static int ItemSize(Type elementType) => elementType == typeof(bool) ? 1 : Marshal.SizeOf(elementType);

    private static void ReverseEachItem(Span<byte> bytes, int itemSize)
    {
        if (itemSize == 1) return;
        for (int offset = 0; offset < bytes.Length; offset += itemSize) bytes.Slice(offset, itemSize).Reverse();
    }

    /// <summary>Reorders a column-major buffer into row-major order for the same shape.</summary>
    private static Array ToCOrder(Array fortran, int[] shape)
    {
        int rank = shape.Length;
        var fortranStrides = new long[rank];
        fortranStrides[0] = 1;
        for (int k = 1; k < rank; k++) fortranStrides[k] = fortranStrides[k - 1] * shape[k - 1];

        var result = Array.CreateInstance(fortran.GetType().GetElementType()!, fortran.Length);
        var index = new int[rank];
        long source = 0;
        for (int target = 0; target < fortran.Length; target++)
        {
            Array.Copy(fortran, source, result, target, 1);
            // Advance the C-order multi-index (last axis fastest) and keep the Fortran offset in step.
            for (int k = rank - 1; k >= 0; k--)
            {
                index[k]++;
                source += fortranStrides[k];
                if (index[k] < shape[k]) break;
                source -= fortranStrides[k] * shape[k];
                index[k] = 0;
            }
        }
        return result;
    }

    private static void ReadExactly(Stream stream, Span<byte> buffer, string what)
    {
        try
        {
            stream.ReadExactly(buffer);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"the file ends before {what} ({buffer.Length} bytes) could be read; it is truncated.");
        }
    }

    /// <summary>The subset of Python literals that .npy headers use: dict, str, int, True/False/None, tuple and list.</summary>
    private sealed class PythonLiteral
    {
        private readonly string _text;
        private int _position;

        private PythonLiteral(string text) => _text = text;

        public static object? Parse(string text)
        {
            var parser = new PythonLiteral(text);
            var value = parser.Value();
            parser.SkipWhitespace();
            if (parser._position != text.Length) throw parser.Error("unexpected text after the header dictionary");
            return value;
        }

        private object? Value()
        {
            SkipWhitespace();
            if (_position >= _text.Length) throw Error("the header ends early");
            char c = _text[_position];
            switch (c)
            {
                case '{':
                    var dictionary = new Dictionary<string, object?>();
                    foreach (var (key, value) in Sequence('}', keyed: true)) dictionary[key!] = value;
                    return dictionary;
                case '(':
                    return Sequence(')', keyed: false).Select(pair => pair.Value).ToList();
                case '[':
                    return Sequence(']', keyed: false).Select(pair => pair.Value).ToList();
                case '\'' or '"':
                    return String();
            }
            int start = _position;
            while (_position < _text.Length && (char.IsLetterOrDigit(_text[_position]) || _text[_position] is '-' or '+' or '_')) _position++;
            string word = _text[start.._position];
            return word switch
            {
                "True" => true,
                "False" => false,
                "None" => null,
                _ when long.TryParse(word.TrimEnd('L'), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out long number) => number,
                _ => throw Error($"cannot read the value '{(word.Length > 0 ? word : c.ToString())}'"),
            };
        }

        private List<(string? Key, object? Value)> Sequence(char close, bool keyed)
        {
            _position++;
            var items = new List<(string?, object?)>();
            while (true)
            {
                SkipWhitespace();
                if (_position < _text.Length && _text[_position] == close)
                {
                    _position++;
                    return items;
                }
                string? key = null;
                if (keyed)
                {
                    key = Value() as string ?? throw Error("dictionary keys must be strings");
                    SkipWhitespace();
                    Expect(':');
                }
                items.Add((key, Value()));
                SkipWhitespace();
                if (_position < _text.Length && _text[_position] == ',') _position++;
                else if (_position >= _text.Length || _text[_position] != close) throw Error($"expected ',' or '{close}'");
            }
        }

        private string String()
        {
            char quote = _text[_position++];
            int end = _text.IndexOf(quote, _position);
            if (end < 0) throw Error("a string is not closed");
            string value = _text[_position..end];
            _position = end + 1;
            return value;
        }

        private void Expect(char c)
        {
            if (_position >= _text.Length || _text[_position] != c) throw Error($"expected '{c}'");
            _position++;
        }

        private void SkipWhitespace()
        {
            while (_position < _text.Length && char.IsWhiteSpace(_text[_position])) _position++;
        }

        private InvalidDataException Error(string problem) =>
            new($"the header is corrupt ({problem} at character {_position}): {_text.Trim()}");
    }
}
