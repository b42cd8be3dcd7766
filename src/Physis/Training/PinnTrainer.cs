using System.Diagnostics;
using System.Text.Json;
using Physis.Differentiation;
using Physis.Geometry;
using Physis.Problems;
using Physis.Training.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Training;

public sealed record TrainerOptions
{
    public int Seed { get; init; }
    public ScalarType DType { get; init; } = ScalarType.Float32;
    public Device? Device { get; init; }
    public IDifferentiationEngine? Engine { get; init; }
}

/// <summary>Loss values at one iteration: the weighted total and each term, in <see cref="PdeProblem.LossTermNames"/> order.</summary>
public sealed record LossRecord(int Step, string Phase, double Total, double[] Terms);

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
    private readonly List<Parameter> trainable;
    private readonly List<LossRecord> history = new();
    private Batch batch;
    private IPinnOptimizer? optimizer;

    public PinnTrainer(PdeProblem problem, nn.Module<Tensor, Tensor> network, Sampling sampling, TrainerOptions? options = null)
    {
        sampling.Validate();
        this.problem = problem;
        this.network = network;
        this.options = options ?? new TrainerOptions();
        engine = this.options.Engine ?? new AutogradEngine();
        Sampling = sampling;
        parameterValues = problem.Parameters.ToDictionary(p => p, p =>
            new Parameter(tensor(p.InitialValue, this.options.DType, this.options.Device)));
        trainable = [.. network.parameters(), .. parameterValues.Values];
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
        if (!resuming) (PhaseIndex, PhaseStep) = (0, 0);
        resuming = false;
        for (; PhaseIndex < schedule.Count; PhaseIndex++, PhaseStep = 0)
        {
            var phase = schedule[PhaseIndex];
            optimizer ??= phase.CreateOptimizer(trainable);
            if (pendingOptimizerState is not null)
            {
                optimizer.LoadState(pendingOptimizerState);
                pendingOptimizerState = null;
            }
            while (PhaseStep < phase.Iterations)
            {
                var evaluated = new List<LossRecord>();
                bool moved;
                using (var scope = NewDisposeScope())
                {
                    moved = optimizer.Step(() =>
                    {
                        var (total, terms) = Loss();
                        total.backward();
                        evaluated.Add(new LossRecord(Step + 1, phase.Name, total.ToDouble(), terms.Select(t => t.ToDouble()).ToArray()));
                        return evaluated[^1].Total;
                    });
                }
                if (!moved) break;
                // A line search evaluates several points; record the terms of the one the optimizer accepted.
                var record = evaluated.LastOrDefault(r => r.Total == optimizer.LastLoss) ?? evaluated[^1];
                Step++;
                PhaseStep++;
                history.Add(record);
                foreach (var callback in callbacks) callback.OnStep(this, record, phase, PhaseStep);
                if (CheckpointPath is not null && Step % CheckpointEvery == 0) SaveCheckpoint(CheckpointPath);
            }
            optimizer.Dispose();
            optimizer = null;
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

    /// <summary>The weighted total loss and each unweighted term, at the sampled points.</summary>
    public (Tensor Total, Tensor[] Terms) Loss()
    {
        var derivatives = engine.Evaluate(network, batch.Points, batch.Requirements);
        var terms = new Tensor[problem.Residuals.Count + problem.Conditions.Count];
        var domain = Context(derivatives, batch.Domain);
        for (int i = 0; i < problem.Residuals.Count; i++)
            terms[i] = domain.Evaluate(problem.Residuals[i]).square().mean();
        for (int c = 0; c < problem.Conditions.Count; c++)
        {
            var op = problem.ConditionOperators[c];
            var segment = batch.Conditions[c];
            var residual = Context(derivatives, segment.Rows).Evaluate(op);
            residual = segment.Paired is { } paired
                ? residual - Context(derivatives, paired).Evaluate(op)
                : residual - segment.Target!;
            terms[problem.Residuals.Count + c] = residual.square().mean();
        }
        Tensor total = terms[0] * 1.0;
        for (int c = 0; c < problem.Conditions.Count; c++)
            total = total + terms[problem.Residuals.Count + c] * problem.Conditions[c].Weight;
        for (int i = 1; i < problem.Residuals.Count; i++) total = total + terms[i];
        return (total, terms);
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
        var header = new CheckpointHeader(Step, PhaseIndex, PhaseStep, optimizer?.Name, options.Seed, [.. LossTermNames], history);
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
