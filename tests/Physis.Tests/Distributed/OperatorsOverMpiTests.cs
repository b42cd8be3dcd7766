using System.Globalization;
using Physis.Tests.Cli;
using Xunit;

namespace Physis.Tests.Distributed;

/// <summary>
/// `physis train-operator` and `physis generate` as data-parallel MPI jobs (mpiexec.mpich -n 2) against the single
/// process: the same losses to round-off, the same resumed run, the same dataset file byte for byte.
/// </summary>
public class OperatorsOverMpiTests
{
    /// <summary>A small FNO whose batches of 3 often lie on one rank alone, so the other adds zeros.</summary>
    private static string[] Train(string data, string folder) => ["train-operator", "fno", "--data", data, "--modes", "4", "--width", "8",
        "--layers", "2", "--projection-width", "16", "--batch", "3", "--out", folder];

    [MpiFact]
    public void TwoRanksTrainAnFnoToTheSingleProcessLosses()
    {
        using var folders = new Folders();
        Generate(folders.Data, 23);
        string[] train = [.. Train(folders.Data, folders.Single), "--epochs", "4", "--precision", "float64"];
        var single = SolveCommandTests.Physis(train);
        Assert.True(single.ExitCode == 0, single.Error);
        var ranks = MpiJob.Run(2, [.. Train(folders.Data, folders.Two), "--epochs", "4", "--precision", "float64"]);
        Assert.True(ranks.Code == 0, ranks.Error);

        var (expected, actual) = (Numbers(folders.Single), Numbers(folders.Two));
        Assert.Equal(4, expected.Length);
        Assert.Equal(expected.Length, actual.Length);
        for (int epoch = 0; epoch < expected.Length; epoch++)
            foreach (var (e, a) in expected[epoch].Zip(actual[epoch]))
                Assert.True(Math.Abs(a - e) <= 1e-10 * Math.Abs(e), $"epoch {epoch + 1}: {a:R} on two ranks, {e:R} in one process");
        Assert.Contains("rank 0's share; 2 ranks", ranks.Output);
    }

    [MpiFact]
    public void ATwoRankRunKilledAfterACheckpointResumesOnTwoRanksToTheUninterruptedRun()
    {
        using var folders = new Folders();
        Generate(folders.Data, 40);
        string[] train = [.. Train(folders.Data, folders.Two), "--epochs", "40", "--checkpoint-every", "1"];
        var straight = MpiJob.Run(2, train);
        Assert.True(straight.Code == 0, straight.Error);

        string checkpoint = Path.Combine(folders.Killed, "checkpoint.bin");
        var seen = new HashSet<DateTime>();
        MpiJob.KillAfter(2, [.. Train(folders.Data, folders.Killed), "--epochs", "40", "--checkpoint-every", "1"], () =>
        {
            if (File.Exists(checkpoint)) seen.Add(File.GetLastWriteTimeUtc(checkpoint));
            return seen.Count >= 3;
        });
        var resumed = MpiJob.Run(2, "train-operator", "fno", "--resume", "--out", folders.Killed);
        Assert.True(resumed.Code == 0, resumed.Error);

        Assert.Equal(File.ReadAllBytes(Path.Combine(folders.Two, "model.bin")), File.ReadAllBytes(Path.Combine(folders.Killed, "model.bin")));
        Assert.Equal(Numbers(folders.Two), Numbers(folders.Killed));
    }

    [MpiFact]
    public void TwoRanksGenerateTheSingleProcessFileByteForByte()
    {
        using var folders = new Folders();
        Generate(folders.Data, 21);
        string merged = Path.Combine(folders.Root, "two.h5");
        var ranks = MpiJob.Run(2, "generate", "burgers", "--samples", "21", "--resolution", "32", "--workers", "1", "--out", merged);
        Assert.True(ranks.Code == 0, ranks.Error);
        Assert.Equal(File.ReadAllBytes(folders.Data), File.ReadAllBytes(merged));
        // The shards are merged and gone.
        Assert.Equal(["data.h5", "two.h5"], Directory.GetFiles(folders.Root).Select(Path.GetFileName).Order());
    }

    private static void Generate(string path, int samples)
    {
        var generated = SolveCommandTests.Physis("generate", "burgers", "--samples", $"{samples}", "--resolution", "32", "--workers", "1",
            "--out", path);
        Assert.True(generated.ExitCode == 0, generated.Error);
    }

    /// <summary>Every epoch's figures in history.csv but the seconds it took.</summary>
    private static double[][] Numbers(string folder)
    {
        var lines = File.ReadAllLines(Path.Combine(folder, "history.csv"));
        int seconds = Array.IndexOf(lines[0].Split(','), "seconds");
        Assert.True(seconds >= 0, lines[0]);
        return [.. lines.Skip(1).Select(line => line.Split(',').Where((_, i) => i != seconds)
            .Select(v => double.Parse(v, CultureInfo.InvariantCulture)).ToArray())];
    }

    private sealed class Folders : IDisposable
    {
        public string Root { get; } = Directory.CreateDirectory(Path.Combine(Path.GetTempPath(), $"physis-mpi-{Guid.NewGuid():N}")).FullName;
        public string Data => Path.Combine(Root, "data.h5");
        public string Single => Path.Combine(Root, "single");
        public string Two => Path.Combine(Root, "two");
        public string Killed => Path.Combine(Root, "killed");

        public void Dispose()
        {
            if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
        }
    }
}
