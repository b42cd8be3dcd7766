using Xunit;

namespace Physis.Tests.Distributed;

public class DistributedBenchTests
{
    /// <summary>The bench end to end at a tiny budget: each workload on 1 and 2 ranks, then the table and the prediction.</summary>
    [MpiFact]
    public void BenchDistributedWritesTheScalingTableAndThePrediction()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-bench-mpi-{Guid.NewGuid():N}");
        try
        {
            var (code, output, error) = Cli.SolveCommandTests.Physis("bench", "distributed", "--steps", "6", "--epochs", "2", "--repeats", "1",
                "--out", folder);
            Assert.True(code == 0, error);
            Assert.Contains("burgers-fno, 2 rank(s), run 1", output);
            var rows = File.ReadAllLines(Path.Combine(folder, "bench.csv")).Skip(1).Select(l => l.Split(',')).ToList();
            Assert.Equal(["burgers-fno/1", "burgers-fno/2", "burgers-pinn/1", "burgers-pinn/2"],
                rows.Select(r => $"{r[0]}/{r[1]}").Order());
            // One rank communicates nothing; two ranks sum at least the gradient of every step.
            Assert.All(rows.Where(r => r[1] == "1"), r => Assert.Equal("0", r[5]));
            Assert.All(rows.Where(r => r[1] == "2"), r => Assert.True(double.Parse(r[5], System.Globalization.CultureInfo.InvariantCulture) >= 2));
            string table = File.ReadAllText(Path.Combine(folder, "bench.md"));
            Assert.Contains("| burgers-pinn | 64 |", table);
            Assert.Contains("| burgers-fno | 8 |", table);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
