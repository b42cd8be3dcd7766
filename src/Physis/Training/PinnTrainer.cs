using System.Diagnostics;
using System.Text.Json;
using Physis.Differentiation;
using Physis.Geometry;
using Physis.Problems;
using Physis.Training.Adaptive;
using Physis.Training.Causal;
using Physis.Training.Optimizers;
using Physis.Training.Weighting;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;
using Physis.Infrastructure;

namespace Physis.Training;

public sealed record TrainerOptions
{
    public int Seed { get; init; }
    public ScalarType DType { get; init; } = ScalarType.Float32;
    public Device? Device { get; init; }
    public IDifferentiationEngine? Engine { get; init; }
    /// <summary>Adaptive loss weights (<see cref="GradientNormBalancing"/> or <see cref="NtkBalancing"/>); null keeps the conditions' fixed weights.</summary>
    public LossBalancing? Balancing { get; init; }
    /// <summary>Causal weighting of the residual in time (space-time problems only).</summary>
    public CausalTraining? Causal { get; init; }
    /// <summary>Residual-based adaptive collocation points (<see cref="ResidualAdaptiveRefinement"/> or <see cref="ResidualAdaptiveDistribution"/>).</summary>
    public AdaptiveSampling? AdaptiveSampling { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        Balancing?.Validate();
        Causal?.Validate();
        AdaptiveSampling?.Validate();
    }
}

/// <summary>
/// Loss values at one iteration: the weighted total the optimizer saw and each unweighted term (mean square residual),
/// in <see cref="PdeProblem.LossTermNames"/> order.
/// </summary>
public sealed record LossRecord(int Step, string Phase, double Total, double[] Terms)
{
    /// <summary>Adaptive loss weights in effect, one per term (null without <see cref="TrainerOptions.Balancing"/>).</summary>
    public double[]? Weights { get; init; }
    /// <summary>Smallest causal time-slab weight and the causal tolerance eps (null without <see cref="TrainerOptions.Causal"/>).</summary>
    public double? CausalMinWeight { get; init; }
    public double? CausalEpsilon { get; init; }
}

/// <summary>Called after every iteration, for progress display, evaluation or early stopping.</summary>
public interface ITrainingCallback
{
    void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep);
}

/// <summary>
/// Trains a network to satisfy a <see cref="PdeProblem"/>: samples points once, builds one loss term per residual
/// equation and per condition, and runs a schedule of optimizer phases (for example Adam, then L-BFGS). Every iteration
/// runs in a dispose scope, so no native memory accumulates; checkpoints capture everything needed to resume exactly.
/// </summary>
public sealed class PinnTrainer : IDisposable
{
    private readonly PdeProblem problem;
    private readonly nn.Module<Tensor, Tensor> network;
    private readonly TrainerOptions options;
    private readonly IDifferentiationEngine engine;
    private readonly Dictionary<TrainableParameter, Parameter> parameterValues;
    private readonly List<Parameter> trainable, networkParameters;
    private readonly List<LossRecord> history = new();
    private Batch batch;
    private IPinnOptimizer? optimizer;
    private readonly CausalWeighting? causal;
    private double[]? lossWeights;
    // The run's seed: the options' at the start, the checkpoint's after a resume (adaptive sampling draws from it).
    private int seed;

    public PinnTrainer(PdeProblem problem, nn.Module<Tensor, Tensor> network, Sampling sampling, TrainerOptions? options = null)
    {
        sampling.Validate();
        this.problem = problem;
        this.network = network;
        this.options = options ?? new TrainerOptions();
        this.options.Validate();
        if (this.options.Causal is { } causalSettings)
        {
            if (problem.Geometry is not SpaceTime spaceTime)
                throw new ArgumentException("Causal training weights the residual along time, but this problem's geometry has no time axis. Use geometry.WithTime(t0, t1) or remove Causal.");
            causal = new CausalWeighting(causalSettings, spaceTime.T0, spaceTime.T1);
        }
        if (this.options.AdaptiveSampling is ResidualAdaptiveDistribution rad && rad.Candidates < sampling.Domain)
            throw new ArgumentException($"ResidualAdaptiveDistribution draws the {sampling.Domain} collocation points from its candidates, so Candidates must be at least {sampling.Domain}, got {rad.Candidates}.");
        engine = this.options.Engine ?? new AutogradEngine();
        seed = this.options.Seed;
        Sampling = sampling;
        parameterValues = problem.Parameters.ToDictionary(p => p, p =>
            new Parameter(tensor(p.InitialValue, this.options.DType, this.options.Device)));
        networkParameters = [.. network.parameters()];
        trainable = [.. networkParameters, .. parameterValues.Values];
        batch = Batch.Sample(problem, sampling, this.options);
    }

    public PdeProblem Problem => problem;
    public Sampling Sampling { get; }
    public nn.Module<Tensor, Tensor> Network => network;
    /// <summary>Iterations completed over all phases.</summary>
    public int Step { get; private set; }
    /// <summary>Index of the phase in progress (or next to run) and iterations taken in it.</summary>
    public int PhaseIndex { get; private set; }
    public int PhaseStep { get; private set; }
    public IReadOnlyList<LossRecord> History => history;
    public IReadOnlyList<string> LossTermNames => problem.LossTermNames;
    public TrainerOptions Options => options;

    /// <summary>Adaptive loss weights in effect, one per term (null before the first update or without balancing).</summary>
    public IReadOnlyList<double>? LossWeights => lossWeights;
    /// <summary>Causal weight of each time slab at the last loss evaluation, earliest first (null without causal training).</summary>
    public IReadOnlyList<double>? CausalWeights => causal?.Weights;
    public double? CausalEpsilon => causal?.Epsilon;
    /// <summary>The collocation points in use, [n, d] (they change under adaptive sampling).</summary>
    public double[,] DomainPoints => batch.DomainPoints();

    /// <summary>Current values of the trainable scalar parameters (inverse and eigenvalue problems).</summary>
    public IReadOnlyDictionary<string, double> ParameterValues =>
        parameterValues.ToDictionary(p => p.Key.Name, p => p.Value.ToDouble() is var v ? v : 0);

    /// <summary>Optional checkpointing: written every <paramref name="every"/> iterations and at each phase end.</summary>
    public void EnableCheckpoints(string path, int every)
    {
        if (every <= 0) throw new ArgumentException("The checkpoint interval must be positive.");
        CheckpointPath = path;
        CheckpointEvery = every;
    }

    /// <summary>
    /// Checkpoints to <paramref name="path"/> as <see cref="EnableCheckpoints"/> does and, when that file exists, loads
    /// it, so the next <see cref="Train(IReadOnlyList{TrainingPhase}, ITrainingCallback[])"/> continues (or, for a finished run, does nothing).
    /// Returns whether a checkpoint was loaded.
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
            throw new InvalidOperationException("ReopenLastPhase continues a loaded checkpoint of a finished schedule; this trainer is not at the end of one.");
        var last = schedule[^1];
        if (schedule.Count > 1 && schedule[^2].Name == last.Name)
            throw new InvalidOperationException($"The last two phases both run {last.Name}, so the history cannot tell where the last one began.");
        int taken = Enumerable.Reverse(history).TakeWhile(r => r.Phase == last.Name).Count();
        (PhaseIndex, PhaseStep) = (schedule.Count - 1, taken);
    }

    public string? CheckpointPath { get; private set; }
    public int CheckpointEvery { get; private set; }

    /// <summary>Runs one optimizer phase, continuing from the current network and history.</summary>
    public void Train(TrainingPhase phase, params ITrainingCallback[] callbacks) => Train([phase], callbacks);

    /// <summary>
    /// Runs a schedule of phases. After <see cref="LoadCheckpoint"/> it continues the phase and iteration recorded in
    /// the checkpoint (pass the same schedule as the interrupted run); otherwise it starts with the first phase.
    /// </summary>
    public void Train(IReadOnlyList<TrainingPhase> schedule, params ITrainingCallback[] callbacks)
    {
        if (schedule.Any(p => p.Iterations < 0)) throw new ArgumentException("Phase iteration counts cannot be negative.");
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
            // L-BFGS's curvature pairs assume one objective, so the causal weights hold still during its phase.
            if (phase.KeepsObjectiveFixed && causal is { IsFrozen: false }) causal.Freeze();
            // Backpropagating into the phase's parameters only skips the gradient with respect to the collocation
            // points, which autograd would otherwise compute through every derivative graph (they require grad).
            Tensor[] optimized = [.. PhaseParameters(phase)];
            while (PhaseStep < phase.Iterations)
            {
                if (!phase.KeepsObjectiveFixed) AdaptObjective();
                var evaluated = new List<LossRecord>();
                bool moved;
                using (var scope = NewDisposeScope())
                {
                    moved = optimizer switch
                    {
                        IResidualOptimizer gaussNewton => gaussNewton.Step(() =>
                        {
                            var (terms, coefficients) = Evaluate();
                            var vector = cat(terms.Select((t, i) => t.Scaled() * Math.Sqrt(coefficients[i])).ToList());
                            evaluated.Add(Record(phase, vector.square().sum().ToDouble(), terms));
                            return vector;
                        }),
                        ITermwiseOptimizer termwise => termwise.Step(() =>
                        {
                            var (terms, coefficients) = Evaluate();
                            var weighted = terms.Select((t, i) => t.Objective() * coefficients[i]).ToArray();
                            evaluated.Add(Record(phase, weighted.Sum(w => w.ToDouble()), terms));
                            return weighted;
                        }),
                        _ => optimizer.Step(() =>
                        {
                            var (terms, coefficients) = Evaluate();
                            var total = Total(terms, coefficients);
                            total.backward(inputs: optimized);
                            evaluated.Add(Record(phase, total.ToDouble(), terms));
                            return evaluated[^1].Total;
                        }),
                    };
                }
                if (!moved)
                {
                    if (!(phase.KeepsObjectiveFixed && PhaseStep < phase.Iterations && RefreezeCausalWeights())) break;
                    // Converged at the frozen weights, which have since moved on: restart the phase's optimizer at the new ones.
                    optimizer.Dispose();
                    optimizer = phase.CreateOptimizer(PhaseParameters(phase), LossTermNames);
                    continue;
                }
                // A line search evaluates several points; record the terms of the one the optimizer accepted.
                var record = evaluated.LastOrDefault(r => r.Total == optimizer.LastLoss) ?? evaluated[^1];
                if (!phase.KeepsObjectiveFixed && record.CausalMinWeight is { } minWeight) causal?.Advance(minWeight);
                Step++;
                PhaseStep++;
                history.Add(record);
                foreach (var callback in callbacks) callback.OnStep(this, record, phase, PhaseStep);
                if (CheckpointPath is not null && Step % CheckpointEvery == 0) SaveCheckpoint(CheckpointPath);
            }
            optimizer.Dispose();
            optimizer = null;
            causal?.Thaw();
            if (CheckpointPath is not null && PhaseIndex + 1 < schedule.Count)
            {
                PhaseIndex++; PhaseStep = 0;
                SaveCheckpoint(CheckpointPath);
                PhaseIndex--;
            }
        }
        PhaseStep = 0;
        if (CheckpointPath is not null) SaveCheckpoint(CheckpointPath);
    }

    private IReadOnlyList<Parameter> PhaseParameters(TrainingPhase phase) => phase.HoldsProblemParameters ? networkParameters : trainable;

    /// <summary>
    /// After an optimizer converged at frozen causal weights: recomputes them at the current network (moving to the next
    /// tolerance first if every slab is resolved) and freezes the new ones. True when some slab weight moved by more than
    /// <see cref="CausalRefreezeChange"/>, that is when there is a new objective to minimise.
    /// </summary>
    private bool RefreezeCausalWeights()
    {
        if (causal?.FrozenWeights is not { } before) return false;
        int epsilonIndex = causal.EpsilonIndex;
        using (NewDisposeScope())
        {
            causal.Freeze();
            Evaluate();
            causal.Advance(causal.MinWeight);
            if (causal.EpsilonIndex != epsilonIndex)
            {
                causal.Freeze();
                Evaluate();
            }
        }
        var after = causal.FrozenWeights!;
        return causal.EpsilonIndex != epsilonIndex || before.Zip(after, (b, a) => Math.Abs(a - b)).Max() > CausalRefreezeChange;
    }

    /// <summary>The smallest change of a causal slab weight that makes a converged L-BFGS phase start again at the new weights.</summary>
    public const double CausalRefreezeChange = 1e-3;

    /// <summary>
    /// The weighted total loss the optimizer minimises (condition weights, adaptive weights and causal weights applied)
    /// and each unweighted term (mean square residual), at the sampled points.
    /// </summary>
    public (Tensor Total, Tensor[] Terms) Loss()
    {
        var (terms, coefficients) = Evaluate();
        return (Total(terms, coefficients), terms.Select(t => t.Raw()).ToArray());
    }

    private static Tensor Total(TermResidual[] terms, double[] coefficients)
    {
        Tensor total = terms[0].Objective() * coefficients[0];
        for (int i = 1; i < terms.Length; i++) total = total + terms[i].Objective() * coefficients[i];
        return total;
    }

    private LossRecord Record(TrainingPhase phase, double total, TermResidual[] terms) =>
        new(Step + 1, phase.Name, total, terms.Select(t => t.Raw().ToDouble()).ToArray())
        {
            Weights = lossWeights?.ToArray(),
            CausalMinWeight = causal?.MinWeight,
            CausalEpsilon = causal?.Epsilon,
        };

    /// <summary>Each term's residuals at its points, and the factor each term enters the total with.</summary>
    private (TermResidual[] Terms, double[] Coefficients) Evaluate()
    {
        var derivatives = engine.Evaluate(network, batch.Points, batch.Requirements);
        int residualCount = problem.Residuals.Count;
        var terms = new TermResidual[residualCount + problem.Conditions.Count];
        var domain = Context(derivatives, batch.Domain);
        var residuals = problem.Residuals.Select(e => domain.Evaluate(e).reshape(-1)).ToArray();
        var pointWeights = causal?.PointWeights(domain.Points.select(1, domain.Points.shape[1] - 1), residuals);
        for (int i = 0; i < residualCount; i++) terms[i] = new TermResidual(residuals[i], pointWeights);
        for (int c = 0; c < problem.Conditions.Count; c++)
        {
            var op = problem.ConditionOperators[c];
            var segment = batch.Conditions[c];
            Tensor residual;
            if (problem.Conditions[c].Region == ConditionRegion.DomainIntegral)
                residual = domain.Evaluate(op).mean() * problem.IntegralMeasure(problem.Conditions[c]) - segment.Target!;
            else
            {
                residual = Context(derivatives, segment.Rows).Evaluate(op);
                residual = segment.Paired is { } paired
                    ? residual - Context(derivatives, paired).Evaluate(op)
                    : residual - segment.Target!;
            }
            terms[residualCount + c] = new TermResidual(residual.reshape(-1));
        }
        return (terms, Coefficients());
    }

    private double[] Coefficients(bool adaptive = true)
    {
        var coefficients = new double[problem.Residuals.Count + problem.Conditions.Count];
        for (int i = 0; i < coefficients.Length; i++)
        {
            double fixedWeight = i < problem.Residuals.Count ? 1.0 : problem.Conditions[i - problem.Residuals.Count].Weight;
            coefficients[i] = fixedWeight * (adaptive ? lossWeights?[i] ?? 1.0 : 1.0);
        }
        return coefficients;
    }

    /// <summary>The iteration-driven changes of the objective: loss weights and adaptive points, each on its own interval.</summary>
    private void AdaptObjective()
    {
        if (options.Balancing is { } balancing && Step % balancing.Every == 0) UpdateLossWeights();
        if (options.AdaptiveSampling is { } sampling && Step > 0 && Step % sampling.Every == 0) AdaptCollocationPoints();
    }

    /// <summary>Re-estimates the adaptive loss weights now (training does this every <see cref="LossBalancing.Every"/> iterations).</summary>
    public void UpdateLossWeights()
    {
        var balancing = options.Balancing ?? throw new InvalidOperationException("No loss balancing is configured: set TrainerOptions.Balancing.");
        using var scope = NewDisposeScope();
        var (terms, _) = Evaluate();
        // Estimates use the fixed condition weights only, so they do not depend on the previous adaptive weights.
        var estimate = balancing.Estimate(terms, Coefficients(adaptive: false), problem.Residuals.Count, trainable);
        lossWeights = lossWeights is null
            ? estimate
            : lossWeights.Select((w, i) => balancing.Smoothing * w + (1 - balancing.Smoothing) * estimate[i]).ToArray();
    }

    /// <summary>Applies the configured adaptive sampling now (training does this every <see cref="AdaptiveSampling.Every"/> iterations).</summary>
    public void AdaptCollocationPoints()
    {
        var sampling = options.AdaptiveSampling ?? throw new InvalidOperationException("No adaptive sampling is configured: set TrainerOptions.AdaptiveSampling.");
        ulong state = ((ulong)(uint)seed << 32) ^ (ulong)Step ^ 0x5EED_AD0Dul;
        ulong drawSeed = Xoshiro256.SplitMix64(ref state);
        var candidates = problem.Geometry.SampleInterior(sampling.Candidates, new PointSampler(SamplingMethod.Uniform, (int)(drawSeed & int.MaxValue)));
        var magnitude = ResidualMagnitude(candidates);
        var domain = sampling.NewDomain(batch.DomainPoints(), candidates, magnitude, drawSeed);
        var replaced = batch.WithDomain(domain);
        batch.Dispose();
        batch = replaced;
    }

    /// <summary>|r| at the given points (the Euclidean norm over residual equations), without touching the training points.</summary>
    public double[] ResidualMagnitude(double[,] points) => EvaluateInChunks(points, problem.Residuals, (context, count) =>
    {
        Tensor squares = zeros(count, options.DType, options.Device);
        foreach (var residual in problem.Residuals) squares = squares + context.Evaluate(residual).reshape(-1).square();
        return squares.sqrt();
    });

    /// <summary>
    /// An expression of the network's fields, their derivatives and the coordinates (for example
    /// <c>Problem.Terms.Dt("u")</c>) at the given points, in float64: what a later stage needs of a trained network
    /// beyond its values (time marching's initial velocity).
    /// </summary>
    public double[] Evaluate(double[,] points, Expr expression) =>
        EvaluateInChunks(points, [expression], (context, count) => context.Evaluate(expression).expand(count, 1).reshape(-1));

    /// <summary>One value per point from the derivatives <paramref name="expressions"/> need, a chunk of points at a time.</summary>
    private double[] EvaluateInChunks(double[,] points, IReadOnlyList<Expr> expressions, Func<EvaluationContext, int, Tensor> values)
    {
        int n = points.GetLength(0);
        if (points.GetLength(1) != problem.Geometry.Dimension) throw new ArgumentException($"Points have dimension {points.GetLength(1)}, the problem has {problem.Geometry.Dimension}.");
        var result = new double[n];
        var requirements = EvaluationContext.Requirements(expressions);
        var parameters = parameterValues.ToDictionary(p => p.Key, p => (Tensor)p.Value);
        const int chunk = 4096;
        for (int start = 0; start < n; start += chunk)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(chunk, n - start);
            var x = Batch.ToTensor(points, start, count, options);
            var context = new EvaluationContext(engine.Evaluate(network, x, requirements), null, parameters);
            values(context, count).detach().to(ScalarType.Float64).cpu().data<double>().CopyTo(result, start);
        }
        return result;
    }

    private EvaluationContext Context(IFieldDerivatives all, Rows rows) =>
        new(new RowSlice(all, rows.Start, rows.Count), batch.Normals.narrow(0, rows.Start, rows.Count), parameterValues.ToDictionary(p => p.Key, p => (Tensor)p.Value));

    /// <summary>Network outputs [n, fields] at the given points, in float64.</summary>
    public double[,] Predict(double[,] points)
    {
        int n = points.GetLength(0), d = points.GetLength(1), fields = problem.Fields.Count;
        if (d != problem.Geometry.Dimension) throw new ArgumentException($"Points have dimension {d}, the problem has {problem.Geometry.Dimension}.");
        var result = new double[n, fields];
        const int chunk = 65536;
        using var noGrad = no_grad();
        for (int start = 0; start < n; start += chunk)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(chunk, n - start);
            var x = Batch.ToTensor(points, start, count, options);
            var y = network.forward(x).to(ScalarType.Float64).cpu().data<double>().ToArray();
            for (int i = 0; i < count; i++)
                for (int f = 0; f < fields; f++) result[start + i, f] = y[i * fields + f];
        }
        return result;
    }

    private Dictionary<string, Tensor>? pendingOptimizerState;
    private bool resuming;

    public void SaveCheckpoint(string path)
    {
        using var scope = NewDisposeScope();
        var tensors = new Dictionary<string, Tensor>();
        foreach (var (name, p) in network.named_parameters()) tensors[$"network/{name}"] = p;
        // Fixed tensors of the network (for example the frequencies of Fourier features) travel with it.
        foreach (var (name, b) in network.named_buffers()) tensors[$"network/{name}"] = b;
        foreach (var (p, value) in parameterValues) tensors[$"parameter/{p.Name}"] = value;
        foreach (var (name, t) in batch.Save()) tensors[$"points/{name}"] = t;
        if (optimizer is not null)
            foreach (var (name, t) in optimizer.SaveState()) tensors[$"optimizer/{name}"] = t;
        if (lossWeights is not null) tensors["methods/loss_weights"] = tensor(lossWeights);
        if (causal is not null) tensors["methods/causal_epsilon_index"] = tensor(new[] { causal.EpsilonIndex });
        if (causal?.FrozenWeights is { } frozen) tensors["methods/causal_frozen_weights"] = tensor(frozen);
        var header = new CheckpointHeader(Step, PhaseIndex, PhaseStep, optimizer?.Name, seed, [.. LossTermNames], history);
        TensorArchive.Save(path, JsonSerializer.Serialize(header), tensors);
    }

    /// <summary>Restores network, parameters, sampled points, optimizer state, step counters and loss history.</summary>
    public void LoadCheckpoint(string path)
    {
        var (json, tensors) = TensorArchive.Load(path);
        var header = JsonSerializer.Deserialize<CheckpointHeader>(json)
            ?? throw new InvalidDataException($"{path}: the checkpoint header is empty.");
        if (!header.LossTerms.SequenceEqual(LossTermNames))
            throw new InvalidDataException($"{path} was written for a problem with loss terms [{string.Join(", ", header.LossTerms)}], not [{string.Join(", ", LossTermNames)}].");
        using (no_grad())
        {
            foreach (var (name, p) in network.named_parameters())
                p.copy_(tensors.TryGetValue($"network/{name}", out var saved) ? saved : throw new InvalidDataException($"{path} lacks network parameter '{name}': was it written for another architecture?"));
            foreach (var (name, b) in network.named_buffers())
                if (tensors.TryGetValue($"network/{name}", out var saved)) b.copy_(saved);
            foreach (var (p, value) in parameterValues) value.copy_(tensors[$"parameter/{p.Name}"]);
        }
        batch.Dispose();
        batch = Batch.Load(problem, tensors.Where(t => t.Key.StartsWith("points/")).ToDictionary(t => t.Key["points/".Length..], t => t.Value), options);
        (Step, PhaseIndex, PhaseStep) = (header.Step, header.PhaseIndex, header.PhaseStep);
        seed = header.Seed;
        lossWeights = tensors.TryGetValue("methods/loss_weights", out var weights) ? weights.data<double>().ToArray() : null;
        if (causal is not null)
        {
            causal.EpsilonIndex = tensors.TryGetValue("methods/causal_epsilon_index", out var index)
                ? Math.Min(index.data<int>()[0], causal.Settings.Schedule.Count - 1) : 0;
            if (tensors.TryGetValue("methods/causal_frozen_weights", out var frozen)) causal.Freeze(frozen.data<double>().ToArray());
            else causal.Thaw();
        }
        history.Clear();
        history.AddRange(header.History);
        optimizer?.Dispose();
        optimizer = null;
        var optimizerState = tensors.Where(t => t.Key.StartsWith("optimizer/")).ToDictionary(t => t.Key["optimizer/".Length..], t => t.Value);
        pendingOptimizerState = header.Optimizer is null ? null : optimizerState;
        resuming = true;
    }

    private sealed record CheckpointHeader(int Step, int PhaseIndex, int PhaseStep, string? Optimizer, int Seed, string[] LossTerms, List<LossRecord> History);

    public void Dispose()
    {
        optimizer?.Dispose();
        batch.Dispose();
        foreach (var p in parameterValues.Values) p.Dispose();
    }
}
