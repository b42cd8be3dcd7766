using System.Buffers.Binary;
using System.IO.Compression;
using System.Text;
using Physis.Data.Formats;

namespace Physis.Data.PyTorch;

/// <summary>
/// Reads the tensors of a file written by <c>torch.save</c> (the zip archive of PyTorch 1.6 and later): a tensor, a
/// dictionary of tensors (nested ones named "outer.inner"), or a list or tuple of them (named by position). The pickle
/// inside is interpreted only as far as tensors, containers, strings and numbers go: nothing in it is executed, and
/// any other object is skipped.
/// </summary>
public static class TorchFile
{
    /// <summary>Every tensor in the file by name ("" for a file that holds one tensor).</summary>
    public static IReadOnlyDictionary<string, ExternalArray> Read(string path)
    {
        if (!File.Exists(path)) throw new FileNotFoundException($"The PyTorch file does not exist: {path}.", path);
        ZipArchive archive;
        try
        {
            archive = ZipFile.OpenRead(path);
        }
        catch (InvalidDataException)
        {
            throw new InvalidDataException($"{path} is not a PyTorch file of torch.save's zip format (PyTorch 1.6 or later); an older file "
                + "can be saved again with torch.save in a current PyTorch.");
        }
        using (archive)
        {
            // torch.save puts everything under one folder named after the file: NAME/data.pkl, NAME/data/0, ...
            var pickle = archive.Entries.FirstOrDefault(e => e.FullName.EndsWith("/data.pkl", StringComparison.Ordinal)
                    && e.FullName.Count(c => c == '/') == 1)
                ?? throw new InvalidDataException($"{path} is a zip file but holds no data.pkl: not written by torch.save.");
            string prefix = pickle.FullName[..^"data.pkl".Length];
            var byteOrder = archive.GetEntry(prefix + "byteorder");
            if (byteOrder is not null && new StreamReader(byteOrder.Open()).ReadToEnd().Trim() != "little")
                throw new InvalidDataException($"{path} was written on a big-endian machine, which Physis does not read.");
            var root = new Unpickler(ReadAll(pickle), path).Load();
            var arrays = new Dictionary<string, ExternalArray>();
            Collect(root, "", arrays, key => ReadAll(archive.GetEntry($"{prefix}data/{key}")
                ?? throw new InvalidDataException($"{path} lacks the storage data/{key} that a tensor refers to.")), path);
            return arrays;
        }
    }

    private static byte[] ReadAll(ZipArchiveEntry entry)
    {
        using var stream = entry.Open();
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }

    /// <summary>Walks containers and turns every tensor reference into an array named by its path.</summary>
    private static void Collect(object? value, string name, Dictionary<string, ExternalArray> arrays, Func<string, byte[]> storage, string path)
    {
        switch (value)
        {
            case TensorReference tensor:
                arrays[name] = tensor.Materialise(name, storage(tensor.Storage.Key), path);
                break;
            case Dictionary<object, object?> dictionary:
                foreach (var (key, item) in dictionary)
                    Collect(item, name.Length == 0 ? $"{key}" : $"{name}.{key}", arrays, storage, path);
                break;
            case List<object?> list:
                for (int i = 0; i < list.Count; i++) Collect(list[i], name.Length == 0 ? $"{i}" : $"{name}.{i}", arrays, storage, path);
                break;
            case object?[] tuple:
                for (int i = 0; i < tuple.Length; i++) Collect(tuple[i], name.Length == 0 ? $"{i}" : $"{name}.{i}", arrays, storage, path);
                break;
        }
    }

    private sealed record Global(string Module, string Name)
    {
        public override string ToString() => $"{Module}.{Name}";
    }

    private sealed record StorageReference(string Type, string Key);

    /// <summary>What a pickle REDUCE built that is neither a tensor nor a container: kept only so the stack stays right.</summary>
    private sealed record Opaque(Global Callable);

    private sealed record TensorReference(StorageReference Storage, long Offset, int[] Shape, long[] Strides)
    {
        public ExternalArray Materialise(string name, byte[] bytes, string path)
        {
            var (width, complex) = Storage.Type switch
            {
                "DoubleStorage" or "LongStorage" => (8, false),
                "FloatStorage" or "IntStorage" => (4, false),
                "HalfStorage" or "BFloat16Storage" or "ShortStorage" => (2, false),
                "CharStorage" or "ByteStorage" or "BoolStorage" => (1, false),
                "ComplexFloatStorage" => (8, true),
                "ComplexDoubleStorage" => (16, true),
                _ => throw new InvalidDataException($"{path}: tensor '{name}' is stored as {Storage.Type}, which Physis does not read."),
            };
            long count = Shape.Aggregate(1L, (a, b) => a * b);
            var (real, imaginary) = (new double[count], complex ? new double[count] : null);
            var index = new int[Shape.Length];
            for (long i = 0; i < count; i++)
            {
                long element = Offset;
                for (int d = 0; d < Shape.Length; d++) element += index[d] * Strides[d];
                long at = element * width;
                if (at < 0 || at + width > bytes.Length)
                    throw new InvalidDataException($"{path}: tensor '{name}' reaches past the end of its storage.");
                var span = bytes.AsSpan((int)at, width);
                if (complex)
                    (real[i], imaginary![i]) = width == 8
                        ? (BinaryPrimitives.ReadSingleLittleEndian(span), BinaryPrimitives.ReadSingleLittleEndian(span[4..]))
                        : (BinaryPrimitives.ReadDoubleLittleEndian(span), BinaryPrimitives.ReadDoubleLittleEndian(span[8..]));
                else real[i] = Storage.Type switch
                {
                    "DoubleStorage" => BinaryPrimitives.ReadDoubleLittleEndian(span),
                    "LongStorage" => BinaryPrimitives.ReadInt64LittleEndian(span),
                    "FloatStorage" => BinaryPrimitives.ReadSingleLittleEndian(span),
                    "IntStorage" => BinaryPrimitives.ReadInt32LittleEndian(span),
                    "HalfStorage" => (double)BinaryPrimitives.ReadHalfLittleEndian(span),
                    // bfloat16 is the upper half of a float32.
                    "BFloat16Storage" => BitConverter.Int32BitsToSingle(BinaryPrimitives.ReadUInt16LittleEndian(span) << 16),
                    "ShortStorage" => BinaryPrimitives.ReadInt16LittleEndian(span),
                    "CharStorage" => (sbyte)span[0],
                    _ => span[0],
                };
                // Row-major order: the last index runs fastest.
                for (int d = Shape.Length - 1; d >= 0 && ++index[d] == Shape[d]; d--) index[d] = 0;
            }
            return new ExternalArray(name, Shape, real, imaginary, Storage.Type[..^"Storage".Length].ToLowerInvariant());
        }
    }

    /// <summary>The pickle opcodes torch.save writes (protocol 2, and those of later protocols a user may choose).</summary>
    private sealed class Unpickler(byte[] data, string path)
    {
        private static readonly object Mark = new();
        private readonly Stack<object?> stack = new();
        private readonly Dictionary<long, object?> memo = new();
        private int at;

        public object? Load()
        {
            while (true)
            {
                if (at >= data.Length) throw Damaged("it ends without STOP");
                byte opcode = data[at++];
                switch (opcode)
                {
                    case 0x80: at++; break;                                   // PROTO
                    case 0x95: at += 8; break;                                // FRAME
                    case (byte)'.': return stack.Pop();                       // STOP
                    case (byte)'}': stack.Push(new Dictionary<object, object?>()); break;
                    case (byte)']': stack.Push(new List<object?>()); break;
                    case (byte)')': stack.Push(Array.Empty<object?>()); break;
                    case (byte)'(': stack.Push(Mark); break;
                    case (byte)'N': stack.Push(null); break;
                    case 0x88: stack.Push(true); break;
                    case 0x89: stack.Push(false); break;
                    case (byte)'K': stack.Push((long)data[at++]); break;
                    case (byte)'M': stack.Push((long)BinaryPrimitives.ReadUInt16LittleEndian(Take(2))); break;
                    case (byte)'J': stack.Push((long)BinaryPrimitives.ReadInt32LittleEndian(Take(4))); break;
                    case 0x8a: stack.Push(Long(Take(data[at++]))); break;     // LONG1
                    case (byte)'G': stack.Push(BinaryPrimitives.ReadDoubleBigEndian(Take(8))); break;
                    case (byte)'X': stack.Push(Encoding.UTF8.GetString(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))); break;
                    case 0x8c: stack.Push(Encoding.UTF8.GetString(Take(data[at++]))); break;
                    case (byte)'U': stack.Push(Encoding.Latin1.GetString(Take(data[at++]))); break;
                    case (byte)'T': stack.Push(Encoding.Latin1.GetString(Take(BinaryPrimitives.ReadInt32LittleEndian(Take(4))))); break;
                    case (byte)'q': memo[data[at++]] = stack.Peek(); break;
                    case (byte)'r': memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))] = stack.Peek(); break;
                    case 0x94: memo[memo.Count] = stack.Peek(); break;       // MEMOIZE
                    case (byte)'h': stack.Push(memo[data[at++]]); break;
                    case (byte)'j': stack.Push(memo[BinaryPrimitives.ReadUInt32LittleEndian(Take(4))]); break;
                    case (byte)'c': stack.Push(new Global(Line(), Line())); break;
                    case 0x93:                                                // STACK_GLOBAL
                        var globalName = (string)stack.Pop()!;
                        stack.Push(new Global((string)stack.Pop()!, globalName));
                        break;
                    case (byte)'t': stack.Push(PopToMark().ToArray()); break;
                    case 0x85: stack.Push(new[] { stack.Pop() }); break;
                    case 0x86: { var b = stack.Pop(); var a = stack.Pop(); stack.Push(new[] { a, b }); break; }
                    case 0x87: { var c = stack.Pop(); var b = stack.Pop(); var a = stack.Pop(); stack.Push(new[] { a, b, c }); break; }
                    case (byte)'s': { var v = stack.Pop(); var k = stack.Pop(); ((Dictionary<object, object?>)stack.Peek()!)[k!] = v; break; }
                    case (byte)'u':
                        var pairs = PopToMark();
                        var dictionary = (Dictionary<object, object?>)stack.Peek()!;
                        for (int i = 0; i + 1 < pairs.Count; i += 2) dictionary[pairs[i]!] = pairs[i + 1];
                        break;
                    case (byte)'a': { var v = stack.Pop(); ((List<object?>)stack.Peek()!).Add(v); break; }
                    case (byte)'e': { var items = PopToMark(); ((List<object?>)stack.Peek()!).AddRange(items); break; }
                    case (byte)'Q': stack.Push(Persistent(stack.Pop())); break;    // BINPERSID
                    case (byte)'R': { var arguments = (object?[])stack.Pop()!; stack.Push(Reduce((Global)stack.Pop()!, arguments)); break; }
                    case 0x81: stack.Pop(); stack.Push(new Opaque((Global)stack.Pop()!)); break;  // NEWOBJ: its arguments are not needed
                    case (byte)'b': stack.Pop(); break;                       // BUILD: the state of an object Physis does not use
                    default: throw Damaged($"opcode 0x{opcode:x2} at byte {at - 1} is not one torch.save writes");
                }
            }
        }

        private object? Reduce(Global callable, object?[] arguments) => callable.ToString() switch
        {
            "torch._utils._rebuild_tensor_v2" or "torch._utils._rebuild_tensor" => new TensorReference(
                arguments[0] as StorageReference ?? throw Damaged("a tensor without its storage"), Convert.ToInt64(arguments[1]),
                [.. ((object?[])arguments[2]!).Select(Convert.ToInt32)], [.. ((object?[])arguments[3]!).Select(Convert.ToInt64)]),
            "torch._utils._rebuild_parameter" or "torch._utils._rebuild_parameter_with_state" => arguments[0],
            "collections.OrderedDict" => new Dictionary<object, object?>(),
            _ => new Opaque(callable),
        };

        /// <summary>torch.save's persistent id of a storage: ('storage', its type, its key in data/, its device, its size).</summary>
        private StorageReference Persistent(object? id) =>
            id is object?[] { Length: >= 3 } tuple && tuple[0] is "storage" && tuple[1] is Global type && tuple[2] is string key
                ? new StorageReference(type.Name, key)
                : throw Damaged("a persistent reference that is not a tensor storage");

        private List<object?> PopToMark()
        {
            var items = new List<object?>();
            while (true)
            {
                var item = stack.Pop();
                if (ReferenceEquals(item, Mark)) break;
                items.Add(item);
            }
            items.Reverse();
            return items;
        }

        private ReadOnlySpan<byte> Take(int count)
        {
            if (count < 0 || at + count > data.Length) throw Damaged("it is truncated");
            var span = data.AsSpan(at, count);
            at += count;
            return span;
        }

        private string Line()
        {
            int end = Array.IndexOf(data, (byte)'\n', at);
            if (end < 0) throw Damaged("a name without its line end");
            string line = Encoding.ASCII.GetString(data, at, end - at);
            at = end + 1;
            return line;
        }

        private static long Long(ReadOnlySpan<byte> bytes)
        {
            long value = 0;
            for (int i = bytes.Length - 1; i >= 0; i--) value = value << 8 | bytes[i];
            // Two's complement of the given width.
            return bytes.Length is > 0 and < 8 && (bytes[^1] & 0x80) != 0 ? value - (1L << (8 * bytes.Length)) : value;
        }

        private InvalidDataException Damaged(string what) => new($"{path}: the pickle of torch.save cannot be read: {what}.");
    }
}
