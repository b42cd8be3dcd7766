using System.Diagnostics;
using Physis.Data.Datasets;
using Physis.Data.NumPy;

namespace Physis.Tests.Cli;

/// <summary>
/// `physis solve`, `generate` and `train-operator` killed with SIGKILL at several points of a real run (a child process,
/// so nothing gets to clean up), then resumed: the results equal an uninterrupted run's, bit for bit.
/// </summary>
public class KillAndResumeTests
{
    private static readonly string[] Solve = ["solve", "burgers", "--hidden", "8,8", "--iterations", "400", "--lbfgs-iterations", "100",
        "--domain-points", "200", "--boundary-points", "20", "--initial-points", "20", "--checkpoint-every", "25"];

    [Theory]
    [InlineData(1)]   // after the first Adam checkpoint
    [InlineData(8)]   // in the middle of Adam
    [InlineData(17)]  // in L-BFGS, after the checkpoint at Adam's end
    public void SolveKilledAtACheckpointResumesToTheUninterruptedResult(int checkpoints)
    {
        using var folders = new Folders();
        Assert.Equal(0, Run([.. Solve, "--out", folders.Straight]).ExitCode);

        KillAfter([.. Solve, "--out", folders.Killed], () => Writes(Path.Combine(folders.Killed, "checkpoint.bin")) >= checkpoints);
        var resumed = Run([.. Solve.Where((_, i) => i < 2), "--resume", "--out", folders.Killed]);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Contains("resuming", resumed.Output);

        foreach (string file in new[] { "checkpoint.bin", "loss.csv" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(folders.Straight, file)), File.ReadAllBytes(Path.Combine(folders.Killed, file)));
        var straight = Npz.Read(Path.Combine(folders.Straight, "prediction.npz"));
        var killed = Npz.Read(Path.Combine(folders.Killed, "prediction.npz"));
        Assert.Equal(straight.Keys.Order(), killed.Keys.Order());
        foreach (var (name, array) in straight) Assert.Equal(array.ToDoubles(), killed[name].ToDoubles());
    }

    [Theory]
    [InlineData(1)]
    [InlineData(4)]
    public void GenerateKilledAfterFinishedChunksResumesToTheSameDataset(int chunks)
    {
        using var folders = new Folders();
        // 16 points and one output time: 64 samples a chunk, 7 chunks.
        string[] generate = ["generate", "burgers", "--samples", "400", "--resolution", "16", "--workers", "1"];
        string straight = Path.Combine(folders.Straight, "b.h5"), killed = Path.Combine(folders.Killed, "b.h5");
        Assert.Equal(0, Run([.. generate, "--out", straight]).ExitCode);

        KillAfter([.. generate, "--out", killed], () => FinishedChunks(killed + ".parts") >= chunks);
        Assert.False(File.Exists(killed), "the dataset is assembled only when every chunk is finished");
        var resumed = Run([.. generate, "--out", killed]);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        var reused = System.Text.RegularExpressions.Regex.Match(resumed.Output, @"(\d+) reused from an earlier run");
        Assert.True(reused.Success, resumed.Output);
        Assert.InRange(int.Parse(reused.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture), 64 * chunks, 399);

        var (expected, actual) = (DatasetFile.Read(straight), DatasetFile.Read(killed));
        Assert.Equal(expected.Input, actual.Input);
        Assert.Equal(expected.Tensor, actual.Tensor);
    }

    [Theory]
    [InlineData(2)]
    [InlineData(11)]
    public void TrainOperatorKilledAtAnEpochCheckpointResumesToTheSameModel(int checkpoints)
    {
        using var folders = new Folders();
        string data = folders.Data;
        Assert.Equal(0, Run(["generate", "burgers", "--samples", "12", "--resolution", "32", "--out", data]).ExitCode);
        string[] train = ["train-operator", "fno", "--data", data, "--epochs", "16", "--modes", "4", "--width", "8", "--batch", "2",
            "--checkpoint-every", "1"];
        Assert.Equal(0, Run([.. train, "--out", folders.Straight]).ExitCode);

        KillAfter([.. train, "--out", folders.Killed], () => Writes(Path.Combine(folders.Killed, "checkpoint.bin")) >= checkpoints);
        var resumed = Run(["train-operator", "fno", "--resume", "--out", folders.Killed]);
        Assert.True(resumed.ExitCode == 0, resumed.Error);

        Assert.Equal(File.ReadAllBytes(Path.Combine(folders.Straight, "model.bin")), File.ReadAllBytes(Path.Combine(folders.Killed, "model.bin")));
        // Every epoch's losses and errors; only the seconds an epoch took differ.
        Assert.Equal(WithoutSeconds(Path.Combine(folders.Straight, "history.csv")), WithoutSeconds(Path.Combine(folders.Killed, "history.csv")));
    }

    private static (int ExitCode, string Output, string Error) Run(string[] args) => SolveCommandTests.Physis(args);

    /// <summary>Starts physis and kills it (SIGKILL, the whole process tree) as soon as the condition holds.</summary>
    private static void KillAfter(string[] args, Func<bool> condition)
    {
        var (started, _, error) = SolveCommandTests.Start(args);
        using var process = started;
        var clock = Stopwatch.StartNew();
        while (!condition())
        {
            // (The message waits for the process's output, so it is built only once the process has ended.)
            if (process.HasExited) Assert.Fail($"the run ended (exit {process.ExitCode}) before the kill point: {error.Result}");
            Assert.True(clock.Elapsed < TimeSpan.FromMinutes(2), "the kill point was not reached in two minutes");
            Thread.Sleep(1);
        }
        process.Kill(entireProcessTree: true);
        process.WaitForExit();
        Assert.NotEqual(0, process.ExitCode);
    }

    private static readonly Dictionary<string, (DateTime Time, long Length, int Count)> Seen = new();

    /// <summary>How many times the file was seen rewritten so far (polled: at least this many writes happened).</summary>
    private static int Writes(string path)
    {
        lock (Seen)
        {
            var info = new FileInfo(path);
            if (!info.Exists) return 0;
            var now = (info.LastWriteTimeUtc, info.Length);
            var last = Seen.GetValueOrDefault(path);
            if ((last.Time, last.Length) != now) Seen[path] = last = (now.LastWriteTimeUtc, now.Length, last.Count + 1);
            return last.Count;
        }
    }

    private static string[] WithoutSeconds(string csv)
    {
        var lines = File.ReadAllLines(csv);
        int seconds = Array.IndexOf(lines[0].Split(','), "seconds");
        Assert.True(seconds >= 0, lines[0]);
        return [.. lines.Select(line => string.Join(',', line.Split(',').Where((_, i) => i != seconds)))];
    }

    private static int FinishedChunks(string parts) =>
        Directory.Exists(parts) ? Directory.EnumerateFiles(parts, "samples-*.h5").Count() : 0;

    private sealed class Folders : IDisposable
    {
        private readonly string root = Path.Combine(Path.GetTempPath(), $"physis-kill-{Guid.NewGuid():N}");
        public string Straight => Path.Combine(root, "straight");
        public string Killed => Path.Combine(root, "killed");
        public string Data => Path.Combine(root, "data.h5");

        public void Dispose()
        {
            if (Directory.Exists(root)) Directory.Delete(root, recursive: true);
        }
    }
}
