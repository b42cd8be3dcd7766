using System.Globalization;
using System.Text;
using System.Text.Json;
using Physis.Infrastructure;
using Physis.Runs;
using Physis.Suite.Problems;
using Physis.Training;

namespace Physis.Suite.Benchmarks;

/// <summary>One problem/method pair of the PINN benchmark suite, measured.</summary>
public sealed record BenchmarkRow(string Problem, string Method, string Metric, double Value, double? Target, string Anchor,
    int Iterations, double WallSeconds)
{
    /// <summary>Null where the suite only reports the figure.</summary>
    public bool? Met => Target is { } t ? Value <= t : null;
}

/// <summary>
/// Runs catalog problems with a named preset (the "method") through <see cref="PinnRun"/>, one output folder per pair,
/// and tabulates the figure each problem is judged by next to its target and published anchor. A pair whose folder
/// already holds a finished run with the same settings is read back instead of trained again, and one with only a
/// checkpoint is resumed, so a killed suite continues where it stopped.
/// </summary>
public static class PinnBenchmark
{
    /// <summary>
    /// The reduced configuration of a smoke run: a few hundred iterations on fewer points; a time-marching run keeps
    /// two of its windows (longer ones), which share those iterations.
    /// </summary>
    public static PinnSettings Quick(PinnSettings settings)
    {
        var schedule = settings.Schedule;
        int windows = Math.Min(settings.Marching.Windows, 2), adam = Math.Min(schedule.AdamIterations, 300 / windows);
        return settings with
        {
            Marching = settings.Marching with { Windows = windows },
            Schedule = schedule with
            {
                AdamIterations = adam,
                // The same share of the (fewer) Adam iterations holds the problem's parameters.
                ParameterHoldIterations = schedule.AdamIterations == 0 ? 0
                    : (int)((long)schedule.ParameterHoldIterations * adam / schedule.AdamIterations),
                LbfgsIterations = Math.Min(schedule.LbfgsIterations, 100 / windows),
                NaturalGradientIterations = Math.Min(schedule.NaturalGradientIterations, 10),
            },
            Sampling = settings.Sampling with
            {
                Domain = Math.Min(settings.Sampling.Domain, 2000),
                Boundary = Math.Min(settings.Sampling.Boundary, 200),
                Initial = Math.Min(settings.Sampling.Initial, 200),
            },
        };
    }

    /// <summary>
    /// A fraction of the full run, for comparisons (such as the method ablation) on a machine that cannot afford the
    /// full one: every iteration and point count times <paramref name="factor"/>, rounded, and at least 1 where it was positive.
    /// </summary>
    public static PinnSettings Scaled(PinnSettings settings, double factor)
    {
        if (!(factor > 0 && factor <= 1)) throw new ArgumentException($"--scale must lie in (0, 1], got {factor}.");
        int Scale(int count) => count == 0 ? 0 : Math.Max(1, (int)Math.Round(count * factor));
        var schedule = settings.Schedule;
        return settings with
        {
            Schedule = schedule with
            {
                AdamIterations = Scale(schedule.AdamIterations),
                ParameterHoldIterations = Math.Min(Scale(schedule.ParameterHoldIterations), Scale(schedule.AdamIterations)),
                LbfgsIterations = Scale(schedule.LbfgsIterations),
                NaturalGradientIterations = Scale(schedule.NaturalGradientIterations),
            },
            Sampling = settings.Sampling with
            {
                Domain = Scale(settings.Sampling.Domain),
                Boundary = Scale(settings.Sampling.Boundary),
                Initial = Scale(settings.Sampling.Initial),
            },
        };
    }

    public static BenchmarkRow Run(ICatalogProblem problem, string method, PinnSettings settings, string folder, params ITrainingCallback[] callbacks)
    {
        var run = new RunFolder(folder);
        bool sameRun = run.HasRun && SameRun(run, problem, settings);
        string runFile = run.File(RunFolder.RunFile);
        if (sameRun && File.Exists(runFile)) return FromRecord(problem, method, runFile);

        bool resume = sameRun && File.Exists(run.Checkpoint);
        var result = CatalogRun.Execute(problem, method, settings, folder, resume, checkpointEvery: 500, callbacks);
        return Row(problem, method, result.RelativeL2, result.Parameters, result.Iterations, result.WallSeconds);
    }

    /// <summary>Whether the folder holds a run of this problem with these settings (an unreadable one is not).</summary>
    private static bool SameRun(RunFolder run, ICatalogProblem problem, PinnSettings settings)
    {
        try
        {
            var (identity, stored) = run.Read<PinnSettings>();
            return identity.Name == problem.Name && PinnRun.SameSettings(stored, settings);
        }
        catch (InvalidDataException)
        {
            return false;
        }
    }

    private static BenchmarkRow FromRecord(ICatalogProblem problem, string method, string runFile)
    {
        using var record = JsonDocument.Parse(File.ReadAllText(runFile));
        var root = record.RootElement;
        var parameters = root.GetProperty("parameters").EnumerateObject().ToDictionary(p => p.Name, p => p.Value.GetDouble());
        return Row(problem, method, root.GetProperty("relative_l2").GetDouble(), parameters,
            root.GetProperty("iterations").GetInt32(), root.GetProperty("wall_seconds").GetDouble());
    }

    /// <summary>
    /// Inverse and eigenvalue problems are judged by their worst learned parameter (or its estimate), all others by the relative L2 error.
    /// </summary>
    private static BenchmarkRow Row(ICatalogProblem problem, string method, double relativeL2, IReadOnlyDictionary<string, double> parameters,
        int iterations, double wall)
    {
        double value = problem.ExactParameters.Count == 0
            ? relativeL2
            : problem.ExactParameters.Max(p => Math.Abs(parameters[p.Key + problem.Target.EstimateSuffix] - p.Value) / Math.Abs(p.Value));
        return new BenchmarkRow(problem.Name, method, problem.Target.Metric, value, problem.Target.Value, problem.Target.Anchor, iterations, wall);
    }

    /// <summary>
    /// Writes bench.md (a table for people, read back by `physis bench report` with its heading and CPU line) and
    /// bench.csv (for tools), each atomically. <paramref name="cpu"/> defaults to this machine's processor model.
    /// </summary>
    public static void WriteTables(string folder, IReadOnlyList<BenchmarkRow> rows, string heading, string? cpu = null)
    {
        Directory.CreateDirectory(folder);
        var md = new StringBuilder($"# {heading}\n\nCPU: {cpu ?? BenchmarkReport.CpuModel()}\n\n"
            + "| problem | method | metric | value | target | met | published anchor | iterations | wall time (s) |\n"
            + "| --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        var csv = new StringBuilder("problem,method,metric,value,target,met,anchor,iterations,wall_seconds\n");
        foreach (var r in rows)
        {
            string target = r.Target is { } t ? $"<= {t:0.0E+0}" : "report";
            string met = r.Met switch { true => "yes", false => "no", null => "-" };
            md.Append(CultureInfo.InvariantCulture, $"| {r.Problem} | {r.Method} | {r.Metric} | {r.Value:0.00E+0} | {target} | {met} | "
                + $"{r.Anchor} | {r.Iterations} | {r.WallSeconds:F0} |\n");
            csv.Append(CultureInfo.InvariantCulture,
                $"{r.Problem},{r.Method},{Quote(r.Metric)},{r.Value:R},{r.Target?.ToString("R", CultureInfo.InvariantCulture)},{met},"
                + $"{Quote(r.Anchor)},{r.Iterations},{r.WallSeconds:F1}\n");
        }
        AtomicFile.WriteAllText(Path.Combine(folder, "bench.md"), md.ToString());
        AtomicFile.WriteAllText(Path.Combine(folder, "bench.csv"), csv.ToString());
    }

    private static string Quote(string text) => text.Contains(',') || text.Contains('"') ? $"\"{text.Replace("\"", "\"\"")}\"" : text;
}
