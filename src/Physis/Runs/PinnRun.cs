using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Physis.Data.NumPy;
using Physis.Differentiation;
using Physis.Differentiation.Taylor;
using Physis.Evaluation;
using Physis.Infrastructure;
using Physis.Infrastructure.Distributed;
using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Constraints;
using Physis.Problems;
using Physis.Reporting;
using Physis.Training;
using Physis.Training.Marching;
using static TorchSharp.torch;

namespace Physis.Runs;

public sealed record PinnRunResult(double RelativeL2, int Iterations, int AdamIterations, int LbfgsIterations,
    double WallSeconds, double FinalLoss, int ResumedFromStep, string OutputFolder)
{
    /// <summary>Learned values of the problem's trainable parameters (inverse and eigenvalue problems).</summary>
    public IReadOnlyDictionary<string, double> Parameters { get; init; } = new Dictionary<string, double>();
    public IReadOnlyDictionary<string, double> FieldErrors { get; init; } = new Dictionary<string, double>();
    /// <summary>How each phase ended (converged and why, its iteration count, early stopping or a time budget).</summary>
    public IReadOnlyList<PhaseEnd> PhaseEnds { get; init; } = [];
    /// <summary>Rollbacks after a diverged loss.</summary>
    public IReadOnlyList<Rollback> Rollbacks { get; init; } = [];
    /// <summary>The derivative engine that ran: "taylor" or "autograd".</summary>
    public string Engine { get; init; } = AutogradEngine.Name;
}

/// <summary>
/// What a PINN run needs besides the problem and its settings: a name for titles and records, an optional reference to
/// measure against, an optional hard constraint, and how to checkpoint, resume and report progress.
/// </summary>
public sealed record PinnRunOptions
{
    /// <summary>The problem's name in plot titles, run.json and the run's identity (a resume checks it).</summary>
    public string Name { get; init; } = "problem";
    public string? Description { get; init; }
    /// <summary>The named configuration the settings came from, recorded in run.json.</summary>
    public string? Preset { get; init; }
    /// <summary>
    /// Computes the values to measure the trained network against (<see cref="ReferenceSolution.Exact"/>,
    /// <see cref="ReferenceSolution.OnGrid"/> or <see cref="ReferenceSolution.Read"/>), called once after training;
    /// without one the run predicts on a grid over the geometry's bounding box.
    /// </summary>
    public Func<ReferenceSolution>? Reference { get; init; }
    /// <summary>Conditions built into the network's output; used when <see cref="PinnSettings.HardConstraints"/> is set.</summary>
    public HardConstraint? HardConstraint { get; init; }
    /// <summary>True values of the problem's trainable parameters (inverse problems), recorded next to the learned ones.</summary>
    public IReadOnlyDictionary<string, double> ExactParameters { get; init; } = new Dictionary<string, double>();
    /// <summary>Continue the run whose checkpoint is in the folder (the same problem and settings; iteration counts may grow).</summary>
    public bool Resume { get; init; }
    /// <summary>
    /// Text that states what <see cref="PdeProblem.Describe"/> cannot (boundary and initial values given as delegates, a
    /// problem file's expressions); it joins the run's identity, so a resume under changed values is refused.
    /// </summary>
    public string? Definition { get; init; }
    public int CheckpointEvery { get; init; } = 500;
    /// <summary>
    /// Progress, early stopping, a time budget (<see cref="ConsoleProgress"/>, <see cref="EarlyStopping"/>, <see cref="TimeBudget"/>).
    /// </summary>
    public IReadOnlyList<ITrainingCallback> Callbacks { get; init; } = [];
    /// <summary>Rollback and retry when the loss diverges (<see cref="DivergenceRecovery"/>); null turns it off.</summary>
    public DivergenceRecovery? Recovery { get; init; } = new();
    /// <summary>
    /// The ranks of a data-parallel run (<see cref="TrainerOptions.Communicator"/>): all train, rank 0 alone writes the
    /// folder and measures the result; the other ranks' results carry no error figure.
    /// </summary>
    public Communicator Communicator { get; init; } = Communicator.SingleProcess;

    public void Validate(PinnSettings settings)
    {
        if (CheckpointEvery <= 0) throw new ArgumentException($"The checkpoint interval must be positive, got {CheckpointEvery}.");
        Recovery?.Validate();
        if (settings.HardConstraints && HardConstraint is null)
            throw new ArgumentException($"The settings ask for hard constraints, but no hard constraint is given for {Name}.");
        if (HardConstraint is not null && !settings.HardConstraints)
            throw new ArgumentException("A hard constraint is given but the settings do not use it: set PinnSettings.HardConstraints.");
    }
}

/// <summary>
/// One complete PINN run of any <see cref="PdeProblem"/>, as `physis solve` performs it for the built-in ones: train
/// with checkpoints in a <see cref="RunFolder"/>, measure the relative L2 error against the reference (when given), and
/// write run.json, loss.csv, prediction.npz, plots, ParaView files (<see cref="SolutionVtk"/>) and the checkpoint.
/// </summary>
public static class PinnRun
{
    public const string Kind = "pinn";

    /// <summary>An estimator needs the problem to state its Laplacian as one node, and cannot draw more coordinates than there are.</summary>
    private static void CheckLaplacian(PdeProblem problem, LaplacianEstimatorOptions? laplacian)
    {
        if (laplacian is null) return;
        if (!StatesWholeLaplacian(problem))
            throw new ArgumentException($"The Laplacian estimator ({laplacian.Kind}) has nothing to do: this problem states no Laplacian operator "
                + "node (Terms.LaplacianOperator), only separate second derivatives.");
        int d = problem.Geometry.Dimension;
        if (laplacian.Kind is LaplacianEstimatorKind.Sdgd or LaplacianEstimatorKind.StdeSparse && laplacian.Directions > d)
            throw new ArgumentException($"Laplacian.Directions is {laplacian.Directions}, but {laplacian.Kind} draws coordinates without "
                + $"replacement from the problem's {d}.");
    }

    /// <summary>
    /// The derivative engine of the settings: the autograd engine with a Laplacian estimator, Taylor mode or autograd as
    /// asked, and for auto Taylor mode wherever the network allows it and it is the faster (<see cref="AutomaticEngine"/>),
    /// unless the problem states a whole Laplacian (one node over every coordinate, which Taylor mode would expand into
    /// d second derivatives).
    /// </summary>
    private static IDifferentiationEngine Engine(PdeProblem problem, PinnSettings settings)
    {
        bool wholeLaplacian = StatesWholeLaplacian(problem);
        if (settings.Laplacian is { } laplacian) return new AutogradEngine(laplacian with { Seed = laplacian.Seed ^ settings.Seed });
        if (settings.Engine == EngineChoice.Taylor && wholeLaplacian)
            throw new ArgumentException("Engine taylor takes the derivatives a problem names one by one; this problem states a whole "
                + "Laplacian operator (Terms.LaplacianOperator), which runs on the autograd engine: use engine auto or autograd.");
        return settings.Engine switch
        {
            EngineChoice.Taylor => new TaylorEngine(),
            EngineChoice.Auto when !wholeLaplacian => new AutomaticEngine(),
            _ => new AutogradEngine(),
        };
    }

    /// <summary>Whether a residual or condition states a whole Laplacian as one node (<see cref="FieldLaplacian"/>).</summary>
    private static bool StatesWholeLaplacian(PdeProblem problem) =>
        problem.Residuals.Concat(problem.ConditionOperators).SelectMany(e => e.Nodes()).OfType<FieldLaplacian>().Any();

    /// <summary>The engine that ran: Taylor mode or autograd.</summary>
    private static string EngineName(IDifferentiationEngine engine) => engine switch
    {
        AutomaticEngine automatic => automatic.Chosen ?? "auto (no evaluation in this process)",
        TaylorEngine => TaylorEngine.Name,
        _ => AutogradEngine.Name,
    };

    /// <summary>What a run of <paramref name="problem"/> under <paramref name="name"/> is, for resume checks.</summary>
    public static RunIdentity Identity(PdeProblem problem, string name, string? definition = null) =>
        new(Kind, name, problem.Describe() + definition);

    public static PinnRunResult Execute(PdeProblem problem, PinnSettings settings, string folder, PinnRunOptions? options = null)
    {
        options ??= new PinnRunOptions();
        settings.Validate();
        options.Validate(settings);
        CheckLaplacian(problem, settings.Laplacian);
        // Before anything is written or built: libtorch fails an impossible allocation with a native exception.
        MemoryBudget.Require(EstimateMemory(problem, settings), "the network's parameters, optimizer state and activations");
        var run = new RunFolder(folder);
        var identity = Identity(problem, options.Name, options.Definition);
        PinnSettings? startedWith = null;
        if (options.Resume)
        {
            var stored = run.Resume<PinnSettings>(identity);
            startedWith = ResumedCountsOnly(stored, settings, folder, settings.Marching.Windows > 1 ? "a time-marching run" : null);
            string first = settings.Marching.Windows > 1 ? Path.Combine(WindowsFolder, "window0.ckpt") : RunFolder.CheckpointFile;
            if (!File.Exists(run.File(first)))
                throw new ArgumentException($"There is no checkpoint in {folder} ({first}); start the run without resuming.");
        }
        else if (options.Communicator.IsRoot) run.Start(identity, settings);
        // No rank may look for checkpoints before rank 0 has cleared the last run's.
        options.Communicator.Barrier();

        if (settings.HardConstraints)
        {
            var constraint = options.HardConstraint!;
            var transform = constraint.Transform.Create(problem);
            problem = problem.WithoutConditions(constraint.Replaces);
            return Train(problem, settings, run, options, transform, startedWith);
        }
        return Train(problem, settings, run, options, null, startedWith);
    }

    private static PinnRunResult Train(PdeProblem problem, PinnSettings settings, RunFolder run, PinnRunOptions options,
        OutputTransform? transform, PinnSettings? startedWith)
    {
        var dtype = settings.DType;
        var sampling = settings.Sampling;
        var trainerOptions = new TrainerOptions
        {
            Seed = settings.Seed,
            DType = dtype,
            Methods = settings.Methods,
            Recovery = options.Recovery,
            Communicator = options.Communicator,
            Engine = Engine(problem, settings),
        };
        var callbacks = options.Callbacks.ToArray();
        var clock = Stopwatch.StartNew();
        using var trained = settings.Marching.Windows > 1
            ? TrainWindows(problem, settings, dtype, sampling, trainerOptions, run, options.CheckpointEvery, callbacks)
            : TrainAtOnce(problem, settings, startedWith, dtype, transform, sampling, trainerOptions, run, options.Resume,
                options.CheckpointEvery, callbacks);
        double wall = clock.Elapsed.TotalSeconds;
        if (!options.Communicator.IsRoot)
            return new PinnRunResult(double.NaN, trained.History.Count, trained.AdamIterations, trained.LbfgsIterations, wall,
                trained.History.LastOrDefault()?.Total ?? double.NaN, trained.ResumedFrom, run.Path);

        var reference = options.Reference?.Invoke();
        var comparison = reference is null ? null : ReferenceComparison.Of(problem, trained.Predict, reference);
        var result = new PinnRunResult(comparison?.RelativeL2 ?? double.NaN, trained.History.Count, trained.AdamIterations,
            trained.LbfgsIterations, wall, trained.History.LastOrDefault()?.Total ?? double.NaN, trained.ResumedFrom, run.Path)
        {
            Parameters = trained.Parameters,
            FieldErrors = comparison?.FieldErrors ?? new Dictionary<string, double>(),
            PhaseEnds = trained.PhaseEnds,
            Rollbacks = trained.Rollbacks,
            Engine = EngineName(trainerOptions.Engine!),
        };

        WriteOutputs(run, problem, options, reference, settings, trained, comparison, result);
        return result;
    }

    /// <summary>What the outputs need of a trained run, whether one network or one per time window.</summary>
    private sealed record TrainedPinn(Func<double[,], double[,]> Predict, IReadOnlyList<string> Coordinates, IReadOnlyList<string> LossTermNames,
        IReadOnlyList<LossRecord> History, IReadOnlyDictionary<string, double> Parameters, int ResumedFrom, IDisposable Owner) : IDisposable
    {
        /// <summary>Iterations per optimizer, counted on the trainers' own records (before loss.csv names the window in the phase).</summary>
        public int AdamIterations { get; init; }
        public int LbfgsIterations { get; init; }
        public IReadOnlyList<PhaseEnd> PhaseEnds { get; init; } = [];
        public IReadOnlyList<Rollback> Rollbacks { get; init; } = [];

        public static TrainedPinn Of(IEnumerable<PinnTrainer> trainers, Func<double[,], double[,]> predict, IReadOnlyList<string> coordinates,
            IReadOnlyList<string> lossTermNames, IReadOnlyList<LossRecord> history, int resumedFrom, IDisposable owner)
        {
            var records = trainers.SelectMany(t => t.History).ToList();
            var last = trainers.Last();
            return new TrainedPinn(predict, coordinates, lossTermNames, history, last.ParameterValues, resumedFrom, owner)
            {
                AdamIterations = records.Count(r => r.Phase is "adam" or "multiadam"),
                LbfgsIterations = records.Count(r => r.Phase == "lbfgs"),
                PhaseEnds = [.. trainers.SelectMany(t => t.PhaseEnds)],
                Rollbacks = [.. trainers.SelectMany(t => t.Rollbacks)],
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
    /// Returns the stored settings when the counts changed (null when nothing did). <paramref name="sequential"/> names
    /// a run whose later networks were trained from the earlier ones (no count may change there), or is null.
    /// </summary>
    public static PinnSettings? ResumedCountsOnly(PinnSettings stored, PinnSettings settings, string folder, string? sequential)
    {
        if (SameSettings(stored, settings)) return null;
        var counts = stored.Schedule with { AdamIterations = settings.Schedule.AdamIterations, LbfgsIterations = settings.Schedule.LbfgsIterations };
        if (!SameSettings(stored with { Schedule = counts }, settings))
            throw new ArgumentException($"A resumed run continues with the settings it was started with ({folder}/{RunFolder.SettingsFile}); "
                + "only the Adam and L-BFGS iteration counts can change.");
        if (sequential is not null)
            throw new ArgumentException($"Resuming cannot change the iteration counts of {sequential}: each later network was trained from "
                + "the earlier ones. Start a new run in another folder.");
        return stored;
    }

    /// <summary>Equal as stored: records compare arrays such as the layer widths by reference.</summary>
    public static bool SameSettings(PinnSettings a, PinnSettings b) => RunFolder.Same(a, b);

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
            throw new ArgumentException($"The checkpoint (step {trainer.Step}) has finished its {before[i].Name} phase of {before[i].Iterations} "
                + $"iterations, so that count cannot change to {after[i].Iterations}"
                + (finished ? "; a finished run can only give its last phase more iterations." : "."));
        }
        if (finished && after[^1].Iterations > before[^1].Iterations) trainer.ReopenLastPhase(after);
    }

    private static TrainedPinn TrainAtOnce(PdeProblem problem, PinnSettings settings, PinnSettings? startedWith, ScalarType dtype,
        OutputTransform? transform, Sampling sampling, TrainerOptions options, RunFolder run, bool resume, int checkpointEvery,
        ITrainingCallback[] callbacks)
    {
        var network = CreateNetwork(problem, settings, settings.Seed, dtype, transform);
        var trainer = new PinnTrainer(problem, network, sampling, options);
        var owner = new Disposables(trainer, network);
        try
        {
            trainer.EnableCheckpoints(run.Checkpoint, checkpointEvery);
            int resumedFrom = 0;
            if (resume)
            {
                trainer.LoadCheckpoint(run.Checkpoint);
                resumedFrom = trainer.Step;
                if (startedWith is not null)
                {
                    ContinueChangedSchedule(trainer, startedWith.Schedule.Phases(), settings.Schedule.Phases());
                    // Only once the change is known to apply, so a refused one leaves the stored run as it was.
                    if (options.Communicator.IsRoot) run.Restore(settings);
                }
            }
            trainer.Train(settings.Schedule.Phases(), callbacks);
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
    private static TrainedPinn TrainWindows(PdeProblem problem, PinnSettings settings, ScalarType dtype, Sampling sampling,
        TrainerOptions options, RunFolder run, int checkpointEvery, ITrainingCallback[] callbacks)
    {
        var marching = new TimeMarchingOptions(settings.Marching.Windows, run.File(WindowsFolder), checkpointEvery, settings.Marching.HardStart)
        {
            WarmStart = settings.Marching.WarmStart,
        };
        var solution = TimeMarching.Train(problem, marching, k => CreateNetwork(problem, settings, settings.Seed + k, dtype, null),
            sampling, settings.Schedule.Phases(), options, callbacks);
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
            }));
        }
        return TrainedPinn.Of(solution.Windows, solution.Predict, problem.Terms.Coordinates, names, history, solution.ResumedSteps, solution);
    }

    public const string WindowsFolder = "windows";

    /// <summary>
    /// The settings' network for the problem's inputs and fields: a plain MLP (no embeddings, no weight factorisation) as
    /// <see cref="Mlp"/>, anything else as a <see cref="PinnNetwork"/>.
    /// </summary>
    public static nn.Module<Tensor, Tensor> CreateNetwork(PdeProblem problem, PinnSettings settings, int seed, ScalarType dtype,
        OutputTransform? transform)
    {
        int inputs = problem.Geometry.Dimension, outputs = problem.Fields.Count;
        var options = settings.Network;
        options.Validate(inputs, outputs);
        var box = options.ScaleInputs ? problem.Geometry.Bounds : null;
        if (options is { Embeddings.Count: 0, WeightFactorization: null, Architecture: MlpArchitecture mlp })
            return new Mlp(inputs, mlp.Hidden, outputs, options.Activation, options.Initializer, seed, dtype, outputTransform: transform,
                inputBox: box);
        return new PinnNetwork(inputs, outputs, options, seed, dtype, outputTransform: transform, inputBox: box);
    }

    /// <summary>
    /// A rough upper bound on the bytes a run needs, from the settings alone (nothing is allocated): every window's
    /// parameters and gradients, the largest optimizer state of the schedule (Adam's two moments, MultiAdam's two per loss
    /// term, the step and gradient-change pairs of L-BFGS's history), twice as a checkpoint copies it while it writes and
    /// once more with the parameters in the divergence-recovery snapshot,
    /// natural gradient's Jacobian and Gram matrices (float64), and the activations of all training points through every
    /// layer with the derivative graphs.
    /// </summary>
    public static long EstimateMemory(PdeProblem problem, PinnSettings settings)
    {
        var (parameters, widths) = EstimateNetwork(settings.Network, problem.Geometry.Dimension, problem.Fields.Count);
        parameters += problem.Parameters.Count;
        // Each condition gets its own copy of the points it uses (Batch.Sample).
        var sampling = settings.Sampling;
        double points = sampling.Domain + problem.Conditions.Sum(c => c.Region switch
        {
            ConditionRegion.Boundary => sampling.Boundary,
            ConditionRegion.Initial => sampling.Initial,
            ConditionRegion.Observations => (double)(c.ObservationValues?.Length ?? 0),
            ConditionRegion.PeriodicPairs => 2.0 * sampling.PeriodicPairs,
            _ => 0,
        });
        var schedule = settings.Schedule;
        double adam = schedule.FirstOptimizer == FirstOptimizer.MultiAdam ? 2.0 * problem.LossTermNames.Count : 2;
        double lbfgs = 2.0 * schedule.LbfgsHistory + 4;
        double optimizer = parameters * Math.Max(schedule.AdamIterations > 0 ? adam : 0, schedule.LbfgsIterations > 0 ? lbfgs : 0);
        // Nested autograd keeps, per derivative order, the forward graph and a gradient graph through the same layers:
        // several copies of every layer's activations per order and coordinate; 16 covers second-order problems, higher
        // orders need more.
        double activations = 16 * points * widths;
        // The divergence-recovery snapshot keeps one more copy of the parameters and the optimizer state.
        double values = 2.0 * settings.Marching.Windows * parameters + parameters + 3 * optimizer + activations;
        double bytes = (settings.DType == ScalarType.Float64 ? sizeof(double) : sizeof(float)) * values;
        if (schedule.NaturalGradientIterations > 0) bytes += sizeof(double) * (3 * parameters + points) * parameters;
        return MemoryBudget.Saturated(bytes);
    }

    /// <summary>
    /// The trainable values of the network the options build for these inputs and outputs, and the sum of its layers'
    /// widths (the values one point's forward pass produces), counted from the options alone.
    /// </summary>
    public static (double Parameters, double Widths) EstimateNetwork(NetworkOptions options, int inputs, int outputs)
    {
        double features = inputs, parameters = 0;
        foreach (var embedding in options.Embeddings)
        {
            var (embedded, own) = embedding.Size(features);
            (features, parameters) = (embedded, parameters + own);
        }
        // Weight factorisation adds one scale per unit, which this count leaves out.
        var (body, hidden) = options.Architecture.Size(features, outputs);
        return (parameters + body, features + hidden + outputs);
    }

    /// <summary>
    /// loss.csv: one row per iteration with the weighted total and each unweighted term, then a column for each value
    /// the training methods reported (weight_TERM with loss balancing, causal_min_weight and causal_epsilon with causal
    /// training), in the order they first appear. A cell is empty where a row has no such value.
    /// </summary>
    public static string LossTable(IReadOnlyList<string> termNames, IReadOnlyList<LossRecord> history)
    {
        var columns = history.SelectMany(r => r.Values.Keys).Distinct().ToList();
        var csv = new StringBuilder(string.Join(",", ["step", "phase", "total", .. termNames, .. columns]) + "\n");
        static string Cell(double? v) => v?.ToString("R", CultureInfo.InvariantCulture) ?? "";
        foreach (var r in history)
        {
            var cells = new List<string> { r.Step.ToString(CultureInfo.InvariantCulture), r.Phase, Cell(r.Total) };
            cells.AddRange(r.Terms.Select(v => Cell(v)));
            cells.AddRange(columns.Select(c => r.Values.TryGetValue(c, out var v) ? Cell(v) : ""));
            csv.AppendJoin(',', cells).Append('\n');
        }
        return csv.ToString();
    }

    private static void WriteOutputs(RunFolder run, PdeProblem problem, PinnRunOptions options, ReferenceSolution? reference,
        PinnSettings settings, TrainedPinn trainer, ReferenceComparison? comparison, PinnRunResult result)
    {
        string folder = run.Path;
        bool timeLast = problem.Geometry is Geometry.SpaceTime;
        if (reference is not null && comparison is not null)
        {
            var prediction = OutsideAsNaN(problem, reference.Points, comparison.Prediction);
            WritePrediction(run.File("prediction.npz"), reference, prediction);
            SolutionVtk.Write(folder, reference, prediction, timeLast);
            SolutionPlots.Write(folder, options.Name, trainer.Coordinates, reference, comparison);
        }
        else
        {
            var grid = PredictionGrid(problem);
            var prediction = Predicted(problem, trainer.Predict, grid);
            var points = new ReferenceSolution
            {
                Points = grid.Points(),
                Values = new Dictionary<string, double[]>(),
                Source = "none",
                Grid = grid,
            };
            WritePrediction(run.File("prediction.npz"), points, prediction);
            SolutionVtk.Write(folder, points, prediction, timeLast);
            SolutionPlots.WritePrediction(folder, options.Name, trainer.Coordinates, grid, prediction);
        }

        run.WriteText("loss.csv", LossTable(trainer.LossTermNames, trainer.History));

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
        if (series.Count > 0) Plots.Lines(run.File("loss.png"), $"{options.Name}: training loss", "iteration", "loss", series, logY: true);

        var record = new
        {
            Problem = options.Name,
            Description = options.Description,
            Preset = options.Preset,
            Settings = settings,
            Seed = settings.Seed,
            RelativeL2 = result.RelativeL2,
            Iterations = result.Iterations,
            AdamIterations = result.AdamIterations,
            LbfgsIterations = result.LbfgsIterations,
            WallSeconds = result.WallSeconds,
            ResumedFromStep = result.ResumedFromStep,
            FinalLoss = result.FinalLoss,
            Engine = result.Engine,
            PhaseEnds = trainer.PhaseEnds,
            Rollbacks = trainer.Rollbacks,
            LossTerms = trainer.LossTermNames,
            Parameters = trainer.Parameters,
            ExactParameters = options.ExactParameters,
            FieldErrors = result.FieldErrors,
            Evaluation = reference is null ? null : new
            {
                Points = reference.Count,
                Grid = reference.Grid?.Coordinates.Zip(reference.Grid.Axes, (c, a) => $"{c}: {a.Length}"),
                Reference = reference.Source,
            },
            Threads = get_num_threads(),
            Versions = RunVersions.Current,
        };
        run.WriteJson(RunFolder.RunFile, record);
    }

    /// <summary>
    /// Where a run without a reference shows its solution: a grid over the geometry's bounding box (101 points per axis
    /// in 1D and 2D, fewer in more dimensions, so the file stays near a million values).
    /// </summary>
    public static ReferenceGrid PredictionGrid(PdeProblem problem)
    {
        var bounds = problem.Geometry.Bounds;
        int dimension = problem.Geometry.Dimension;
        int perAxis = dimension <= 2 ? 101 : (int)Math.Floor(Math.Pow(1e6, 1.0 / dimension));
        var axes = Enumerable.Range(0, dimension).Select(d => Solvers.UniformGrid.Linspace(bounds.Min[d], bounds.Max[d], perAxis)).ToArray();
        return new ReferenceGrid([.. problem.Terms.Coordinates], axes);
    }

    /// <summary>Each field's prediction at the grid points; NaN at points outside the geometry (holes, an L's cut-out corner).</summary>
    private static Dictionary<string, double[]> Predicted(PdeProblem problem, Func<double[,], double[,]> predict, ReferenceGrid grid)
    {
        var points = grid.Points();
        var output = predict(points);
        var values = problem.Fields.Select((f, i) => (f, Enumerable.Range(0, grid.Count).Select(k => output[k, i]).ToArray()));
        return OutsideAsNaN(problem, points, values.ToDictionary(v => v.f, v => v.Item2));
    }

    /// <summary>The values with NaN at points outside the geometry, where the network only extrapolates.</summary>
    private static Dictionary<string, double[]> OutsideAsNaN(PdeProblem problem, double[,] points, IReadOnlyDictionary<string, double[]> values)
    {
        var point = new double[points.GetLength(1)];
        var masked = values.ToDictionary(v => v.Key, v => v.Value.ToArray());
        for (int k = 0; k < points.GetLength(0); k++)
        {
            for (int d = 0; d < point.Length; d++) point[d] = points[k, d];
            if (problem.Geometry.Contains(point)) continue;
            foreach (var field in masked.Values) field[k] = double.NaN;
        }
        return masked;
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
