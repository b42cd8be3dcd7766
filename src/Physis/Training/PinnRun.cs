using System.Diagnostics;
using System.Globalization;
using System.Reflection;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Physis.Data.NumPy;
using Physis.Networks;
using Physis.Problems.Catalog;
using Physis.Reporting;
using Physis.Training.Optimizers;
using static TorchSharp.torch;

namespace Physis.Training;

public sealed record PinnRunResult(double RelativeL2, int Iterations, int AdamIterations, int LbfgsIterations,
    double WallSeconds, double FinalLoss, int ResumedFromStep, string OutputFolder);

/// <summary>
/// One complete PINN run of a catalog problem, as `physis solve` performs it: train with checkpoints, measure the
/// relative L2 error against the reference grid, and write run.json, loss.csv, prediction.npz, plots and the checkpoint.
/// </summary>
public static class PinnRun
{
    public const string CheckpointFile = "checkpoint.bin";
    public const string SettingsFile = "settings.json";

    private static readonly JsonSerializerOptions Json = new()
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

    public static PinnRunResult Execute(ICatalogProblem catalogProblem, string preset, PinnSettings settings, string outputFolder,
        bool resume, int checkpointEvery, params ITrainingCallback[] callbacks)
    {
        settings.Validate();
        PrepareOutputFolder(outputFolder);
        string checkpoint = Path.Combine(outputFolder, CheckpointFile);
        if (resume && !File.Exists(checkpoint))
            throw new ArgumentException($"--resume: there is no checkpoint in {outputFolder}; run without --resume to start.");
        if (!resume) AtomicFile.WriteAllText(Path.Combine(outputFolder, SettingsFile), JsonSerializer.Serialize(settings, Json));

        var problem = catalogProblem.Create();
        var dtype = settings.Precision == "float64" ? ScalarType.Float64 : ScalarType.Float32;
        using var network = new Mlp(problem.Geometry.Dimension, settings.Hidden, problem.Fields.Count, settings.Activation,
            settings.Initializer, settings.Seed, dtype);
        var sampling = new Sampling(settings.DomainPoints, settings.BoundaryPoints, settings.InitialPoints, settings.SamplingMethod);
        using var trainer = new PinnTrainer(problem, network, sampling, new TrainerOptions { Seed = settings.Seed, DType = dtype });
        trainer.EnableCheckpoints(checkpoint, checkpointEvery);
        int resumedFrom = 0;
        if (resume)
        {
            trainer.LoadCheckpoint(checkpoint);
            resumedFrom = trainer.Step;
        }

        var clock = Stopwatch.StartNew();
        trainer.Train(
        [
            new AdamPhase(settings.AdamIterations, settings.LearningRate),
            new LbfgsPhase(settings.LbfgsIterations, new LbfgsSettings { History = settings.LbfgsHistory }),
        ], callbacks);
        double wall = clock.Elapsed.TotalSeconds;

        var reference = catalogProblem.Reference();
        var prediction = PredictOnGrid(trainer, reference);
        double error = Metrics.RelativeL2(prediction, reference.Values);
        int adam = trainer.History.Count(r => r.Phase == "adam"), lbfgs = trainer.History.Count(r => r.Phase == "lbfgs");
        var result = new PinnRunResult(error, trainer.Step, adam, lbfgs, wall, trainer.History.LastOrDefault()?.Total ?? double.NaN, resumedFrom, outputFolder);

        WriteOutputs(outputFolder, catalogProblem, preset, settings, trainer, reference, prediction, result);
        return result;
    }

    /// <summary>Creates the folder and proves it is writable before any training time is spent.</summary>
    private static void PrepareOutputFolder(string folder)
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

    public static double[,] PredictOnGrid(PinnTrainer trainer, GridReference reference)
    {
        int nt = reference.T.Length, nx = reference.X.Length;
        var points = new double[nt * nx, 2];
        for (int i = 0; i < nt; i++)
            for (int j = 0; j < nx; j++)
                (points[i * nx + j, 0], points[i * nx + j, 1]) = (reference.X[j], reference.T[i]);
        var u = trainer.Predict(points);
        var grid = new double[nt, nx];
        for (int i = 0; i < nt; i++)
            for (int j = 0; j < nx; j++) grid[i, j] = u[i * nx + j, 0];
        return grid;
    }

    private static void WriteOutputs(string folder, ICatalogProblem problem, string preset, PinnSettings settings, PinnTrainer trainer,
        GridReference reference, double[,] prediction, PinnRunResult result)
    {
        int nt = reference.T.Length, nx = reference.X.Length;
        Npz.Write(Path.Combine(folder, "prediction.npz"), new Dictionary<string, NpyArray>
        {
            ["x"] = NpyArray.FromDoubles(reference.X, nx),
            ["t"] = NpyArray.FromDoubles(reference.T, nt),
            ["u"] = NpyArray.FromDoubles(Metrics.Flatten(prediction), nt, nx),
        });

        var csv = new StringBuilder("step,phase,total," + string.Join(",", trainer.LossTermNames) + "\n");
        foreach (var r in trainer.History)
            csv.Append(CultureInfo.InvariantCulture, $"{r.Step},{r.Phase},{r.Total:R},{string.Join(",", r.Terms.Select(v => v.ToString("R", CultureInfo.InvariantCulture)))}\n");
        AtomicFile.WriteAllText(Path.Combine(folder, "loss.csv"), csv.ToString());

        var error = new double[nt, nx];
        for (int i = 0; i < nt; i++)
            for (int j = 0; j < nx; j++) error[i, j] = Math.Abs(prediction[i, j] - reference.Values[i, j]);
        Plots.Heatmap(Path.Combine(folder, "prediction.png"), reference.X, reference.T, prediction, $"{problem.Name}: PINN prediction u(x, t)", "x", "t", symmetricColorScale: true);
        Plots.Heatmap(Path.Combine(folder, "reference.png"), reference.X, reference.T, reference.Values, $"{problem.Name}: reference ({reference.Source})", "x", "t", symmetricColorScale: true);
        Plots.Heatmap(Path.Combine(folder, "error.png"), reference.X, reference.T, error, $"|prediction - reference|, relative L2 = {result.RelativeL2:E2}", "x", "t");
        var steps = trainer.History.Select(r => (double)r.Step).ToArray();
        var series = new List<(string, double[], double[])> { ("total", steps, trainer.History.Select(r => r.Total).ToArray()) };
        for (int k = 0; k < trainer.LossTermNames.Count; k++)
            series.Add((trainer.LossTermNames[k], steps, trainer.History.Select(r => r.Terms[k]).ToArray()));
        Plots.Lines(Path.Combine(folder, "loss.png"), $"{problem.Name}: training loss", "iteration", "loss", series, logY: true);

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
            Parameters = trainer.ParameterValues,
            EvaluationGrid = new { Nx = nx, Nt = nt, Reference = reference.Source },
            Threads = get_num_threads(),
            Versions = new
            {
                Physis = Assembly.GetExecutingAssembly().GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
                TorchSharp = typeof(TorchSharp.torch).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
                Dotnet = Environment.Version.ToString(),
            },
        };
        AtomicFile.WriteAllText(Path.Combine(folder, "run.json"), JsonSerializer.Serialize(record, Json));
    }
}
