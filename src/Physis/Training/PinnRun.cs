using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Physis.Data.NumPy;
using Physis.Networks;
using Physis.Problems.Catalog;
using Physis.Reporting;
using Physis.Training.Eigen;
using Physis.Training.Marching;
using Physis.Training.Optimizers;
using static TorchSharp.torch;

namespace Physis.Training;

public sealed record PinnRunResult(double RelativeL2, int Iterations, int AdamIterations, int LbfgsIterations,
    double WallSeconds, double FinalLoss, int ResumedFromStep, string OutputFolder)
{
    /// <summary>Learned values of the problem's trainable parameters (inverse and eigenvalue problems).</summary>
    public IReadOnlyDictionary<string, double> Parameters { get; init; } = new Dictionary<string, double>();
    public IReadOnlyDictionary<string, double> FieldErrors { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// One complete PINN run of a catalog problem, as `physis solve` performs it: train with checkpoints, measure the
/// relative L2 error against the reference grid, and write run.json, loss.csv, prediction.npz, plots and the checkpoint.
/// </summary>
public static class PinnRun
{
    public const string CheckpointFile = "checkpoint.bin";
    public const string SettingsFile = "settings.json";
    public const string RunFile = "run.json";

    internal static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>Settings stored in an output folder by an earlier run, for --resume.</summary>
    public static PinnSettings? StoredSettings(string outputFolder)
    {
        string path = Path.Combine(outputFolder, SettingsFile);
        return File.Exists(path) ? JsonSerializer.Deserialize<PinnSettings>(File.ReadAllText(path), Json) : null;
    }

    public static void StoreSettings(string outputFolder, PinnSettings settings) =>
        AtomicFile.WriteAllText(Path.Combine(outputFolder, SettingsFile), JsonSerializer.Serialize(settings, Json));

    /// <summary>Equal as stored: records compare arrays such as the layer widths by reference.</summary>
    public static bool SameSettings(PinnSettings a, PinnSettings b) => JsonSerializer.Serialize(a, Json) == JsonSerializer.Serialize(b, Json);

    public static PinnRunResult Execute(ICatalogProblem catalogProblem, string preset, PinnSettings settings, string outputFolder,
        bool resume, int checkpointEvery, params ITrainingCallback[] callbacks)
    {
        settings.Validate();
        if (settings.HardConstraints && catalogProblem.HardConstraint is null)
            throw new ArgumentException($"Problem {catalogProblem.Name} offers no hard constraint; run it without --hard-constraints.");
        if (catalogProblem is ICatalogEigenProblem && settings.TimeWindows > 1)
            throw new ArgumentException($"Problem {catalogProblem.Name} is an eigenvalue problem without time; time marching does not apply.");
        var startedWith = resume ? ChangedFrom(catalogProblem, settings, outputFolder) : null;
        if (catalogProblem is ICatalogEigenProblem eigen)
            return EigenRun.Execute(eigen, preset, settings, outputFolder, resume, checkpointEvery, callbacks);
        PrepareOutputFolder(outputFolder);
        string checkpoint = Path.Combine(outputFolder, CheckpointFile);
        if (resume && settings.TimeWindows == 1 && !File.Exists(checkpoint))
            throw new ArgumentException($"--resume: there is no checkpoint in {outputFolder}; run without --resume to start.");
        if (!resume) StoreSettings(outputFolder, settings);

        var problem = catalogProblem.Create();
        OutputTransform? transform = null;
        if (settings.HardConstraints)
        {
            var constraint = catalogProblem.HardConstraint!;
            transform = constraint.Transform.Create(problem);
            problem = problem.WithoutConditions([.. constraint.Replaces]);
        }
        var dtype = settings.Precision == "float64" ? ScalarType.Float64 : ScalarType.Float32;
        var sampling = new Sampling(settings.DomainPoints, settings.BoundaryPoints, settings.InitialPoints, settings.SamplingMethod);
        var options = new TrainerOptions
        {
            Seed = settings.Seed,
            DType = dtype,
            Balancing = settings.Balancing,
            Causal = settings.Causal,
            AdaptiveSampling = settings.AdaptiveSampling,
        };
        var clock = Stopwatch.StartNew();
        using var trained = settings.TimeWindows > 1
            ? TrainWindows(problem, settings, dtype, sampling, options, outputFolder, resume, checkpointEvery, callbacks)
            : TrainAtOnce(problem, settings, startedWith, dtype, transform, sampling, options, checkpoint, resume, checkpointEvery, callbacks);
        double wall = clock.Elapsed.TotalSeconds;

        var reference = catalogProblem.Reference();
        var evaluation = Evaluation.Of(problem, trained.Predict, reference);
        var result = new PinnRunResult(evaluation.RelativeL2, trained.History.Count, trained.AdamIterations, trained.LbfgsIterations, wall, trained.History.LastOrDefault()?.Total ?? double.NaN, trained.ResumedFrom, outputFolder)
        {
            Parameters = trained.Parameters,
            FieldErrors = evaluation.FieldErrors,
        };

        WriteOutputs(outputFolder, catalogProblem, preset, settings, trained, reference, evaluation, result);
        return result;
    }

    /// <summary>What the outputs need of a trained run, whether one network or one per time window.</summary>
    private sealed record TrainedPinn(Func<double[,], double[,]> Predict, IReadOnlyList<string> Coordinates, IReadOnlyList<string> LossTermNames,
        IReadOnlyList<LossRecord> History, IReadOnlyDictionary<string, double> Parameters, int ResumedFrom, IDisposable Owner) : IDisposable
    {
        /// <summary>Iterations per optimizer, counted on the trainers' own records (before loss.csv names the window in the phase).</summary>
        public int AdamIterations { get; init; }
        public int LbfgsIterations { get; init; }

        public static TrainedPinn Of(IEnumerable<PinnTrainer> trainers, Func<double[,], double[,]> predict, IReadOnlyList<string> coordinates,
            IReadOnlyList<string> lossTermNames, IReadOnlyList<LossRecord> history, int resumedFrom, IDisposable owner)
        {
            var records = trainers.SelectMany(t => t.History).ToList();
            var last = trainers.Last();
            return new TrainedPinn(predict, coordinates, lossTermNames, history, last.ParameterValues, resumedFrom, owner)
            {
                AdamIterations = records.Count(r => r.Phase is "adam" or "multiadam"),
                LbfgsIterations = records.Count(r => r.Phase == "lbfgs"),
            };
        }

        public void Dispose() => Owner.Dispose();
    }

    private sealed class Disposables(params IDisposable[] owned) : IDisposable
    {
        public void Dispose()
        {
            foreach (var d in owned) d.Dispose();
        }
    }

    /// <summary>
    /// A resumed run keeps the settings it started with, except that its Adam and L-BFGS counts may change: an
    /// interrupted phase then runs to its new count, and a finished run's last phase can be given more iterations.
    /// Returns the stored settings when the counts changed (null when nothing did).
    /// </summary>
    private static PinnSettings? ChangedFrom(ICatalogProblem problem, PinnSettings settings, string folder)
    {
        if (StoredSettings(folder) is not { } stored || SameSettings(stored, settings)) return null;
        if (!SameSettings(stored with { AdamIterations = settings.AdamIterations, LbfgsIterations = settings.LbfgsIterations }, settings))
            throw new ArgumentException($"--resume continues the run in {folder} with the settings it was started with ({SettingsFile}); only the Adam and L-BFGS iteration counts can change.");
        if (problem is ICatalogEigenProblem || settings.TimeWindows > 1)
            throw new ArgumentException($"--resume cannot change the iteration counts of {(problem is ICatalogEigenProblem ? "an eigenvalue run" : "a time-marching run")}: each later {(problem is ICatalogEigenProblem ? "state" : "window")} was trained from the earlier ones. Start a new run in another folder.");
        return stored;
    }

    /// <summary>
    /// Phases the checkpoint has finished keep their counts, but a finished run's last phase may be given more, and
    /// is then reopened where it stopped.
    /// </summary>
    private static void ContinueChangedSchedule(PinnTrainer trainer, IReadOnlyList<TrainingPhase> before, IReadOnlyList<TrainingPhase> after)
    {
        bool finished = trainer.PhaseIndex >= before.Count;
        for (int i = 0; i < Math.Min(trainer.PhaseIndex, before.Count); i++)
        {
            if (before[i].Iterations == after[i].Iterations) continue;
            if (finished && i == before.Count - 1 && after[i].Iterations > before[i].Iterations) continue;
            throw new ArgumentException($"--resume: the checkpoint (step {trainer.Step}) has finished its {before[i].Name} phase of {before[i].Iterations} iterations, so that count cannot change to {after[i].Iterations}"
                + (finished ? "; a finished run can only give its last phase more iterations." : "."));
        }
        if (finished && after[^1].Iterations > before[^1].Iterations) trainer.ReopenLastPhase(after);
    }

    private static TrainedPinn TrainAtOnce(Problems.PdeProblem problem, PinnSettings settings, PinnSettings? startedWith, ScalarType dtype, OutputTransform? transform,
        Sampling sampling, TrainerOptions options, string checkpoint, bool resume, int checkpointEvery, ITrainingCallback[] callbacks)
    {
        var network = CreateNetwork(problem, settings, settings.Seed, dtype, transform);
        var trainer = new PinnTrainer(problem, network, sampling, options);
        var owner = new Disposables(trainer, network);
        try
        {
            trainer.EnableCheckpoints(checkpoint, checkpointEvery);
            int resumedFrom = 0;
            if (resume)
            {
                trainer.LoadCheckpoint(checkpoint);
                resumedFrom = trainer.Step;
                if (startedWith is not null)
                {
                    ContinueChangedSchedule(trainer, Schedule(startedWith), Schedule(settings));
                    // Only once the change is known to apply, so a refused one leaves the stored run as it was.
                    StoreSettings(Path.GetDirectoryName(checkpoint)!, settings);
                }
            }
            trainer.Train(Schedule(settings), callbacks);
            return TrainedPinn.Of([trainer], trainer.Predict, problem.Terms.Coordinates, trainer.LossTermNames, trainer.History, resumedFrom, owner);
        }
        catch
        {
            owner.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Time marching: window k trains its own network (seed + k) and checkpoints to windows/window{k}.ckpt; loss.csv
    /// numbers the iterations of all windows in one sequence and names each row's phase with its window (w0-adam, ...).
    /// Its columns are the terms of all windows; a window without a term (a hard start has no initial-condition term,
    /// a window without observations no data term) has NaN there.
    /// </summary>
    private static TrainedPinn TrainWindows(Problems.PdeProblem problem, PinnSettings settings, ScalarType dtype, Sampling sampling,
        TrainerOptions options, string outputFolder, bool resume, int checkpointEvery, ITrainingCallback[] callbacks)
    {
        string folder = Path.Combine(outputFolder, WindowsFolder);
        if (!resume && Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        if (resume && !File.Exists(Path.Combine(folder, "window0.ckpt")))
            throw new ArgumentException($"--resume: there are no time-window checkpoints in {folder}; run without --resume to start.");
        var solution = TimeMarching.Train(problem, new TimeMarchingOptions(settings.TimeWindows, folder, checkpointEvery, settings.HardWindowStart) { WarmStart = settings.WarmWindowStart },
            k => CreateNetwork(problem, settings, settings.Seed + k, dtype, null), sampling, Schedule(settings), options, callbacks);
        var names = solution.Windows.SelectMany(w => w.LossTermNames).Distinct().ToList();
        var history = new List<LossRecord>();
        for (int k = 0; k < solution.Windows.Count; k++)
        {
            int offset = history.Count;
            var own = solution.Windows[k].LossTermNames.ToList();
            var columns = names.Select(n => own.IndexOf(n)).ToArray();
            double[]? Spread(double[]? values) => values is null ? null : [.. columns.Select(c => c < 0 ? double.NaN : values[c])];
            history.AddRange(solution.Windows[k].History.Select(r => r with
            {
                Step = r.Step + offset,
                Phase = $"w{k}-{r.Phase}",
                Terms = Spread(r.Terms)!,
                Weights = Spread(r.Weights),
            }));
        }
        return TrainedPinn.Of(solution.Windows, solution.Predict, problem.Terms.Coordinates, names, history, solution.ResumedSteps, solution);
    }

    public const string WindowsFolder = "windows";

    /// <summary>
    /// Adam (or MultiAdam), its first <see cref="PinnSettings.ParameterHoldIterations"/> as a phase of their own that
    /// holds the problem's parameters (the optimizer's moments start afresh after it), then L-BFGS, then optionally
    /// natural gradient; empty phases are skipped.
    /// </summary>
    public static IReadOnlyList<TrainingPhase> Schedule(PinnSettings settings)
    {
        TrainingPhase FirstOptimizer(int iterations) => settings.FirstOptimizer == "multiadam"
            ? new MultiAdamPhase(iterations, settings.LearningRate)
            : new AdamPhase(iterations, settings.LearningRate);
        var phases = new List<TrainingPhase>();
        if (settings.ParameterHoldIterations > 0)
            phases.Add(FirstOptimizer(settings.ParameterHoldIterations) with { HoldsProblemParameters = true });
        phases.Add(FirstOptimizer(settings.AdamIterations - settings.ParameterHoldIterations));
        phases.Add(new LbfgsPhase(settings.LbfgsIterations, new LbfgsSettings { History = settings.LbfgsHistory }));
        if (settings.NaturalGradientIterations > 0) phases.Add(new NaturalGradientPhase(settings.NaturalGradientIterations));
        return phases;
    }

    /// <summary>The settings' network (a plain MLP, or embeddings and an architecture) for the problem's inputs and fields.</summary>
    internal static nn.Module<Tensor, Tensor> CreateNetwork(Problems.PdeProblem problem, PinnSettings settings, int seed, ScalarType dtype, OutputTransform? transform)
    {
        int inputs = problem.Geometry.Dimension, outputs = problem.Fields.Count;
        if (settings.Network is not { } options)
            return new Mlp(inputs, settings.Hidden, outputs, settings.Activation, settings.Initializer, seed, dtype, outputTransform: transform);
        options.Validate(inputs, outputs);
        return new PinnNetwork(inputs, outputs, options, seed, dtype, outputTransform: transform);
    }

    /// <summary>Creates the folder and proves it is writable before any training time is spent.</summary>
    internal static void PrepareOutputFolder(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
            string probe = Path.Combine(folder, $".write-test-{Environment.ProcessId}");
            File.WriteAllText(probe, "");
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new IOException($"Output folder '{folder}' is not writable ({e.Message}). Choose another with --out.", e);
        }
    }

    /// <summary>
    /// loss.csv: one row per iteration with the weighted total and each unweighted term; with adaptive loss balancing
    /// also the weight of each term (weight_NAME), with causal training the smallest time-slab weight and eps. A cell is
    /// empty where a row has no such value.
    /// </summary>
    public static string LossTable(IReadOnlyList<string> termNames, IReadOnlyList<LossRecord> history)
    {
        bool weights = history.Any(r => r.Weights is not null), causal = history.Any(r => r.CausalMinWeight is not null);
        var header = new List<string> { "step", "phase", "total" };
        header.AddRange(termNames);
        if (weights) header.AddRange(termNames.Select(n => $"weight_{n}"));
        if (causal) header.AddRange(["causal_min_weight", "causal_epsilon"]);
        var csv = new StringBuilder(string.Join(",", header) + "\n");
        static string Cell(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";
        foreach (var r in history)
        {
            var cells = new List<string> { r.Step.ToString(CultureInfo.InvariantCulture), r.Phase, Cell(r.Total) };
            cells.AddRange(r.Terms.Select(v => Cell(v)));
            if (weights) cells.AddRange(termNames.Select((_, i) => Cell(r.Weights?[i])));
            if (causal) cells.AddRange([Cell(r.CausalMinWeight), Cell(r.CausalEpsilon)]);
            csv.AppendJoin(',', cells).Append('\n');
        }
        return csv.ToString();
    }

    private static void WriteOutputs(string folder, ICatalogProblem problem, string preset, PinnSettings settings, TrainedPinn trainer,
        ReferenceSolution reference, Evaluation evaluation, PinnRunResult result)
    {
        WritePrediction(Path.Combine(folder, "prediction.npz"), reference, evaluation.Prediction);
        var coordinates = trainer.Coordinates;
        SolutionPlots.Write(folder, problem.Name, coordinates, reference, evaluation);

        AtomicFile.WriteAllText(Path.Combine(folder, "loss.csv"), LossTable(trainer.LossTermNames, trainer.History));

        // A log axis cannot show a term that is exactly zero (a pinned value the network meets at initialisation):
        // such iterations are left out of that term's curve.
        var series = new List<(string, double[], double[])>();
        void AddCurve(string name, Func<LossRecord, double> value)
        {
            var shown = trainer.History.Where(r => value(r) > 0 && double.IsFinite(value(r))).ToArray();
            if (shown.Length > 0) series.Add((name, shown.Select(r => (double)r.Step).ToArray(), shown.Select(value).ToArray()));
        }
        AddCurve("total", r => r.Total);
        for (int k = 0; k < trainer.LossTermNames.Count; k++)
        {
            int term = k;
            AddCurve(trainer.LossTermNames[k], r => r.Terms[term]);
        }
        if (series.Count > 0) Plots.Lines(Path.Combine(folder, "loss.png"), $"{problem.Name}: training loss", "iteration", "loss", series, logY: true);

        var record = new
        {
            Problem = problem.Name,
            Description = problem.Description,
            Preset = preset,
            Settings = settings,
            Seed = settings.Seed,
            RelativeL2 = result.RelativeL2,
            Iterations = result.Iterations,
            AdamIterations = result.AdamIterations,
            LbfgsIterations = result.LbfgsIterations,
            WallSeconds = result.WallSeconds,
            ResumedFromStep = result.ResumedFromStep,
            FinalLoss = result.FinalLoss,
            LossTerms = trainer.LossTermNames,
            Parameters = trainer.Parameters,
            ExactParameters = problem.ExactParameters,
            FieldErrors = evaluation.FieldErrors,
            Evaluation = new { Points = reference.Count, Grid = reference.Grid?.Coordinates.Zip(reference.Grid.Axes, (c, a) => $"{c}: {a.Length}"), Reference = reference.Source },
            Threads = get_num_threads(),
            Versions = RunVersions.Current,
        };
        AtomicFile.WriteAllText(Path.Combine(folder, RunFile), JsonSerializer.Serialize(record, Json));
    }

    /// <summary>
    /// Grid references keep their shape (axes by coordinate name, fields shaped last coordinate first, e.g. u[t, x]);
    /// scattered ones are written as a point list with one value per point.
    /// </summary>
    private static void WritePrediction(string path, ReferenceSolution reference, IReadOnlyDictionary<string, double[]> prediction)
    {
        var arrays = new Dictionary<string, NpyArray>();
        if (reference.Grid is { } grid)
        {
            for (int d = 0; d < grid.Axes.Length; d++) arrays[grid.Coordinates[d]] = NpyArray.FromDoubles(grid.Axes[d], grid.Axes[d].Length);
            foreach (var (field, values) in prediction) arrays[field] = NpyArray.FromDoubles(values, grid.Shape);
        }
        else
        {
            arrays["points"] = NpyArray.FromDoubles(Metrics.Flatten(reference.Points), reference.Count, reference.Points.GetLength(1));
            foreach (var (field, values) in prediction) arrays[field] = NpyArray.FromDoubles(values, values.Length);
        }
        Npz.Write(path, arrays);
    }
}
