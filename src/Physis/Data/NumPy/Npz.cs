using System.IO.Compression;
using Physis.Infrastructure;

namespace Physis.Data.NumPy;

/// <summary>
/// Reads and writes NumPy's .npz archives (numpy.savez / savez_compressed / load): a ZIP file with one
/// "name.npy" entry per array.
/// </summary>
public static class Npz
{
    /// <param name="compressed">Deflate the entries, as numpy.savez_compressed does; otherwise store them as numpy.savez does.</param>
    public static void Write(string path, IReadOnlyDictionary<string, NpyArray> arrays, bool compressed = false)
    {
        ArgumentNullException.ThrowIfNull(arrays);
        foreach (var (name, array) in arrays)
        {
            if (string.IsNullOrEmpty(name) || name.Contains('\\'))
                throw new ArgumentException($"Array name '{name}' cannot name an .npz entry: use a non-empty name without backslashes.",
                    nameof(arrays));
            if (array is null) throw new ArgumentException($"Array '{name}' is null.", nameof(arrays));
        }

        AtomicFile.Write(path, stream =>
        {
            using var archive = new ZipArchive(stream, ZipArchiveMode.Create, leaveOpen: true);
            foreach (var (name, array) in arrays)
            {
                var entry = archive.CreateEntry(name + ".npy", compressed ? CompressionLevel.Optimal : CompressionLevel.NoCompression);
                using var entryStream = entry.Open();
                Npy.Write(entryStream, array);
            }
        });
    }

    /// <summary>All arrays of the archive, keyed by entry name without ".npy", in archive order.</summary>
    public static IReadOnlyDictionary<string, NpyArray> Read(string path)
    {
        try
        {
            using var archive = ZipFile.OpenRead(path);
            var arrays = new Dictionary<string, NpyArray>();
            foreach (var entry in archive.Entries)
            {
                if (!entry.FullName.EndsWith(".npy", StringComparison.Ordinal))
                    throw new InvalidDataException($"entry '{entry.FullName}' is not an .npy array; "
                        + "only archives written by numpy.savez are supported.");
                using var entryStream = entry.Open();
                try
                {
                    arrays[entry.FullName[..^4]] = Npy.Read(entryStream);
                }
                catch (InvalidDataException e)
                {
                    throw new InvalidDataException($"entry '{entry.FullName}': {e.Message}", e);
                }
                catch (NotSupportedException e)
                {
                    throw new NotSupportedException($"{path}, entry '{entry.FullName}': {e.Message}", e);
                }
            }
            return arrays;
        }
        catch (InvalidDataException e)
        {
            throw new InvalidDataException($"{path} is not a readable .npz archive: {e.Message}", e);
        }
    }
}
