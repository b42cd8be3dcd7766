using Physis.Networks;
using Physis.Runs;
using Physis.Suite.Benchmarks;
using Physis.Suite.Problems;
using Physis.Training;

namespace Physis.Tests.Training;

public class PinnBenchmarkTests
{
    private static PinnSettings HoldingTwo => Tiny with { Schedule = Tiny.Schedule with { ParameterHoldIterations = 2 } };
    private static PinnSettings HoldingSix => Tiny with { Schedule = Tiny.Schedule with { ParameterHoldIterations = 6 } };

    private static readonly PinnSettings Tiny = new()
    {
        Network = NetworkOptions.Mlp([8]),
        Sampling = new Sampling(64, 32, 16),
        Schedule = new OptimizerSchedule { AdamIterations = 5, LbfgsIterations = 2 },
        Precision = Precision.Float64,
    };

    [Fact]
    public void RowsCarryTargetsAndAFinishedPairIsReadBackNotRetrained()
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-bench-{Guid.NewGuid():N}");
        try
        {
            var problem = ProblemCatalog.Find("heat-2d");
            var row = PinnBenchmark.Run(problem, "tiny", Tiny, Path.Combine(folder, "heat-2d-tiny"));
            Assert.Equal(BenchmarkTarget.RelativeL2, row.Metric);
            Assert.Equal(1e-3, row.Target);
            Assert.False(row.Met);
            Assert.Equal(7, row.Iterations);

            var again = PinnBenchmark.Run(problem, "tiny", Tiny, Path.Combine(folder, "heat-2d-tiny"));
            Assert.Equal(row.Value, again.Value);
            Assert.Equal(row.WallSeconds, again.WallSeconds, 9);

            // Other settings in the same folder are a different run: trained afresh, not read back.
            var longer = PinnBenchmark.Run(problem, "tiny", Tiny with { Schedule = Tiny.Schedule with { AdamIterations = 6 } },
                Path.Combine(folder, "heat-2d-tiny"));
            Assert.Equal(8, longer.Iterations);

            var inverse = ProblemCatalog.Find("burgers-inverse");
            var inverseRow = PinnBenchmark.Run(inverse, "tiny", Tiny, Path.Combine(folder, "inverse-tiny"));
            Assert.Equal("lambda relative error", inverseRow.Metric);
            Assert.True(inverseRow.Value > 0);

            // Eigenvalue problems are judged by the Rayleigh quotient of each trained state, reported beside its trained energy.
            var well = (QuantumWellProblem)ProblemCatalog.Find("quantum-well");
            var wellRow = PinnBenchmark.Run(well, "tiny", HoldingTwo, Path.Combine(folder, "well-tiny"));
            Assert.Equal("energy relative error (Rayleigh quotient)", wellRow.Metric);
            using (var record = System.Text.Json.JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "well-tiny", RunFolder.RunFile))))
            {
                var energies = record.RootElement.GetProperty("parameters");
                double worst = Enumerable.Range(0, 3).Max(n =>
                    Math.Abs(energies.GetProperty($"E{n + 1}_rayleigh").GetDouble() - well.ExactEnergies[n]) / well.ExactEnergies[n]);
                Assert.Equal(worst, wellRow.Value, 12);
                Assert.All(Enumerable.Range(1, 3), n => Assert.True(energies.TryGetProperty($"E{n}", out _)));
            }
            Assert.Equal(wellRow.Value, PinnBenchmark.Run(well, "tiny", HoldingTwo, Path.Combine(folder, "well-tiny")).Value);

            PinnBenchmark.WriteTables(folder, [row, inverseRow], "test");
            var md = File.ReadAllLines(Path.Combine(folder, "bench.md"));
            Assert.Contains(md, l => l.StartsWith("| heat-2d | tiny | relative L2 |") && l.Contains("| no |"));
            var csv = File.ReadAllLines(Path.Combine(folder, "bench.csv"));
            Assert.Equal(3, csv.Length);
            Assert.StartsWith("problem,method,metric,value,target,met,anchor,iterations,wall_seconds", csv[0]);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    [Fact]
    public void QuickModeHoldsTheParametersForTheSameShareOfAdam()
    {
        var quick = PinnBenchmark.Quick(Tiny with { Schedule = Tiny.Schedule with { AdamIterations = 3000, ParameterHoldIterations = 1000 } });
        Assert.Equal((300, 100), (quick.Schedule.AdamIterations, quick.Schedule.ParameterHoldIterations));
        // Time marching: two windows share the smoke run's iterations.
        var marching = PinnBenchmark.Quick(Tiny with
        {
            Schedule = Tiny.Schedule with { AdamIterations = 500, LbfgsIterations = 1000 },
            Marching = new MarchingSettings(40, HardStart: true),
        });
        Assert.Equal((2, 150, 50), (marching.Marching.Windows, marching.Schedule.AdamIterations, marching.Schedule.LbfgsIterations));
        marching.Validate();
        var error = Assert.Throws<ArgumentException>(() => HoldingSix.Validate());
        Assert.Contains("ParameterHoldIterations", error.Message);
    }

    [Fact]
    public void ScaledModeRunsTheSameFractionOfEveryCount()
    {
        var full = new PinnSettings
        {
            Schedule = new OptimizerSchedule
            {
                AdamIterations = 5000,
                ParameterHoldIterations = 1000,
                LbfgsIterations = 5000,
                NaturalGradientIterations = 200,
            },
            Sampling = new Sampling(8000, 200, 512),
            Network = NetworkOptions.Mlp([64, 64]),
            Marching = new MarchingSettings(10),
        };
        var scaled = PinnBenchmark.Scaled(full, 0.2);
        // Every count scaled, and nothing else changed (network, time windows).
        var expected = full with
        {
            Schedule = new OptimizerSchedule
            {
                AdamIterations = 1000,
                ParameterHoldIterations = 200,
                LbfgsIterations = 1000,
                NaturalGradientIterations = 40,
            },
            Sampling = new Sampling(1600, 40, 102),
        };
        Assert.True(PinnRun.SameSettings(expected, scaled));
        Assert.Equal(1, PinnBenchmark.Scaled(full with { Sampling = new Sampling(8000, 2, 512) }, 0.01).Sampling.Boundary);
        Assert.Equal(0, PinnBenchmark.Scaled(full with { Schedule = full.Schedule with { LbfgsIterations = 0 } }, 0.5).Schedule.LbfgsIterations);
        Assert.Contains("--scale must lie in (0, 1]", Assert.Throws<ArgumentException>(() => PinnBenchmark.Scaled(full, 0)).Message);
    }
}
