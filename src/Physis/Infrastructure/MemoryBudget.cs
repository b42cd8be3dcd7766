using System.Globalization;

namespace Physis.Infrastructure;

/// <summary>
/// The memory this process may still use, and the refusal of a run whose estimated need exceeds it. libtorch answers an
/// allocation it cannot make with a native exception or a segmentation fault, not a message, so runs check their rough
/// estimate here before they build a network or write anything. Only an estimate above what is available is refused:
/// estimates are approximate, and a run that fits must not be turned away.
/// </summary>
public static class MemoryBudget
{
    public const string DefaultRemedy = "use a smaller network, fewer points or a smaller batch";

    /// <summary>
    /// Bytes this process may still allocate: on Linux MemAvailable of /proc/meminfo (free memory plus the page cache the
    /// kernel can drop), lowered to what a cgroup memory limit leaves; elsewhere the runtime's view of the machine.
    /// </summary>
    public static long Available()
    {
        if (OperatingSystem.IsLinux() && MemInfoAvailable() is { } available)
            return CgroupHeadroom() is { } headroom ? Math.Min(available, headroom) : available;
        var info = GC.GetGCMemoryInfo();
        return Math.Max(0, info.TotalAvailableMemoryBytes - info.MemoryLoadBytes);
    }

    /// <summary>
    /// Throws an <see cref="ArgumentException"/> of one line, saying how much the run needs for <paramref name="what"/> and
    /// how much the machine has, when <paramref name="bytes"/> exceeds <see cref="Available"/>.
    /// </summary>
    public static void Require(long bytes, string what, string remedy = DefaultRemedy) => Require(bytes, what, Available(), remedy);

    /// <summary>The check of <see cref="Require(long, string, string)"/> against a given amount of available memory.</summary>
    public static void Require(long bytes, string what, long available, string remedy = DefaultRemedy)
    {
        if (bytes <= available) return;
        throw new ArgumentException($"This run needs about {Format(bytes)} for {what}, but the machine has {Format(available)} available; "
            + $"{remedy}.");
    }

    /// <summary>Bytes with one or two significant digits in binary units: "640 MiB", "1.5 GiB", "298 GiB", "20 TiB".</summary>
    public static string Format(long bytes)
    {
        string[] units = ["bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"];
        double value = Math.Max(bytes, 0);
        int unit = 0;
        // Rounding can carry into the next unit (1023.7 MiB shows as 1 GiB, not 1024 MiB).
        while (unit < units.Length - 1 && Math.Round(value, value < 10 ? 1 : 0) >= 1024)
        {
            value /= 1024;
            unit++;
        }
        string number = value < 10 ? value.ToString("0.#", CultureInfo.InvariantCulture) : value.ToString("F0", CultureInfo.InvariantCulture);
        return $"{number} {units[unit]}";
    }

    /// <summary>A count computed in floating point as a long, saturating at <see cref="long.MaxValue"/> instead of overflowing.</summary>
    public static long Saturated(double count) =>
        double.IsNaN(count) || count >= long.MaxValue ? long.MaxValue : (long)Math.Ceiling(Math.Max(count, 0));

    private static long? MemInfoAvailable()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
                    return Kilobytes(line["MemAvailable:".Length..]);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // No /proc: fall back to the runtime's figure.
        }
        return null;
    }

    /// <summary>"  24213700 kB" as bytes.</summary>
    private static long? Kilobytes(string text)
    {
        var parts = text.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        return parts.Length > 0 && long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out long kb) ? kb * 1024 : null;
    }

    /// <summary>
    /// What the process's cgroup (v2, else v1) still allows: its limit less its use, not counting the file cache the
    /// kernel reclaims under pressure; null without a limit.
    /// </summary>
    private static long? CgroupHeadroom()
    {
        foreach (var (folder, limitFile, usageFile, cacheKey) in new[]
        {
            ("/sys/fs/cgroup", "memory.max", "memory.current", "file"),
            ("/sys/fs/cgroup/memory", "memory.limit_in_bytes", "memory.usage_in_bytes", "total_cache"),
        })
        {
            try
            {
                string limitPath = Path.Combine(folder, limitFile), usagePath = Path.Combine(folder, usageFile);
                if (!File.Exists(limitPath) || !File.Exists(usagePath)) continue;
                // "max" (v2) or a value near long.MaxValue (v1) means no limit.
                if (Number(File.ReadAllText(limitPath)) is not { } limit || limit >= long.MaxValue / 2) return null;
                if (Number(File.ReadAllText(usagePath)) is not { } usage) return null;
                string statPath = Path.Combine(folder, "memory.stat");
                long cache = File.Exists(statPath)
                    ? File.ReadLines(statPath).Select(l => l.Split(' ')).Where(f => f.Length == 2 && f[0] == cacheKey)
                        .Select(f => Number(f[1]) ?? 0).FirstOrDefault()
                    : 0;
                return Math.Max(0, limit - Math.Max(0, usage - cache));
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
        return null;
    }

    private static long? Number(string text) =>
        long.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out long value) ? value : null;
}
