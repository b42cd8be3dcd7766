using System.Diagnostics;
using Physis.Data.Datasets;

namespace Physis.Tests.Data;

/// <summary>
/// Generation on a disk that fills up part-way (a small tmpfs, filled by the test at a chosen sample): the write that
/// fails is an IOException with the file named, nothing half-written stays, finished chunks are kept, and once there is
/// room again the same run resumes to the dataset an unhindered run writes.
/// </summary>
public class DiskFullTests
{
    [SmallDiskFact]
    public void AChunkWriteOnAFullDiskLosesNothingAndTheRunResumes() =>
        FillAndResume(fillAtSample: 65, leaveBytes: 8 << 10, failing: ".samples-64-128.h5.");

    [SmallDiskFact]
    public void AssemblingOnAFullDiskLosesNothingAndTheRunResumes() =>
        FillAndResume(fillAtSample: 129, leaveBytes: 96 << 10, failing: ".b.h5.");

    /// <summary>
    /// 180 samples of 64 points in chunks of 64: [0, 64) and [64, 128) are written by sample 129; [128, 180) needs
    /// about 60 KiB and the assembled file about 190 KiB.
    /// </summary>
    private static void FillAndResume(int fillAtSample, long leaveBytes, string failing)
    {
        using var disk = new SmallDisk(512 << 10);
        string output = Path.Combine(disk.Folder, "b.h5");
        string filler = Path.Combine(disk.Folder, "filler");
        var generator = new BurgersDataset(64);
        bool filled = false;
        var failure = Assert.ThrowsAny<IOException>(() => DatasetGeneration.Run(generator, output, 180, 0, Shard.Whole, workers: 1,
            progress: p =>
            {
                if (filled || p.Solved < fillAtSample) return;
                filled = true;
                long free = new DriveInfo(disk.Folder).AvailableFreeSpace;
                File.WriteAllBytes(filler, new byte[Math.Max(0, free - leaveBytes)]);
            }));
        Assert.True(filled);
        Assert.Contains("No space left on device", failure.Message);
        Assert.Contains(failing, failure.Message);  // the temporary file of the write that failed
        Assert.Empty(Directory.EnumerateFiles(disk.Folder, "*.tmp", SearchOption.AllDirectories));
        Assert.False(File.Exists(output));
        Assert.Contains(Path.Combine(output + ".parts", "samples-0-64.h5"), Directory.EnumerateFiles(output + ".parts"));

        File.Delete(filler);
        var report = DatasetGeneration.Run(generator, output, 180, 0, Shard.Whole, workers: 1);
        Assert.True(report.Reused >= 64, $"{report.Reused} samples reused");
        string reference = Path.Combine(Path.GetTempPath(), $"physis-disk-reference-{Guid.NewGuid():N}.h5");
        try
        {
            DatasetGeneration.Run(generator, reference, 180, 0, Shard.Whole, workers: 1);
            var (expected, actual) = (DatasetFile.Read(reference), DatasetFile.Read(output));
            Assert.Equal(expected.Input, actual.Input);
            Assert.Equal(expected.Tensor, actual.Tensor);
        }
        finally
        {
            File.Delete(reference);
        }
    }

    /// <summary>A tmpfs of the given size mounted on a temporary folder (needs root and mount).</summary>
    private sealed class SmallDisk : IDisposable
    {
        public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"physis-small-disk-{Guid.NewGuid():N}");

        public SmallDisk(long bytes)
        {
            Directory.CreateDirectory(Folder);
            SmallDiskFactAttribute.Run("mount", "-t", "tmpfs", "-o", $"size={bytes}", "tmpfs", Folder);
        }

        public void Dispose()
        {
            SmallDiskFactAttribute.Run("umount", Folder);
            Directory.Delete(Folder);
        }
    }
}

/// <summary>A fact that mounts a small tmpfs; skipped where the tests do not run as root with mount available.</summary>
public sealed class SmallDiskFactAttribute : FactAttribute
{
    private static readonly Lazy<string?> MissingReason = new(FindMissingReason);

    public SmallDiskFactAttribute()
    {
        if (MissingReason.Value is { } reason) Skip = reason;
    }

    public static void Run(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true })!;
        string error = process.StandardError.ReadToEnd();
        process.WaitForExit();
        if (process.ExitCode != 0) throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {error.Trim()}");
    }

    private static string? FindMissingReason()
    {
        if (!OperatingSystem.IsLinux() || Environment.UserName != "root") return "mounting a small tmpfs needs root on Linux";
        string folder = Path.Combine(Path.GetTempPath(), $"physis-mount-check-{Guid.NewGuid():N}");
        try
        {
            Directory.CreateDirectory(folder);
            Run("mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", folder);
            Run("umount", folder);
            return null;
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception)
        {
            return $"cannot mount a tmpfs here: {e.Message}";
        }
        finally
        {
            Directory.Delete(folder);
        }
    }
}
