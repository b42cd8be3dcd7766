using System.Text;
using static TorchSharp.torch;

namespace Physis.Infrastructure;

/// <summary>
/// A small self-describing file of named tensors plus a JSON header: the checkpoint format.
/// Layout: "PHYSISTA" magic, int32 version, JSON (length-prefixed UTF-8), int32 count, then per tensor
/// its name, dtype code, rank, shape and raw little-endian data.
/// </summary>
public static class TensorArchive
{
    private const string Magic = "PHYSISTA";
    private const int Version = 1;

    public static void Save(string path, string json, IReadOnlyDictionary<string, Tensor> tensors) =>
        AtomicFile.Write(path, stream =>
        {
            using var writer = new BinaryWriter(stream, Encoding.UTF8, leaveOpen: true);
            writer.Write(Encoding.ASCII.GetBytes(Magic));
            writer.Write(Version);
            writer.Write(json);
            writer.Write(tensors.Count);
            foreach (var (name, tensor) in tensors)
            {
                using var cpu = tensor.detach().cpu().contiguous();
                writer.Write(name);
                writer.Write((int)cpu.dtype);
                writer.Write((int)cpu.dim());
                foreach (long size in cpu.shape) writer.Write(size);
                switch (cpu.dtype)
                {
                    case ScalarType.Float32: foreach (float v in cpu.data<float>()) writer.Write(v); break;
                    case ScalarType.Float64: foreach (double v in cpu.data<double>()) writer.Write(v); break;
                    case ScalarType.Int32: foreach (int v in cpu.data<int>()) writer.Write(v); break;
                    case ScalarType.Int64: foreach (long v in cpu.data<long>()) writer.Write(v); break;
                    default: throw new NotSupportedException($"Tensor '{name}' has dtype {cpu.dtype}, which checkpoints do not store.");
                }
            }
        });

    public static (string Json, Dictionary<string, Tensor> Tensors) Load(string path)
    {
        using var stream = File.OpenRead(path);
        using var reader = new BinaryReader(stream, Encoding.UTF8);
        try
        {
            if (Encoding.ASCII.GetString(reader.ReadBytes(Magic.Length)) != Magic)
                throw new InvalidDataException($"{path} is not a Physis checkpoint (bad magic).");
            int version = reader.ReadInt32();
            if (version != Version)
                throw new InvalidDataException($"{path} has checkpoint format version {version}; this build reads version {Version}.");
            string json = reader.ReadString();
            int count = reader.ReadInt32();
            var tensors = new Dictionary<string, Tensor>(count);
            for (int i = 0; i < count; i++)
            {
                string name = reader.ReadString();
                var dtype = (ScalarType)reader.ReadInt32();
                var shape = new long[reader.ReadInt32()];
                for (int d = 0; d < shape.Length; d++) shape[d] = reader.ReadInt64();
                long n = shape.Aggregate(1L, (a, b) => a * b);
                tensors[name] = dtype switch
                {
                    ScalarType.Float32 => tensor(Read(n, reader.ReadSingle), shape),
                    ScalarType.Float64 => tensor(Read(n, reader.ReadDouble), shape),
                    ScalarType.Int32 => tensor(Read(n, reader.ReadInt32), shape),
                    ScalarType.Int64 => tensor(Read(n, reader.ReadInt64), shape),
                    _ => throw new InvalidDataException($"{path}: tensor '{name}' has unsupported dtype code {(int)dtype}."),
                };
            }
            return (json, tensors);
        }
        catch (EndOfStreamException)
        {
            throw new InvalidDataException($"{path} is truncated: the checkpoint ends early.");
        }
    }

    private static T[] Read<T>(long count, Func<T> read)
    {
        var values = new T[count];
        for (long i = 0; i < count; i++) values[i] = read();
        return values;
    }
}
