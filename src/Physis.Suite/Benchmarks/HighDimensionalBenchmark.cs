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

    /// <summary>
    /// Runs every cell through <paramref name="cell"/> (null: in this process; the command line runs each in a process of its
    /// own, so that each peak memory is that cell's) and writes bench.csv and bench.md after each.
    /// </summary>
    public static void Run(HighDimensionalBenchmarkOptions options, string output, Action<string> log,
        Func<int, LaplacianEstimatorKind, string[]>? cell = null)
    {
        options.Validate();
        var catalog = Problem(options.Problem);
        Directory.CreateDirectory(output);
        var rows = new List<string[]>();
        var last = new Dictionary<LaplacianEstimatorKind, (int Dimension, double Seconds)>();
        foreach (var d in options.Dimensions)
        {
            var problem = catalog.WithDimension(d);
            foreach (var kind in options.Estimators)
            {
                var row = Skipped(problem, d, kind, options, last, log) ?? cell?.Invoke(d, kind) ?? Cell(problem, kind, options, log);
                if (double.TryParse(row[Array.IndexOf(Columns, "seconds_per_step")], NumberStyles.Float, CultureInfo.InvariantCulture,
                    out var seconds))
                    last[kind] = (d, seconds);
                rows.Add(row);
                Write(output, options, rows);
            }
        }
    }

    public static IDimensionalProblem Problem(string name) => ProblemCatalog.Find(name) as IDimensionalProblem
        ?? throw new ArgumentException($"{name} is not posed in any dimension; bench highdim takes "
            + $"{string.Join(", ", ProblemCatalog.All.OfType<IDimensionalProblem>().Select(p => p.Name))}.");

    private static int Directions(int d, LaplacianEstimatorKind kind, HighDimensionalBenchmarkOptions options) =>
        kind == LaplacianEstimatorKind.Exact ? d : Math.Min(options.Directions, d);

    private static int Steps(HighDimensionalBenchmarkOptions options) => options.TrainSteps > 0 ? options.TrainSteps : options.TimingSteps;

    private static string[] Row(ICatalogProblem problem, int d, LaplacianEstimatorKind kind, HighDimensionalBenchmarkOptions options,
        string perStep, string memory, string iterations, string wall, string error, string note) =>
        [
            problem.Name, Text(d), LaplacianEstimatorNames.Name(kind), Text(Directions(d, kind, options)), perStep, memory, iterations, wall,
            error, note,
        ];

    /// <summary>The row of a cell predicted to take longer than its budget, from the same estimator at the last dimension.</summary>
    private static string[]? Skipped(ICatalogProblem problem, int d, LaplacianEstimatorKind kind, HighDimensionalBenchmarkOptions options,
        Dictionary<LaplacianEstimatorKind, (int Dimension, double Seconds)> last, Action<string> log)
    {
        if (!last.TryGetValue(kind, out var before)) return null;
        double ratio = (double)d / before.Dimension, predicted = before.Seconds * (kind == LaplacianEstimatorKind.Exact ? ratio * ratio : ratio);
        if (predicted * Steps(options) <= options.CellSeconds) return null;
        log($"d = {d}, {LaplacianEstimatorNames.Name(kind)}: skipped, about {predicted:G3} s per step");
        return Row(problem, d, kind, options, "", "", "", "", "", string.Create(CultureInfo.InvariantCulture,
            $"not run: about {predicted:G3} s per step predicted, over the {options.CellSeconds:G} s budget for {Steps(options)} steps"));
    }

    /// <summary>One cell in this process: its row, the peak memory being this process's largest resident set so far.</summary>
    public static string[] Cell(ICatalogProblem problem, LaplacianEstimatorKind kind, HighDimensionalBenchmarkOptions options,
        Action<string> log)
    {
        int d = ((IDimensionalProblem)problem).Dimension, steps = Steps(options);
        var preset = problem.Presets["default"];
        var settings = preset with
        {
            Schedule = preset.Schedule with { AdamIterations = steps },
            Laplacian = new LaplacianEstimatorOptions(kind, Math.Max(1, Directions(d, kind, options))),
        };
        string folder = Path.Combine(Path.GetTempPath(), $"physis-highdim-{Guid.NewGuid():N}");
        var clock = new StepClock();
        try
        {
            var result = CatalogRun.Execute(problem, "default", settings, folder, resume: false, checkpointEvery: Math.Max(steps, 1), clock);
            double perStep = clock.SecondsPerStep, peak = PeakResidentMegabytes();
            log(string.Create(CultureInfo.InvariantCulture,
                $"d = {d}, {LaplacianEstimatorNames.Name(kind)}: {perStep:F4} s per step, peak {peak:F0} MB, relative L2 {result.RelativeL2:E2}"));
            return Row(problem, d, kind, options, Text(perStep), Text(Math.Round(peak)), Text(result.Iterations), Text(result.WallSeconds),
                options.TrainSteps > 0 ? Text(result.RelativeL2) : "", options.TrainSteps > 0 ? "" : $"timing only: {steps} steps");
        }
        catch (ArgumentException e) when (e.Message.StartsWith("This run needs about", StringComparison.Ordinal))
        {
            log($"d = {d}, {LaplacianEstimatorNames.Name(kind)}: {e.Message}");
            return Row(problem, d, kind, options, "", "", "", "", "", $"not run: {e.Message}");
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>The largest resident set of this process so far (VmHWM in /proc/self/status), in MB.</summary>
    private static double PeakResidentMegabytes()
    {
        foreach (var line in File.ReadLines("/proc/self/status"))
            if (line.StartsWith("VmHWM:", StringComparison.Ordinal))
                return long.Parse(line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)[1], CultureInfo.InvariantCulture) / 1024.0;
        return double.NaN;
    }

    /// <summary>A row of a bench.csv that <see cref="Write"/> wrote (for a cell run in a process of its own).</summary>
    public static string[] ReadRow(string folder)
    {
        var records = BenchmarkReport.ParseCsv(File.ReadAllText(Path.Combine(folder, "bench.csv")), folder);
        return records.Count == 2
            ? records[1]
            : throw new InvalidDataException($"{folder}/bench.csv should hold one row, it holds {records.Count - 1}.");
    }

    private static string Text(double value) => value.ToString("R", CultureInfo.InvariantCulture);

    public static void Write(string output, HighDimensionalBenchmarkOptions options, IReadOnlyList<string[]> rows)
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
}
