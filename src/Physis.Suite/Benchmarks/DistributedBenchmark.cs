using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Physis.Data.Datasets;
using Physis.Infrastructure;
using Physis.Infrastructure.Distributed;
using Physis.Networks.Operators;
using Physis.Runs;
using Physis.Suite.Problems;
using Physis.Training.Operators;

namespace Physis.Suite.Benchmarks;

/// <summary>One workload timed on some number of ranks: time per step, the communication inside it and its messages.</summary>
public sealed record DistributedCell(string Workload, int Ranks, int Repeat, double SecondsPerStep, double CommunicationShare,
    double CollectivesPerStep, double ValuesPerStep, string Unit);

/// <summary>
/// `physis bench distributed`: the Burgers PINN and the Burgers FNO trained data-parallel on 1, 2, ... ranks (one
/// thread each), with the speed-up, the efficiency and the communication share; and what a simple model predicts from
/// those measurements for more ranks on a cluster network.
/// </summary>
public static class DistributedBenchmark
{
    public const string Pinn = "burgers-pinn", Fno = "burgers-fno";

    /// <summary>The FNO workload's data: Burgers at its default 1024 points, this many samples to train on and to test.</summary>
    public const int FnoTrain = 200, FnoTest = 20;

    /// <summary>The network the prediction assumes between nodes: latency per message and bandwidth (100 Gb/s InfiniBand).</summary>
    public const double LatencySeconds = 2e-6, BytesPerSecond = 12.5e9;

    /// <summary>Ranks the prediction is made for.</summary>
    public static readonly int[] PredictedRanks = [8, 64];

    /// <summary>
    /// Adam steps of `physis solve burgers` (default preset: 3 x 20 tanh MLP, 5000 collocation points, float64) on the
    /// ranks of <paramref name="ranks"/>, timed after the warm-up; rank 0's figures.
    /// </summary>
    public static DistributedCell MeasurePinn(Communicator ranks, int steps, int repeat)
    {
        var problem = ProblemCatalog.Find("burgers");
        var preset = problem.Presets["default"];
        var settings = preset with { Schedule = preset.Schedule with { AdamIterations = steps, LbfgsIterations = 0 } };
        string folder = Path.Combine(Path.GetTempPath(), $"physis-distributed-{Guid.NewGuid():N}");
        var clock = new StepClock(ranks);
        long collectives = ranks.Collectives, values = ranks.ValuesSent;
        try
        {
            CatalogRun.Execute(problem, "default", settings, folder, resume: false, checkpointEvery: steps, ranks, clock);
        }
        finally
        {
            if (ranks.IsRoot && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        // Collectives outside the timed steps (the run's start and end) are few; the counts are per step of the whole run.
        return new DistributedCell(Pinn, ranks.Size, repeat, clock.SecondsPerStep, clock.CommunicationShare,
            (double)(ranks.Collectives - collectives) / steps, (double)(ranks.ValuesSent - values) / steps, "Adam step");
    }

    /// <summary>The Burgers dataset the FNO workload trains on, generated into <paramref name="path"/> unless it is there.</summary>
    public static void GenerateFnoData(string path) =>
        DatasetGeneration.Run(DatasetCatalog.Create("burgers"), path, FnoTrain + FnoTest, seed: 0, Shard.Whole,
            Math.Min(Environment.ProcessorCount, DatasetGeneration.MaxWorkers));

    /// <summary>
    /// Epochs of `physis train-operator fno` with its 1D defaults (modes 16, width 64, 4 layers; batch 20, float32) on
    /// <see cref="GenerateFnoData"/>'s file, each rank reading its share of the samples, timed after the first epoch.
    /// </summary>
    public static DistributedCell MeasureFno(Communicator ranks, string data, int epochs, int repeat)
    {
        var settings = new OperatorRunSettings
        {
            DataPath = data,
            TrainSamples = FnoTrain,
            TestSamples = FnoTest,
            Architecture = new FnoSettings { Modes = [16] },
            Training = new OperatorTrainingSettings { Epochs = epochs },
        };
        var (train, test) = OperatorRun.Split(settings, ranks);
        string folder = Path.Combine(Path.GetTempPath(), $"physis-distributed-{Guid.NewGuid():N}");
        var clock = new EpochClock(ranks);
        long collectives = ranks.Collectives, values = ranks.ValuesSent;
        try
        {
            OperatorRun.Execute(settings, train, test, folder, resume: false, checkpointEvery: epochs, clock, communicator: ranks);
        }
        finally
        {
            if (ranks.IsRoot && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
        return new DistributedCell(Fno, ranks.Size, repeat, clock.SecondsPerEpoch, clock.CommunicationShare,
            (double)(ranks.Collectives - collectives) / epochs, (double)(ranks.ValuesSent - values) / epochs, "epoch");
    }

    /// <summary>Times the epochs after the first (which pays for warm-up) and the communication inside them.</summary>
    private sealed class EpochClock(Communicator ranks) : IOperatorTrainingCallback
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private readonly List<(double Wall, double Communication)> ends = [];

        public void OnBatch(int epoch, int batch, int batches, double loss) { }

        public void OnEpoch(EpochRecord record, int epochs) => ends.Add((clock.Elapsed.TotalSeconds, ranks.CommunicationTime.TotalSeconds));

        public double SecondsPerEpoch => ends.Count < 2 ? double.NaN : (ends[^1].Wall - ends[0].Wall) / (ends.Count - 1);

        public double CommunicationShare => ends.Count < 2
            ? double.NaN
            : (ends[^1].Communication - ends[0].Communication) / (ends[^1].Wall - ends[0].Wall);
    }

    public static string ToJson(DistributedCell cell) => JsonSerializer.Serialize(cell);

    public static DistributedCell FromJson(string json) =>
        JsonSerializer.Deserialize<DistributedCell>(json) ?? throw new InvalidDataException($"Not a benchmark cell: {json}");

    /// <summary>bench.csv (every repeat) and bench.md (medians, spread, speed-up, efficiency and the prediction).</summary>
    public static void Write(string folder, IReadOnlyList<DistributedCell> cells)
    {
        Directory.CreateDirectory(folder);
        var csv = new StringBuilder("workload,ranks,repeat,seconds_per_step,communication_share,collectives_per_step,values_per_step,unit\n");
        foreach (var c in cells)
            csv.Append(CultureInfo.InvariantCulture,
                $"{c.Workload},{c.Ranks},{c.Repeat},{c.SecondsPerStep:R},{c.CommunicationShare:R},")
                .Append(CultureInfo.InvariantCulture, $"{c.CollectivesPerStep:R},{c.ValuesPerStep:R},{c.Unit}\n");
        AtomicFile.WriteAllText(Path.Combine(folder, "bench.csv"), csv.ToString());
        AtomicFile.WriteAllText(Path.Combine(folder, "bench.md"), Markdown(cells));
    }

    private static string Markdown(IReadOnlyList<DistributedCell> cells)
    {
        var md = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"# bench distributed: data-parallel training over MPI, one thread per rank, {DateTime.UtcNow:yyyy-MM-dd}\n\n"));
        md.Append(CultureInfo.InvariantCulture, $"CPU: {BenchmarkReport.CpuModel()}, {Environment.ProcessorCount} logical cores. ");
        md.Append("Median over the repeats, with the range; speed-up and efficiency against 1 rank of the same workload.\n\n");
        md.Append("| workload (unit) | ranks | seconds per unit | range | speed-up | efficiency | communication share | collectives per unit | ")
            .Append("values sent per unit |\n|---|---|---|---|---|---|---|---|---|\n");
        var groups = cells.GroupBy(c => (c.Workload, c.Ranks)).OrderBy(g => g.Key.Workload).ThenBy(g => g.Key.Ranks).ToList();
        foreach (var g in groups)
        {
            double median = Timings.Median(g.Select(c => c.SecondsPerStep));
            var single = groups.FirstOrDefault(h => h.Key == (g.Key.Workload, 1));
            double speedUp = single is null ? double.NaN : Timings.Median(single.Select(c => c.SecondsPerStep)) / median;
            md.Append(CultureInfo.InvariantCulture,
                $"| {g.Key.Workload} ({g.First().Unit}) | {g.Key.Ranks} | {median:G3} | ")
                .Append(CultureInfo.InvariantCulture, $"{g.Min(c => c.SecondsPerStep):G3}–{g.Max(c => c.SecondsPerStep):G3} | ")
                .Append(CultureInfo.InvariantCulture,
                    $"{speedUp:F2} | {speedUp / g.Key.Ranks:P0} | {Timings.Median(g.Select(c => c.CommunicationShare)):P1} | ")
                .Append(CultureInfo.InvariantCulture, $"{Timings.Median(g.Select(c => c.CollectivesPerStep)):F1} | ")
                .Append(CultureInfo.InvariantCulture, $"{Timings.Median(g.Select(c => c.ValuesPerStep)):F0} |\n");
        }
        md.Append('\n').Append(Prediction(cells));
        return md.ToString();
    }

    /// <summary>
    /// The model: a step on R ranks costs a + b / R of compute (a the part that does not split, b the part that does,
    /// from the compute time measured on 1 and on 2 ranks) plus, for each collective, 2 log2(R) latencies and
    /// 2 (R - 1) / R of its bytes over the network (a bandwidth-optimal all-reduce).
    /// </summary>
    private static string Prediction(IReadOnlyList<DistributedCell> cells)
    {
        var md = new StringBuilder("## Prediction for more ranks (a model, not a measurement)\n\n");
        md.Append(CultureInfo.InvariantCulture,
            $"Compute per step on R ranks a + b/R, with a and b from the compute time (time minus communication) on 1 and 2 ranks; each collective ")
            .Append(CultureInfo.InvariantCulture,
                $"costs 2 log2(R) x {LatencySeconds * 1e6:G3} µs latency plus 2(R-1)/R of its bytes at {BytesPerSecond / 1e9:G3} GB/s ")
            .Append("(100 Gb/s InfiniBand), with the collectives and values per step measured on 2 ranks.\n\n");
        md.Append("| workload | ranks | predicted seconds per unit | speed-up | efficiency | communication share |\n|---|---|---|---|---|---|\n");
        foreach (var workload in cells.Select(c => c.Workload).Distinct().Order())
        {
            var one = cells.Where(c => c.Workload == workload && c.Ranks == 1).ToList();
            var two = cells.Where(c => c.Workload == workload && c.Ranks == 2).ToList();
            if (one.Count == 0 || two.Count == 0) continue;
            double t1 = Timings.Median(one.Select(c => c.SecondsPerStep));
            double c2 = Timings.Median(two.Select(c => c.SecondsPerStep * (1 - c.CommunicationShare)));
            // a + b = t1 and a + b/2 = c2; clamped so neither part is negative on a noisy machine.
            double b = Math.Clamp(2 * (t1 - c2), 0, t1), a = t1 - b;
            double collectives = Timings.Median(two.Select(c => c.CollectivesPerStep)), values = Timings.Median(two.Select(c => c.ValuesPerStep));
            foreach (int r in PredictedRanks)
            {
                double network = collectives * 2 * Math.Log2(r) * LatencySeconds + 2.0 * (r - 1) / r * values * sizeof(double) / BytesPerSecond;
                double step = a + b / r + network;
                md.Append(CultureInfo.InvariantCulture,
                    $"| {workload} | {r} | {step:G3} | {t1 / step:F1} | {t1 / step / r:P0} | {network / step:P0} |\n");
            }
        }
        return md.ToString();
    }
}
