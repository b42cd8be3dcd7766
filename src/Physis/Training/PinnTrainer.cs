using Physis.Differentiation;
using Physis.Infrastructure;
using Physis.Problems;
using Physis.Training.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Training;

/// <summary>
/// Trains a network to satisfy a <see cref="PdeProblem"/>: samples points once, builds one loss term per residual
/// equation and per condition (<see cref="PinnLoss"/>), and runs a schedule of optimizer phases (for example Adam,
/// then L-BFGS), with the training methods hooked into each iteration. Every iteration runs in a dispose scope, so no
/// native memory accumulates; checkpoints capture everything needed to resume exactly.
/// </summary>
public sealed class PinnTrainer : IDisposable
{
    private readonly Dictionary<TrainableParameter, Parameter> parameterValues;
    private readonly List<Parameter> trainable, networkParameters;
    private readonly List<LossRecord> history = [];
    private readonly List<PhaseEnd> phaseEnds = [];
    private readonly List<Rollback> rollbacks = [];
    private readonly PinnLoss loss;
    private readonly List<ITrainingMethod> methods;
    private Checkpointing? checkpointing;
    private IPinnOptimizer? optimizer;
    private Dictionary<string, Tensor>? pendingOptimizerState;
    private bool resuming;
    private string? stopRequest;
    private Snapshot? snapshot;

    public PinnTrainer(PdeProblem problem, nn.Module<Tensor, Tensor> network, Sampling sampling, TrainerOptions? options = null)
    {
        sampling.Validate();
        TensorEngine.ConfigureDefault();
        Problem = problem;
        Network = network;
        Options = options ?? new TrainerOptions();
        Options.Validate();
        Sampling = sampling;
        CheckShape(problem, network, Options);
        Seed = Options.Seed;
        parameterValues = problem.Parameters.ToDictionary(p => p, p => new Parameter(tensor(p.InitialValue, Options.DType, Options.Device)));
        networkParameters = [.. network.parameters()];
        trainable = [.. networkParameters, .. parameterValues.Values];
        loss = new PinnLoss(problem, network, Options.Engine ?? new AutogradEngine(), parameterValues, Options);
        methods = [.. Options.Methods.Select(m => m.Create(this))];
        Batch = Batch.Sample(problem, sampling, Options);
    }

    /// <summary>
    /// One forward pass at a single point, so that a network that does not fit the problem (another input count than the
    /// coordinates, another output count than the fields) is refused here with a plain message, not inside training.
    /// </summary>
    private static void CheckShape(PdeProblem problem, nn.Module<Tensor, Tensor> network, TrainerOptions options)
    {
        var coordinates = problem.Terms.Coordinates;
        long outputs;
        using (no_grad())
        using (NewDisposeScope())
        {
            try
            {
                outputs = network.forward(zeros(1, coordinates.Count, options.DType, options.Device)).shape[^1];
            }
            catch (Exception e) when (e is System.Runtime.InteropServices.ExternalException or ArgumentException)
            {
                throw new ArgumentException($"The network does not take the problem's {coordinates.Count} inputs "
                    + $"({string.Join(", ", coordinates)}): {e.Message.Split('\n')[0]}", e);
            }
        }
        if (outputs != problem.Fields.Count)
            throw new ArgumentException($"The network has {outputs} outputs, but the problem has {problem.Fields.Count} fields "
                + $"({string.Join(", ", problem.Fields)}): give it one output per field.");
    }

    public PdeProblem Problem { get; }
    public Sampling Sampling { get; }
    public nn.Module<Tensor, Tensor> Network { get; }
    public TrainerOptions Options { get; }
    /// <summary>The run's seed: the options' at the start, the checkpoint's after a resume (adaptive sampling draws from it).</summary>
    public int Seed { get; internal set; }
    /// <summary>Iterations completed over all phases.</summary>
    public int Step { get; internal set; }
    /// <summary>Index of the phase in progress (or next to run) and iterations taken in it.</summary>
    public int PhaseIndex { get; internal set; }
    public int PhaseStep { get; internal set; }
    public IReadOnlyList<LossRecord> History => history;
    /// <summary>How each phase run so far ended, in order (an optimizer's stop reason, the iteration count, a callback's stop).</summary>
    public IReadOnlyList<PhaseEnd> PhaseEnds => phaseEnds;
    /// <summary>Every rollback after a diverged loss (<see cref="TrainerOptions.Recovery"/>).</summary>
    public IReadOnlyList<Rollback> Rollbacks => rollbacks;
    public IReadOnlyList<string> LossTermNames => Problem.LossTermNames;
    /// <summary>The training methods in use, in the order of <see cref="TrainerOptions.Methods"/>.</summary>
    public IReadOnlyList<ITrainingMethod> Methods => methods;
    /// <summary>The trainable parameters: the network's, then the problem's.</summary>
    public IReadOnlyList<Parameter> Trainable => trainable;
    /// <summary>The collocation points in use, [n, d] (they change under adaptive sampling).</summary>
    public double[,] DomainPoints => Batch.DomainPoints();
    internal Batch Batch { get; set; }
    internal IReadOnlyDictionary<TrainableParameter, Parameter> ParameterTensors => parameterValues;
    /// <summary>Sums over the training points of every rank (<see cref="TrainerOptions.Communicator"/>).</summary>
    internal RankSums Sums => loss.Sums;

    /// <summary>The method of type <typeparamref name="T"/> in use, or null.</summary>
    public T? Method<T>() where T : class, ITrainingMethod => methods.OfType<T>().FirstOrDefault();

    /// <summary>Current values of the trainable scalar parameters (inverse and eigenvalue problems).</summary>
    public IReadOnlyDictionary<string, double> ParameterValues => parameterValues.ToDictionary(p => p.Key.Name, p => p.Value.ToDouble());

    /// <summary>Optional checkpointing: written every <paramref name="every"/> iterations and at each phase end.</summary>
    public void EnableCheckpoints(string path, int every) => checkpointing = new Checkpointing(path, every);

    /// <summary>
    /// Checkpoints to <paramref name="path"/> as <see cref="EnableCheckpoints"/> does and, when that file exists, loads
    /// it, so the next <see cref="Train(IReadOnlyList{TrainingPhase}, ITrainingCallback[])"/> continues (or, for a finished
    /// run, does nothing). Returns whether a checkpoint was loaded.
    /// </summary>
    public bool ResumeOrStart(string path, int every)
    {
        EnableCheckpoints(path, every);
        if (!File.Exists(path)) return false;
        LoadCheckpoint(path);
        return true;
    }

    /// <summary>
    /// After <see cref="LoadCheckpoint"/> of a finished schedule, goes back into its last phase so that the next
    /// <see cref="Train(IReadOnlyList{TrainingPhase}, ITrainingCallback[])"/> with <paramref name="schedule"/>, whose
    /// last phase now has more iterations, continues it. The phase's optimizer starts afresh (a finished phase keeps
    /// no optimizer state); the steps it already took are the trailing records of its optimizer in the history.
    /// </summary>
    public void ReopenLastPhase(IReadOnlyList<TrainingPhase> schedule)
    {
        if (!resuming || PhaseIndex < schedule.Count)
            throw new InvalidOperationException("ReopenLastPhase continues a loaded checkpoint of a finished schedule; "
                + "this trainer is not at the end of one.");
        var last = schedule[^1];
        if (schedule.Count > 1 && schedule[^2].Name == last.Name)
            throw new InvalidOperationException($"The last two phases both run {last.Name}, so the history cannot tell where the last one began.");
        int taken = Enumerable.Reverse(history).TakeWhile(r => r.Phase == last.Name).Count();
        (PhaseIndex, PhaseStep) = (schedule.Count - 1, taken);
    }

    public string? CheckpointPath => checkpointing?.Path;

    /// <summary>
    /// Ends training after the iteration in progress (a callback calls it: early stopping, a time budget). The phase
    /// ends with <paramref name="reason"/>, a checkpoint is written, and a later <c>Train</c> with the same schedule continues.
    /// </summary>
    public void RequestStop(string reason) => stopRequest = string.IsNullOrWhiteSpace(reason)
        ? throw new ArgumentException("Give the reason training stops.") : reason;

    /// <summary>Runs one optimizer phase, continuing from the current network and history.</summary>
    public void Train(TrainingPhase phase, params ITrainingCallback[] callbacks) => Train([phase], callbacks);

    /// <summary>
    /// Runs a schedule of phases. After <see cref="LoadCheckpoint"/> it continues the phase and iteration recorded in
    /// the checkpoint (pass the same schedule as the interrupted run); otherwise it starts with the first phase.
    /// </summary>
    public void Train(IReadOnlyList<TrainingPhase> schedule, params ITrainingCallback[] callbacks)
    {
        if (schedule.Any(p => p.Iterations < 0)) throw new ArgumentException("Phase iteration counts cannot be negative.");
        if (Options.Communicator.IsDistributed && schedule.FirstOrDefault(p => p is NaturalGradientPhase) is { } natural)
            throw new ArgumentException($"The {natural.Name} phase needs every residual in one process to build its Gauss-Newton system; "
                + "it does not run data-parallel. Use Adam and L-BFGS, or run in one process.");
        foreach (var p in schedule) p.Validate(LossTermNames);
        if (!resuming) (PhaseIndex, PhaseStep) = (0, 0);
        resuming = false;
        for (; PhaseIndex < schedule.Count; PhaseIndex++, PhaseStep = 0)
        {
            var phase = schedule[PhaseIndex];
            optimizer ??= phase.CreateOptimizer(PhaseParameters(phase), LossTermNames);
            if (pendingOptimizerState is not null)
            {
                optimizer.LoadState(pendingOptimizerState);
                pendingOptimizerState = null;
            }
            foreach (var method in methods) method.OnPhaseStart(phase);
            var objective = new PhaseObjective(this, phase);
            string reason = "iterations";
            TakeSnapshot();
            int? divergedAt = null;
            // A phase that keeps its objective fixed (L-BFGS) keeps the draws of its first step throughout.
            long drawStream = Step;
            while (PhaseStep < phase.Iterations)
            {
                if (!phase.KeepsObjectiveFixed) foreach (var method in methods) method.BeforeStep();
                loss.Draw(phase.KeepsObjectiveFixed ? drawStream : Step);
                objective.Evaluated.Clear();
                bool moved;
                using (NewDisposeScope()) moved = optimizer.Step(objective);
                if (!moved)
                {
                    // Converged at an objective a method has since moved (causal weights): go on at the new one.
                    if (!(phase.KeepsObjectiveFixed && methods.Aggregate(false, (any, m) => m.ObjectiveMoved() | any)))
                    {
                        reason = optimizer.StopReason ?? "converged";
                        break;
                    }
                    optimizer.Dispose();
                    optimizer = phase.CreateOptimizer(PhaseParameters(phase), LossTermNames);
                    continue;
                }
                // A line search evaluates several points; record the terms of the one the optimizer accepted.
                var record = objective.Evaluated.LastOrDefault(r => r.Total == optimizer.LastLoss) ?? objective.Evaluated[^1];
                if (Diverged(record))
                {
                    RollBack(phase, record);
                    divergedAt = record.Step;
                    continue;
                }
                // Adam's record is the loss at the parameters before its update: the snapshot's, if it has none yet.
                if (snapshot is { Loss: double.NaN } taken) taken.Loss = record.Total;
                if (divergedAt is { } at)
                {
                    record = record with { Values = new Dictionary<string, double>(record.Values) { ["rollback_from_step"] = at } };
                    divergedAt = null;
                }
                foreach (var method in methods) method.AfterStep(phase, record);
                Step++;
                PhaseStep++;
                history.Add(record);
                foreach (var callback in callbacks) callback.OnStep(this, record, phase, PhaseStep);
                checkpointing?.AfterStep(this);
                if (Options.Recovery is { } recovery && PhaseStep % recovery.SnapshotEvery == 0) TakeSnapshot();
                AgreeOnStop();
                if (stopRequest is not null) break;
            }
            if (stopRequest is { } stop)
            {
                EndPhase(phase, $"stopped: {stop}", callbacks);
                stopRequest = null;
                // The optimizer stays: the checkpoint holds its state, and the next Train continues this phase.
                resuming = true;
                checkpointing?.Save(this);
                return;
            }
            EndPhase(phase, reason, callbacks);
            optimizer.Dispose();
            optimizer = null;
            foreach (var method in methods) method.OnPhaseEnd(phase);
            if (PhaseIndex + 1 < schedule.Count) checkpointing?.AtPhaseEnd(this);
        }
        PhaseStep = 0;
        DisposeSnapshot();
        checkpointing?.Save(this);
    }

    /// <summary>
    /// Ranks stop together: a callback on one rank (a time budget reads its own clock) would otherwise leave the
    /// others waiting in the next step's sums.
    /// </summary>
    private void AgreeOnStop()
    {
        if (!Options.Communicator.IsDistributed) return;
        var requests = new[] { stopRequest is null ? 0.0 : 1.0 };
        Options.Communicator.SumInRankOrder(requests);
        if (requests[0] > 0) stopRequest ??= "another rank stopped";
    }

    private void EndPhase(TrainingPhase phase, string reason, ITrainingCallback[] callbacks)
    {
        var end = new PhaseEnd(phase.Name, Step, reason);
        phaseEnds.Add(end);
        foreach (var callback in callbacks) callback.OnPhaseEnd(this, end);
    }

    /// <summary>A loss that is not finite, or that has grown past the explosion factor since the last snapshot.</summary>
    private bool Diverged(LossRecord record) => Options.Recovery is { } recovery
        && (!double.IsFinite(record.Total) || (snapshot is { Loss: > 0 } s && record.Total > recovery.ExplosionFactor * s.Loss));

    private void TakeSnapshot()
    {
        if (Options.Recovery is null) return;
        DisposeSnapshot();
        snapshot = Snapshot.Of(this, history.Count > 0 ? history[^1].Total : double.NaN);
    }

    private void DisposeSnapshot()
    {
        snapshot?.Dispose();
        snapshot = null;
    }

    /// <summary>
    /// Back to the snapshot with a smaller step; past the retries, back to it for good and a <see cref="TrainingDivergedException"/>.
    /// </summary>
    private void RollBack(TrainingPhase phase, LossRecord diverged)
    {
        var recovery = Options.Recovery!;
        double scale = optimizer!.StepScale * recovery.StepFactor;
        var state = TrainerCheckpoint.Restore(this, snapshot!.Header, snapshot.Tensors, "the last snapshot");
        history.RemoveRange(snapshot.Header.History.Count, history.Count - snapshot.Header.History.Count);
        if (snapshot.Header.Optimizer is not null) optimizer.LoadState(state);
        string loss = diverged.Total.ToString("G3", System.Globalization.CultureInfo.InvariantCulture);
        if (rollbacks.Count >= recovery.MaxRetries)
            throw new TrainingDivergedException($"Training diverged at step {diverged.Step} ({phase.Name}, loss {loss}) after "
                + $"{rollbacks.Count} rollbacks with the step scaled down each time; the network is back at step {Step}. "
                + "Lower the learning rate or check the problem's scaling.");
        optimizer.StepScale = scale;
        rollbacks.Add(new Rollback(diverged.Step, phase.Name, diverged.Total, Step, scale));
    }

    /// <summary>A copy of the trainer's state in memory (as a checkpoint holds it) and the loss at that point.</summary>
    private sealed class Snapshot(TrainerCheckpoint.Header header, Dictionary<string, Tensor> tensors, double loss) : IDisposable
    {
        public TrainerCheckpoint.Header Header => header;
        public IReadOnlyDictionary<string, Tensor> Tensors => tensors;
        public double Loss { get; set; } = loss;

        public static Snapshot Of(PinnTrainer trainer, double loss)
        {
            using var scope = NewDisposeScope();
            var (header, live) = TrainerCheckpoint.Capture(trainer);
            return new Snapshot(header, live.ToDictionary(t => t.Key, t => t.Value.detach().clone().DetachFromDisposeScope()), loss);
        }

        public void Dispose()
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private IReadOnlyList<Parameter> PhaseParameters(TrainingPhase phase) => phase.HoldsProblemParameters ? networkParameters : trainable;

    /// <summary>The objective of one phase in its three forms, keeping a loss record of every evaluation.</summary>
    private sealed class PhaseObjective(PinnTrainer trainer, TrainingPhase phase) : IObjective
    {
        // Backpropagating into the phase's parameters only skips the gradient with respect to the collocation
        // points, which autograd would otherwise compute through every derivative graph (they require grad).
        private readonly Tensor[] optimized = [.. trainer.PhaseParameters(phase)];
        public List<LossRecord> Evaluated { get; } = [];

        public double Evaluate()
        {
            var loss = trainer.EvaluateLoss();
            var total = loss.Total();
            total.backward(inputs: optimized);
            trainer.loss.Sums.SumGradients(optimized);
            Evaluated.Add(trainer.Record(phase, total.ToDouble(), loss));
            return Evaluated[^1].Total;
        }

        public Tensor[] Terms()
        {
            var loss = trainer.EvaluateLoss();
            var weighted = loss.Terms.Select((t, i) => t.Objective() * loss.Coefficients[i]).ToArray();
            Evaluated.Add(trainer.Record(phase, weighted.Sum(w => w.ToDouble()), loss));
            return weighted;
        }

        public Tensor?[] Gradients(Tensor scalar, IReadOnlyList<Parameter> parameters, bool retainGraph) =>
            trainer.loss.Sums.SumEach(IObjective.LocalGradients(scalar, parameters, retainGraph), parameters);

        public Tensor Residuals()
        {
            var loss = trainer.EvaluateLoss();
            var vector = cat(loss.Terms.Select((t, i) => t.Scaled() * Math.Sqrt(loss.Coefficients[i])).ToList());
            Evaluated.Add(trainer.Record(phase, vector.Squared().sum().ToDouble(), loss));
            return vector;
        }
    }

    private LossRecord Record(TrainingPhase phase, double total, LossEvaluation evaluation)
    {
        var values = new Dictionary<string, double>();
        foreach (var method in methods) method.Record(values);
        return new LossRecord(Step + 1, phase.Name, total, [.. evaluation.Terms.Select(t => t.Raw().ToDouble())]) { Values = values };
    }

    /// <summary>The loss at the training points, every method's reweighting applied.</summary>
    public LossEvaluation EvaluateLoss() => loss.Evaluate(Batch, methods);

    /// <summary>
    /// The weighted total loss the optimizer minimises (condition weights and the methods' weights applied) and each
    /// unweighted term (mean square residual), at the sampled points.
    /// </summary>
    public (Tensor Total, Tensor[] Terms) Loss()
    {
        var evaluation = EvaluateLoss();
        return (evaluation.Total(), [.. evaluation.Terms.Select(t => t.Raw())]);
    }

    /// <summary>|r| at the given points (the Euclidean norm over residual equations), without touching the training points.</summary>
    public double[] ResidualMagnitude(double[,] points) => loss.ResidualMagnitude(points);

    /// <summary>
    /// An expression of the network's fields, their derivatives and the coordinates (for example
    /// <c>Problem.Terms.Dt("u")</c>) at the given points, in float64: what a later stage needs of a trained network
    /// beyond its values (time marching's initial velocity).
    /// </summary>
    public double[] Evaluate(double[,] points, Expr expression) => loss.Evaluate(points, expression);

    /// <summary>Network outputs [n, fields] at the given points, in float64.</summary>
    public double[,] Predict(double[,] points) => loss.Predict(points);

    internal IPinnOptimizer? Optimizer => optimizer;

    public void SaveCheckpoint(string path) => TrainerCheckpoint.Save(this, path);

    /// <summary>Restores network, parameters, sampled points, optimizer state, methods' state, step counters and loss history.</summary>
    public void LoadCheckpoint(string path)
    {
        var (header, optimizerState) = TrainerCheckpoint.Load(this, path);
        history.Clear();
        history.AddRange(header.History);
        phaseEnds.Clear();
        phaseEnds.AddRange(header.PhaseEnds ?? []);
        rollbacks.Clear();
        rollbacks.AddRange(header.Rollbacks ?? []);
        optimizer?.Dispose();
        optimizer = null;
        pendingOptimizerState = header.Optimizer is null ? null : optimizerState;
        resuming = true;
    }

    public void Dispose()
    {
        DisposeSnapshot();
        optimizer?.Dispose();
        Batch.Dispose();
        foreach (var p in parameterValues.Values) p.Dispose();
    }
}
