using System.Globalization;
using Physis.Suite.Benchmarks;

namespace Physis.Tests.Cli;

/// <summary>`physis bench highdim`: one row per dimension and estimator, each cell in a process of its own, read by `bench report`.</summary>
public class HighDimensionalBenchTests
{
    [Fact]
    public void EveryCellIsTimedOrSaysWhyNotAndTheReportReadsTheTable()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-highdim-bench-{Guid.NewGuid():N}");
        try
        {
            string bench = Path.Combine(folder, "highdim");
            var (code, output, error) = SolveCommandTests.Physis("bench", "highdim", "--problem", "poisson-twobody", "--dimensions", "4,400",
                "--estimators", "exact,stde-sparse", "--directions", "2", "--steps", "4", "--cell-seconds", "0.5", "--out", bench);
            Assert.True(code == 0, error + output);
            var rows = BenchmarkReport.Read(bench, "highdim");
            Assert.Equal(BenchSuite.HighDimensional, rows.Suite);
            Assert.Equal(4, rows.Rows.Count);
            foreach (var row in rows.Rows.Take(2))
            {
                Assert.True(double.Parse(rows.Cell(row, "seconds_per_step"), CultureInfo.InvariantCulture) > 0);
                Assert.True(double.Parse(rows.Cell(row, "peak_memory_mb"), CultureInfo.InvariantCulture) > 10);
                Assert.Equal("4", rows.Cell(row, "iterations"));
            }
            // The exact Laplacian costs d^2: a hundred times the dimension, ten thousand times the step, over a 0.5 s budget.
            var exact = rows.Rows[2];
            Assert.Equal("exact", rows.Cell(exact, "estimator"));
            Assert.StartsWith("not run: about", rows.Cell(exact, "note"));
            string page = Path.Combine(folder, "benchmarks.md");
            (code, _, error) = SolveCommandTests.Physis("bench", "report", "--from", bench, "--out", page);
            Assert.True(code == 0, error);
            Assert.Contains("## High-dimensional PDEs", File.ReadAllText(page));
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }
}
