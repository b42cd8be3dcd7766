using System.Diagnostics;
using System.Globalization;
using System.Text;
using Physis.Differentiation;
using Physis.Infrastructure;
using Physis.Runs;
using Physis.Suite.Problems;
using Physis.Training;

namespace Physis.Suite.Benchmarks;

/// <summary>What `physis bench highdim` measures: the problem, the dimensions and estimators, and how long each cell may take.</summary>
/// <param name="Problem">a ball problem of the catalogue (allen-cahn-twobody, ...)</param>
/// <param name="TimingSteps">steps timed per cell when <paramref name="TrainSteps"/> is 0</param>
/// <param name="TrainSteps">steps trained per cell to measure the error at the end (0: timing only)</param>
/// <param name="CellSeconds">a cell whose predicted run time exceeds this is skipped, with the prediction in its note</param>
public sealed record HighDimensionalBenchmarkOptions(string Problem, IReadOnlyList<int> Dimensions, IReadOnlyList<LaplacianEstimatorKind> Estimators,
    int Directions = 16, int TimingSteps = 20, int TrainSteps = 0, double CellSeconds = 600)
{
    public void Validate()
    {
        if (Dimensions.Count == 0 || Dimensions.Any(d => d < 3))
            throw new ArgumentException($"--dimensions must list dimensions of at least 3, got [{string.Join(", ", Dimensions)}].");
        if (Estimators.Count == 0) throw new ArgumentException("--estimators must list at least one estimator.");
        if (Directions < 1) throw new ArgumentException($"--directions must be at least 1, got {Directions}.");
        if (TimingSteps < 3) throw new ArgumentException($"--steps must be at least 3 (the first two are not timed), got {TimingSteps}.");
        if (TrainSteps < 0) throw new ArgumentException($"--train-steps cannot be negative, got {TrainSteps}.");
        if (!(CellSeconds > 0)) throw new ArgumentException($"--cell-seconds must be positive, got {CellSeconds}.");
    }
}

/// <summary>
/// The SDGD/STDE benchmarks against the dimension: for each dimension and estimator, seconds per step and peak resident
/// memory, and where cells train, the iterations, wall time and relative L2 error at the end. A cell predicted to take
/// longer than its budget (from the same estimator at the last dimension, scaled by d, or by d^2 for the exact Laplacian)
/// is skipped and says so, which is where the exact column stops.
/// </summary>
public static class HighDimensionalBenchmark
{
    public static readonly string[] Columns =
    [
        "problem", "dimension", "estimator", "directions", "seconds_per_step", "peak_memory_mb", "iterations", "wall_seconds", "relative_l2",
        "note",
    ];

    public static void Run(HighDimensionalBenchmarkOptions options, string output, Action<string> log)
    {
        options.Validate();
        var catalog = ProblemCatalog.Find(options.Problem) as IDimensionalProblem
            ?? throw new ArgumentException($"{options.Problem} is not posed in any dimension; bench highdim takes "
                + $"{string.Join(", ", ProblemCatalog.All.OfType<IDimensionalProblem>().Select(p => p.Name))}.");
        Directory.CreateDirectory(output);
        var rows = new List<string[]>();
        var last = new Dictionary<LaplacianEstimatorKind, (int Dimension, double Seconds)>();
        foreach (var d in options.Dimensions)
            foreach (var kind in options.Estimators)
            {
                var row = Cell(catalog.WithDimension(d), d, kind, options, last, log);
                rows.Add(row);
                Write(output, options, rows);
            }
    }

    private static string[] Cell(ICatalogProblem problem, int d, LaplacianEstimatorKind kind, HighDimensionalBenchmarkOptions options,
        Dictionary<LaplacianEstimatorKind, (int Dimension, double Seconds)> last, Action<string> log)
    {
        string name = Name(kind);
        int directions = kind == LaplacianEstimatorKind.Exact ? d : Math.Min(options.Directions, d);
        int steps = options.TrainSteps > 0 ? options.TrainSteps : options.TimingSteps;
        string[] Row(string perStep, string memory, string iterations, string wall, string error, string note) =>
            [problem.Name, Text(d), name, Text(directions), perStep, memory, iterations, wall, error, note];
        if (last.TryGetValue(kind, out var before))
        {
            double ratio = (double)d / before.Dimension, predicted = before.Seconds * (kind == LaplacianEstimatorKind.Exact ? ratio * ratio : ratio);
            if (predicted * steps > options.CellSeconds)
            {
                log($"d = {d}, {name}: skipped, about {predicted:G3} s per step");
                return Row("", "", "", "", "", string.Create(CultureInfo.InvariantCulture,
                    $"not run: about {predicted:G3} s per step predicted, over the {options.CellSeconds:G} s budget for {steps} steps"));
            }
        }
        var preset = problem.Presets["default"];
        var settings = preset with
        {
            Schedule = preset.Schedule with { AdamIterations = steps },
            Laplacian = new LaplacianEstimatorOptions(kind, Math.Max(1, directions)),
        };
        string folder = Path.Combine(Path.GetTempPath(), $"physis-highdim-{Guid.NewGuid():N}");
        var clock = new StepClock();
        using var memory = new PeakMemory();
        try
        {
            var result = CatalogRun.Execute(problem, "default", settings, folder, resume: false, checkpointEvery: Math.Max(steps, 1), clock);
            double perStep = clock.SecondsPerStep;
            last[kind] = (d, perStep);
            log(string.Create(CultureInfo.InvariantCulture,
                $"d = {d}, {name}: {perStep:F4} s per step, peak {memory.PeakMegabytes:F0} MB, relative L2 {result.RelativeL2:E2}"));
            return Row(Text(perStep), Text(Math.Round(memory.PeakMegabytes)), Text(result.Iterations), Text(result.WallSeconds),
                options.TrainSteps > 0 ? Text(result.RelativeL2) : "", options.TrainSteps > 0 ? "" : $"timing only: {steps} steps");
        }
        catch (ArgumentException e) when (e.Message.StartsWith("This run needs about", StringComparison.Ordinal))
        {
            log($"d = {d}, {name}: {e.Message}");
            return Row("", "", "", "", "", $"not run: {e.Message}");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static string Name(LaplacianEstimatorKind kind) => kind switch
    {
        LaplacianEstimatorKind.StdeSparse => "stde-sparse",
        LaplacianEstimatorKind.StdeDense => "stde-dense",
        _ => kind.ToString().ToLowerInvariant(),
    };

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    private static void Write(string output, HighDimensionalBenchmarkOptions options, List<string[]> rows)
    {
        var csv = new StringBuilder(string.Join(",", Columns)).Append('\n');
        foreach (var row in rows) csv.AppendJoin(',', row.Select(Quote)).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(output, "bench.csv"), csv.ToString());
        string mode = options.TrainSteps > 0 ? $"{options.TrainSteps} training steps per cell" : $"timing only, {options.TimingSteps} steps per cell";
        var md = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"# bench highdim: {options.Problem}, {mode}, {TorchSharp.torch.get_num_threads()} thread(s), {DateTime.UtcNow:yyyy-MM-dd}\n\n"));
        md.Append(CultureInfo.InvariantCulture, $"CPU: {BenchmarkReport.CpuModel()}, {Environment.ProcessorCount} logical cores\n\n");
        md.Append("| ").AppendJoin(" | ", Columns).Append(" |\n|").AppendJoin("", Columns.Select(_ => " --- |")).Append('\n');
        foreach (var row in rows)
            md.Append("| ").AppendJoin(" | ", row.Select((cell, i) => BenchmarkReport.Format(BenchSuite.HighDimensional, Columns[i], cell)))
                .Append(" |\n");
        AtomicFile.WriteAllText(Path.Combine(output, "bench.md"), md.ToString());
    }

    private static string Quote(string cell) => cell.Contains(',') || cell.Contains('"') ? $"\"{cell.Replace("\"", "\"\"")}\"" : cell;

    /// <summary>The median time between steps after the first two (which pay for warm-up).</summary>
    private sealed class StepClock : ITrainingCallback
    {
        private readonly List<double> times = [];
        private readonly Stopwatch clock = Stopwatch.StartNew();

        public void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep) => times.Add(clock.Elapsed.TotalSeconds);

        public double SecondsPerStep
        {
            get
            {
                var intervals = times.Skip(2).Zip(times.Skip(3), (a, b) => b - a).Order().ToList();
                return intervals.Count == 0 ? double.NaN : intervals[intervals.Count / 2];
            }
        }
    }

    /// <summary>The largest resident set size of this process while it lives, sampled every 20 ms from /proc/self/status.</summary>
    private sealed class PeakMemory : IDisposable
    {
        private readonly CancellationTokenSource stop = new();
        private readonly Task sampler;
        private long peak;

        public PeakMemory()
        {
            GC.Collect();
            sampler = Task.Run(async () =>
            {
                while (!stop.IsCancellationRequested)
                {
                    peak = Math.Max(peak, Resident());
                    try { await Task.Delay(20, stop.Token); }
                    catch (TaskCanceledException) { }
                }
            });
        }

        public double PeakMegabytes => Math.Max(peak, Resident()) / (1024.0 * 1024.0);

        private static long Resident()
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
                if (line.StartsWith("VmRSS:", StringComparison.Ordinal))
                    return long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) * 1024;
            return 0;
        }

        public void Dispose()
        {
            stop.Cancel();
            sampler.Wait();
            stop.Dispose();
        }
    }
}
