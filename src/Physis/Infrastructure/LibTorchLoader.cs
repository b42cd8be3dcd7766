using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Physis.Infrastructure;

/// <summary>
/// Makes TorchSharp's native library load on systems whose libstdc++ is older than the one it was linked against
/// (Debian 12). TorchSharp-cpu 0.107.0's libLibTorchSharp.so asks for GLIBCXX_3.4.32 for one link-time-only symbol;
/// marking that single version requirement weak lets the loader accept it. The fix runs when Physis is first used, in
/// every program that references Physis (project or package reference alike), before TorchSharp's first call: a copy
/// of the library with the requirement weakened is written to a user cache folder and loaded by its full path, after
/// which TorchSharp's own load by name finds it already loaded (by its soname). The application's files and the NuGet
/// cache are never written.
/// </summary>
internal static class LibTorchLoader
{
    private const string Library = "libLibTorchSharp.so";
    internal const string MissingVersion = "GLIBCXX_3.4.32";
    private const uint ShtGnuVerneed = 0x6ffffffe;
    private const ushort VerFlagWeak = 0x2;
    // libLibTorchSharp.so's own dependencies, in load order: the weakened copy lives elsewhere, so its $ORIGIN run path
    // cannot find them, but the loader reuses libraries already loaded under the same soname.
    private static readonly string[] Dependencies = ["libc10.so", "libtorch_cpu.so", "libtorch.so"];
    private static readonly object Gate = new();
    private static bool done;

    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Both must precede TorchSharp's first call.")]
    internal static void Initialize()
    {
        Ensure();
        // MKL takes its reproducibility mode only before its first call, so here, before anything can compute.
        TensorEngine.ReproducibleMathKernels();
    }

    /// <summary>What the fix did: null when nothing was needed, else the path of the weakened copy it loaded.</summary>
    internal static string? WeakenedCopy { get; private set; }

    /// <summary>Loads the weakened copy when the system's libstdc++ lacks the version and the original does not load.</summary>
    internal static void Ensure()
    {
        lock (Gate)
        {
            if (done) return;
            done = true;
            if (!OperatingSystem.IsLinux() || SystemProvides(MissingVersion)) return;
            var original = Find();
            if (original is null || NativeLibrary.TryLoad(original, out _)) return;
            var bytes = File.ReadAllBytes(original);
            if (Weaken(bytes, MissingVersion) <= 0) return;
            string copy = WriteCopy(bytes, original);
            string folder = Path.GetDirectoryName(original)!;
            foreach (var dependency in Dependencies)
            {
                string path = Path.Combine(folder, dependency);
                if (File.Exists(path)) NativeLibrary.TryLoad(path, out _);
            }
            if (!NativeLibrary.TryLoad(copy, out _))
                throw new DllNotFoundException($"{original} needs {MissingVersion}, which this system's libstdc++ lacks, and the copy "
                    + $"with that requirement weakened ({copy}) does not load either: install a libstdc++ from GCC 13 or later.");
            WeakenedCopy = copy;
        }
    }

    /// <summary>The weakened copy in the user's cache folder, or in the temporary folder where that cannot be written.</summary>
    private static string WriteCopy(byte[] bytes, string original)
    {
        string name = Path.Combine(Convert.ToHexString(SHA256.HashData(bytes))[..16], Library);
        IOException? failure = null;
        foreach (var folder in new[] { CacheFolder(), Path.Combine(Path.GetTempPath(), $"physis-{Environment.UserName}", "libtorchsharp") })
        {
            string copy = Path.Combine(folder, name);
            try
            {
                if (!File.Exists(copy)) AtomicFile.WriteAllBytes(copy, bytes);
                return copy;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                failure = new IOException($"Cannot write the weakened copy of {original} to {copy}: {e.Message}", e);
            }
        }
        throw failure!;
    }

    /// <summary>libLibTorchSharp.so where the runtime looks for native libraries: the application folder and the deps.json probing folders.</summary>
    private static string? Find()
    {
        var folders = new List<string> { AppContext.BaseDirectory, Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native") };
        if (AppContext.GetData("NATIVE_DLL_SEARCH_DIRECTORIES") is string searched)
            folders.AddRange(searched.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries));
        return folders.Select(f => Path.Combine(f, Library)).FirstOrDefault(File.Exists);
    }

    private static string CacheFolder()
    {
        string? root = Environment.GetEnvironmentVariable("XDG_CACHE_HOME");
        if (string.IsNullOrEmpty(root))
        {
            string home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
            root = string.IsNullOrEmpty(home) ? Path.GetTempPath() : Path.Combine(home, ".cache");
        }
        return Path.Combine(root, "physis", "libtorchsharp");
    }

    internal static bool SystemProvides(string version)
    {
        string[] candidates = ["/usr/lib/x86_64-linux-gnu/libstdc++.so.6", "/lib/x86_64-linux-gnu/libstdc++.so.6", "/usr/lib64/libstdc++.so.6",
            "/usr/lib/libstdc++.so.6"];
        var library = candidates.FirstOrDefault(File.Exists);
        // Unknown layout: assume it is recent rather than patch blindly; the original then loads or fails as it would.
        return library is null || File.ReadAllBytes(library).AsSpan().IndexOf(Encoding.ASCII.GetBytes(version + "\0")) >= 0;
    }

    /// <summary>
    /// Marks every requirement of <paramref name="version"/> in the ELF's .gnu.version_r weak. Returns how many entries
    /// changed, or -1 when the bytes are not a 64-bit little-endian ELF file.
    /// </summary>
    internal static int Weaken(byte[] elf, string version)
    {
        if (elf.Length < 64 || elf[0] != 0x7f || elf[1] != (byte)'E' || elf[2] != (byte)'L' || elf[3] != (byte)'F' || elf[4] != 2 || elf[5] != 1)
            return -1;
        long sections = BitConverter.ToInt64(elf, 0x28);
        int entrySize = BitConverter.ToUInt16(elf, 0x3A), count = BitConverter.ToUInt16(elf, 0x3C), changed = 0;
        for (int s = 0; s < count; s++)
        {
            long header = sections + (long)s * entrySize;
            if (BitConverter.ToUInt32(elf, (int)header + 4) != ShtGnuVerneed) continue;
            long need = BitConverter.ToInt64(elf, (int)header + 0x18);
            int link = (int)BitConverter.ToUInt32(elf, (int)header + 0x28);
            long strings = BitConverter.ToInt64(elf, (int)(sections + (long)link * entrySize) + 0x18);
            while (true)
            {
                int auxiliaries = BitConverter.ToUInt16(elf, (int)need + 2);
                long aux = need + BitConverter.ToUInt32(elf, (int)need + 8);
                for (int a = 0; a < auxiliaries; a++)
                {
                    if (ReadString(elf, strings + BitConverter.ToUInt32(elf, (int)aux + 8)) == version)
                    {
                        ushort flags = BitConverter.ToUInt16(elf, (int)aux + 4);
                        if ((flags & VerFlagWeak) == 0)
                        {
                            BitConverter.TryWriteBytes(elf.AsSpan((int)aux + 4, 2), (ushort)(flags | VerFlagWeak));
                            changed++;
                        }
                    }
                    uint nextAux = BitConverter.ToUInt32(elf, (int)aux + 12);
                    if (nextAux == 0) break;
                    aux += nextAux;
                }
                uint next = BitConverter.ToUInt32(elf, (int)need + 12);
                if (next == 0) break;
                need += next;
            }
        }
        return changed;
    }

    private static string ReadString(byte[] bytes, long at)
    {
        int end = Array.IndexOf(bytes, (byte)0, (int)at);
        return Encoding.ASCII.GetString(bytes, (int)at, (end < 0 ? bytes.Length : end) - (int)at);
    }
}
