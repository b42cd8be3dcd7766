using System.Globalization;
using Physis.Data.NumPy;
using Physis.Tests.Cli;
using Xunit;

namespace Physis.Tests.Distributed;

/// <summary>
/// `physis solve` under `mpiexec -n 2`: the ranks split every block of points and sum losses and gradients in rank
/// order, so in float64 the loss history is the single-process one to round-off, whatever the methods do.
/// </summary>
public class PinnDistributedTests
{
    private static readonly string[] Plain = ["solve", "burgers", "--precision", "float64", "--lbfgs-iterations", "15",
        "--domain-points", "301", "--boundary-points", "41", "--initial-points", "37"];

    // MultiAdam, gradient-norm balancing, causal weights and residual-based refinement all reduce over the ranks.
    private const string Methods = """
        sampling:
          domain: 301
          boundary: 41
          initial: 37
          adaptive: { method: rar, every: 5, candidates: 200, points: 10 }
        training:
          optimizer: multiadam
          adam: { iterations: 30 }
          lbfgs: { iterations: 15 }
          loss-balancing: { method: gradient-norm, every: 5 }
          causal: { chunks: 4, epsilons: [0.1, 1], threshold: 0.9 }
        network: { hidden: [12, 12] }
        """;

    [MpiFact]
    public void TwoRanksGiveTheSingleProcessLossHistory()
    {
        using var folders = new Folders();
        // Wide layers: more than 16,384 parameters take the reduce-scatter path of the gradient sum.
        string[] wide = [.. Plain, "--iterations", "25", "--hidden", "100,100"];
        Assert.Equal(0, SolveCommandTests.Physis([.. wide, "--out", folders.Single]).ExitCode);
        var (code, output, error) = MpiJob.Run(2, [.. wide, "--out", folders.Ranks]);
        Assert.True(code == 0, error);
        Assert.Contains("data-parallel on 2 ranks", output);
        // Rank 0 alone reports.
        Assert.Single(output.Split('\n'), l => l.StartsWith("relative L2 error", StringComparison.Ordinal));
        AssertSameHistory(folders.Single, folders.Ranks, 40);
    }

    [MpiFact]
    public void TrainingMethodsSeeGlobalQuantities()
    {
        using var folders = new Folders();
        string config = Path.Combine(folders.Root, "methods.yaml");
        Directory.CreateDirectory(folders.Root);
        File.WriteAllText(config, Methods);
        string[] args = ["solve", "burgers", "--precision", "float64", "--config", config];
        Assert.Equal(0, SolveCommandTests.Physis([.. args, "--out", folders.Single]).ExitCode);
        var (code, _, error) = MpiJob.Run(2, [.. args, "--out", folders.Ranks]);
        Assert.True(code == 0, error);
        AssertSameHistory(folders.Single, folders.Ranks, 45);
    }

    [MpiFact]
    public void AKilledTwoRankRunResumesToTheUninterruptedResult()
    {
        using var folders = new Folders();
        string[] longer = [.. Plain, "--iterations", "400", "--checkpoint-every", "20"];
        Assert.Equal(0, MpiJob.Run(2, [.. longer, "--out", folders.Single]).Code);
        string checkpoint = Path.Combine(folders.Ranks, "checkpoint.bin");
        // Killed once rank 0 has written its second checkpoint (step 40 or later).
        var versions = new HashSet<(DateTime, long)>();
        MpiJob.KillAfter(2, [.. longer, "--out", folders.Ranks], () =>
        {
            var info = new FileInfo(checkpoint);
            if (info.Exists) versions.Add((info.LastWriteTimeUtc, info.Length));
            return versions.Count >= 2;
        });
        Assert.False(File.Exists(Path.Combine(folders.Ranks, "run.json")), "the job finished before it was killed");
        var (code, _, error) = MpiJob.Run(2, [.. Plain.Take(2), "--resume", "--out", folders.Ranks]);
        Assert.True(code == 0, error);
        foreach (var file in new[] { "checkpoint.bin", "loss.csv" })
            Assert.Equal(File.ReadAllBytes(Path.Combine(folders.Single, file)), File.ReadAllBytes(Path.Combine(folders.Ranks, file)));
        var straight = Npz.Read(Path.Combine(folders.Single, "prediction.npz"));
        var resumed = Npz.Read(Path.Combine(folders.Ranks, "prediction.npz"));
        foreach (var (name, array) in straight) Assert.Equal(array.ToDoubles(), resumed[name].ToDoubles());
    }

    [MpiFact]
    public void MethodsThatNeedEveryPointInOneProcessAreRefused()
    {
        using var folders = new Folders();
        string config = Path.Combine(folders.Root, "natural.yaml");
        Directory.CreateDirectory(folders.Root);
        File.WriteAllText(config, "training:\n  adam: { iterations: 2 }\n  natural-gradient: { iterations: 2 }\n");
        var (code, _, error) = MpiJob.Run(2, ["solve", "burgers", "--config", config, "--out", folders.Ranks]);
        Assert.Equal(2, code);
        Assert.Contains("does not run data-parallel", error);
        Assert.False(File.Exists(Path.Combine(folders.Ranks, "loss.csv")));
    }

    /// <summary>Every number of every row of loss.csv (but the seconds) equal to 1e-10 relative.</summary>
    private static void AssertSameHistory(string single, string ranks, int rows)
    {
        var a = File.ReadAllLines(Path.Combine(single, "loss.csv"));
        var b = File.ReadAllLines(Path.Combine(ranks, "loss.csv"));
        Assert.Equal(a[0], b[0]);
        Assert.Equal(rows + 1, a.Length);
        Assert.Equal(a.Length, b.Length);
        var header = a[0].Split(',');
        for (int row = 1; row < a.Length; row++)
        {
            var (x, y) = (a[row].Split(','), b[row].Split(','));
            for (int c = 0; c < header.Length; c++)
            {
                if (header[c] == "seconds" || !double.TryParse(x[c], CultureInfo.InvariantCulture, out double u)) continue;
                double v = double.Parse(y[c], CultureInfo.InvariantCulture);
                double relative = u == v ? 0 : Math.Abs(u - v) / Math.Max(Math.Abs(u), Math.Abs(v));
                Assert.True(relative <= 1e-10, $"row {row}, {header[c]}: {u:R} in one process, {v:R} on two ranks");
            }
        }
    }

    private sealed class Folders : IDisposable
    {
        public string Root { get; } = Path.Combine(Path.GetTempPath(), $"physis-mpi-{Guid.NewGuid():N}");
        public string Single => Path.Combine(Root, "single");
        public string Ranks => Path.Combine(Root, "ranks");

        public void Dispose()
        {
            if (Directory.Exists(Root)) Directory.Delete(Root, recursive: true);
        }
    }
}
