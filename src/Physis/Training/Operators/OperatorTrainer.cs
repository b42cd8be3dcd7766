using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Physis.Data;
using Physis.Differentiation;
using Physis.Infrastructure;
using Physis.Infrastructure.Distributed;
using Physis.Training.Optimizers;
using TorchSharp;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace Physis.Training.Operators;

/// <summary>How a DeepONet sees the data: every function at every grid point, or each function at its own random points.</summary>
public enum DeepOnetLayout { Cartesian, Triple }

/// <summary>The optimizer of operator training; both take <see cref="OperatorTrainingSettings.WeightDecay"/>, in their own way.</summary>
public enum OperatorOptimizer
{
    /// <summary>Adam with the weight decay as an L2 term added to the gradient (PyTorch's Adam weight_decay).</summary>
    Adam,
    /// <summary>AdamW: the weight decay shrinks the parameters apart from the gradient (PyTorch's AdamW weight_decay).</summary>
    AdamW,
}

public sealed record OperatorTrainingSettings
{
    /// <summary>
    /// A batch loss above this multiple of the lowest loss so far (the epoch means before, the batch losses of the epoch)
    /// counts as a divergence.
    /// </summary>
    public const double ExplodingFactor = 1e3;

    public int Epochs { get; init; } = 500;
    public int BatchSize { get; init; } = 20;
    /// <summary>
    /// The learning rate per epoch: the rate is held through each epoch's batches (default: 1e-3, halved every 50
    /// epochs). A <see cref="LearningRateSchedule.Cosine"/> schedule has its own period, which need not be <see cref="Epochs"/>.
    /// </summary>
    public LearningRateSchedule Schedule { get; init; } = new LearningRateSchedule.Step(1e-3, StepEvery: 50, StepFactor: 0.5);
    public OperatorOptimizer Optimizer { get; init; } = OperatorOptimizer.Adam;
    /// <summary>Adam: L2 penalty added to the gradient; AdamW: decoupled decay of the parameters.</summary>
    public double WeightDecay { get; init; } = 1e-4;
    public OperatorLoss Loss { get; init; } = OperatorLoss.RelativeL2;
    /// <summary>The differences of the H1 loss and of the test H1 error.</summary>
    public H1Differences H1 { get; init; } = H1Differences.OneSided;
    /// <summary>Take the data loss between normalised prediction and normalised target instead of in physical units.</summary>
    public bool NormalisedLoss { get; init; }
    public DeepOnetLayout Layout { get; init; } = DeepOnetLayout.Cartesian;
    /// <summary>Triple layout: random grid points per function and epoch.</summary>
    public int PointsPerFunction { get; init; } = 10;
    /// <summary>Weight of the data loss; with a physics-informed loss, 0 trains from the equation alone.</summary>
    public double DataWeight { get; init; } = 1;
    /// <summary>
    /// Divergences (a non-finite batch loss, or one above <see cref="ExplodingFactor"/> times the lowest loss so far)
    /// that a run survives: each rolls back to the start of the epoch and halves the learning rate.
    /// </summary>
    public int MaxRecoveries { get; init; } = 3;
    public int Seed { get; init; }

    public void Validate()
    {
        if (Epochs < 0) throw new ArgumentException($"Epochs cannot be negative; got {Epochs}.");
        if (BatchSize <= 0) throw new ArgumentException($"BatchSize must be positive; got {BatchSize}.");
        if (Schedule is null) throw new ArgumentException("Schedule is missing: give a learning-rate schedule.");
        Schedule.Validate();
        if (!Enum.IsDefined(Optimizer)) throw new ArgumentException($"Unknown Optimizer {Optimizer}.");
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay)) throw new ArgumentException($"WeightDecay cannot be negative; got {WeightDecay}.");
        if (!Enum.IsDefined(H1)) throw new ArgumentException($"Unknown H1 differences {H1}.");
        if (PointsPerFunction <= 0) throw new ArgumentException($"PointsPerFunction must be positive; got {PointsPerFunction}.");
        if (!(DataWeight >= 0) || !double.IsFinite(DataWeight)) throw new ArgumentException($"DataWeight cannot be negative; got {DataWeight}.");
        if (MaxRecoveries < 0) throw new ArgumentException($"MaxRecoveries cannot be negative; got {MaxRecoveries}.");
    }
}

/// <summary>Errors of the model on one test set after an epoch, in physical units: mean relative L2 and H1 per sample, and the MSE.</summary>
public sealed record TestErrors(string Name, double RelativeL2, double RelativeH1, double MeanSquare);

/// <summary>
/// One epoch's figures: mean training loss over its batches, errors on the held-out split after it (and on each further
/// test set), the learning rate it ran at, its training time, and how many divergences were rolled back in it.
/// </summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double TestRelativeL2, double TestMeanSquare, double LearningRate, double Seconds,
    double TestRelativeH1 = double.NaN, IReadOnlyList<TestErrors>? OtherTests = null, int Recoveries = 0);

/// <summary>A divergence rolled back: where it happened, the loss, and the learning-rate factor the epoch is retried with.</summary>
public sealed record RecoveryRecord(int Epoch, int Batch, double Loss, string Reason, double RateScale);

/// <summary>A test set evaluated after every epoch, named in the history (the file it came from).</summary>
public sealed record NamedDataset(string Name, OperatorDataset Data);

public interface IOperatorTrainingCallback
{
    void OnBatch(int epoch, int batch, int batches, double loss);
    void OnEpoch(EpochRecord record, int epochs);
    void OnRecovery(RecoveryRecord recovery) { }
}

/// <summary>
/// Mini-batch training of an <see cref="OperatorModel"/> with Adam or AdamW (learning rate decayed per epoch). Every
/// epoch shuffles with a generator seeded by (seed, epoch), so a run resumed from a checkpoint continues exactly as an
/// uninterrupted one; every step runs in a dispose scope. A divergence rolls the model and optimizer back to the start
/// of the epoch and retries it at half the learning rate, at most <see cref="OperatorTrainingSettings.MaxRecoveries"/> times.
/// Data-parallel over the ranks of a <see cref="Communicator"/>, each rank holds its share of every data set; the batches
/// are the single-process ones, each rank takes the loss of the batch's samples it holds (their share of the batch mean),
/// and the gradients and losses are summed over the ranks in rank order before every step, so all ranks take the same
/// steps and agree with a single process to round-off.
/// </summary>
public sealed class OperatorTrainer : IDisposable
{
    private readonly OperatorModel model;
    private readonly OperatorTrainingSettings settings;
    private readonly DataTensors trainSet;
    private readonly DataTensors? test;
    private readonly List<DataTensors> otherTests = new();
    private readonly List<Parameter> parameters;
    private readonly Adam optimizer;
    private readonly List<EpochRecord> history = new();
    private readonly List<RecoveryRecord> recoveries = new();
    private readonly int spatialDimensions;
    private readonly PhysicsInformedOperatorLoss? physics;
    private readonly IReadOnlyList<double[]> coordinates;
    private readonly Communicator communicator;
    private readonly RankSums rankSums;

    /// <param name="physics">Adds a PDE residual loss (physics-informed DeepONet) to the data loss.</param>
    /// <param name="otherTests">Further test sets, possibly on other grids, evaluated after every epoch.</param>
    /// <param name="communicator">
    /// The ranks of a data-parallel run (default: one process); each data set given is then this rank's
    /// <see cref="Communicator.Share"/> of the whole set, and every rank must construct its trainer alike.
    /// </param>
    public OperatorTrainer(OperatorModel model, OperatorDataset train, OperatorDataset? test, OperatorTrainingSettings settings,
        PhysicsInformedOperatorLoss? physics = null, IReadOnlyList<NamedDataset>? otherTests = null, Communicator? communicator = null)
    {
        settings.Validate();
        TensorEngine.ConfigureDefault();
        if (physics is null && settings.DataWeight == 0)
            throw new ArgumentException("DataWeight 0 needs a physics-informed loss, or nothing is trained.");
        this.model = model;
        this.settings = settings;
        this.physics = physics;
        this.communicator = communicator ?? Communicator.SingleProcess;
        rankSums = new RankSums(this.communicator);
        coordinates = train.Coordinates;
        model.CheckGrid(train.Grid);
        if (test is not null && !test.Grid.SequenceEqual(train.Grid))
            throw new ArgumentException($"Train and test grids differ: [{string.Join(", ", train.Grid)}] and [{string.Join(", ", test.Grid)}].");
        if (settings.Loss != OperatorLoss.MeanSquare && settings.DataWeight > 0) train.RequireNonZeroTargets("training");
        test?.RequireNonZeroTargets("test");
        foreach (var other in otherTests ?? [])
        {
            model.CheckGrid(other.Data.Grid);
            other.Data.RequireNonZeroTargets(other.Name);
        }
        spatialDimensions = train.Dimension;
        // Each set's size over all ranks, and where this rank's share starts.
        double[] counts = [train.Count, test?.Count ?? 0, .. (otherTests ?? []).Select(o => (double)o.Data.Count)];
        this.communicator.SumInRankOrder(counts);
        trainSet = new DataTensors("train", train, model, Whole(train, counts[0], "training"));
        if (test is not null) this.test = new DataTensors("test", test, model, Whole(test, counts[1], "test"));
        foreach (var (other, total) in (otherTests ?? []).Zip(counts.Skip(2)))
            this.otherTests.Add(new DataTensors(other.Name, other.Data, model, Whole(other.Data, total, other.Name)));
        parameters = [.. model.Network.parameters()];
        BatchesPerEpoch = (int)((trainSet.Total + settings.BatchSize - 1) / settings.BatchSize);
        // The schedule counts epochs: every batch of an epoch takes the epoch's rate.
        optimizer = new Adam(parameters, settings.Schedule, iterationsPerEpoch: BatchesPerEpoch,
            decoupledWeightDecay: settings.Optimizer == OperatorOptimizer.AdamW ? settings.WeightDecay : 0);
    }

    /// <summary>The samples of a whole set of which <paramref name="share"/> is this rank's share, and where the share starts.</summary>
    private (long Start, long Total) Whole(OperatorDataset share, double total, string name)
    {
        var (start, count) = communicator.Share((long)total);
        if (count != share.Count)
            throw new ArgumentException($"Rank {communicator.Rank} of {communicator.Size} holds {share.Count} {name} samples, not its share "
                + $"{count} of the {total} in all ranks.");
        return (start, (long)total);
    }

    public int BatchesPerEpoch { get; }
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; private set; }
    public IReadOnlyList<EpochRecord> History => history;
    public IReadOnlyList<RecoveryRecord> Recoveries => recoveries;
    public string? CheckpointPath { get; private set; }
    public int CheckpointEvery { get; private set; }

    public void EnableCheckpoints(string path, int everyEpochs)
    {
        if (everyEpochs <= 0) throw new ArgumentException($"The checkpoint interval must be positive; got {everyEpochs}.");
        (CheckpointPath, CheckpointEvery) = (path, everyEpochs);
    }

    /// <summary>Trains until <see cref="OperatorTrainingSettings.Epochs"/> epochs are complete (continuing after a loaded checkpoint).</summary>
    public void Train(IOperatorTrainingCallback? callback = null)
    {
        model.Network.train();
        while (Epoch < settings.Epochs)
        {
            var clock = Stopwatch.StartNew();
            int recoveriesBefore = recoveries.Count;
            var start = Snapshot();
            double? lossSum;
            try
            {
                while ((lossSum = RunEpoch(callback)) is null) Restore(start);
            }
            finally
            {
                foreach (var t in start.Values) t.Dispose();
            }
            double seconds = clock.Elapsed.TotalSeconds;
            var errors = test is null ? new TestErrors("test", double.NaN, double.NaN, double.NaN) : Evaluate(test);
            var record = new EpochRecord(Epoch + 1, lossSum.Value / BatchesPerEpoch, errors.RelativeL2, errors.MeanSquare,
                optimizer.StepScale * settings.Schedule.RateAt(Epoch), seconds, errors.RelativeH1,
                otherTests.Count == 0 ? null : [.. otherTests.Select(Evaluate)], recoveries.Count - recoveriesBefore);
            history.Add(record);
            Epoch++;
            callback?.OnEpoch(record, settings.Epochs);
            // Every rank holds the same state: rank 0 writes it.
            if (CheckpointPath is not null && communicator.IsRoot && (Epoch % CheckpointEvery == 0 || Epoch == settings.Epochs))
                SaveCheckpoint(CheckpointPath);
        }
    }

    /// <summary>
    /// One pass over the training data; the sum of its batch losses, or null after a divergence, which halves the
    /// learning rate (the caller rolls back). Throws once <see cref="OperatorTrainingSettings.MaxRecoveries"/> are used.
    /// </summary>
    private double? RunEpoch(IOperatorTrainingCallback? callback)
    {
        long samples = trainSet.Total;
        double best = history.Count == 0 ? double.PositiveInfinity : history.Min(r => r.TrainLoss);
        using var generator = new Generator((ulong)(settings.Seed * 1_000_003L + Epoch));
        using var order = randperm(samples, generator: generator);
        double lossSum = 0;
        for (int b = 0; b < BatchesPerEpoch; b++)
        {
            double loss;
            using (var scope = NewDisposeScope())
            {
                var rows = order.narrow(0, b * settings.BatchSize, Math.Min(settings.BatchSize, samples - b * settings.BatchSize));
                loss = optimizer.Step(new LossObjective(() => Step(rows, generator))) ? optimizer.LastLoss : double.NaN;
            }
            string? reason = !double.IsFinite(loss) ? "not finite"
                : loss > OperatorTrainingSettings.ExplodingFactor * best
                    ? string.Create(CultureInfo.InvariantCulture, $"above {OperatorTrainingSettings.ExplodingFactor:G} x the lowest loss {best:G4}")
                    : null;
            if (reason is not null)
            {
                string where = string.Create(CultureInfo.InvariantCulture,
                    $"The training loss became {loss:G4} ({reason}) in epoch {Epoch + 1}, batch {b + 1}");
                if (recoveries.Count >= settings.MaxRecoveries)
                    throw new TrainingDivergedException($"{where}, after {recoveries.Count} rollbacks with the learning rate halved each time: "
                        + "lower the learning rate or check the data scale.");
                optimizer.StepScale /= 2;
                var recovery = new RecoveryRecord(Epoch + 1, b + 1, loss, reason, optimizer.StepScale);
                recoveries.Add(recovery);
                callback?.OnRecovery(recovery);
                return null;
            }
            lossSum += loss;
            best = Math.Min(best, loss);
            callback?.OnBatch(Epoch + 1, b + 1, BatchesPerEpoch, loss);
        }
        return lossSum;
    }

    /// <summary>Parameters and optimizer state (copies), to roll back to.</summary>
    private Dictionary<string, Tensor> Snapshot()
    {
        using var noGrad = no_grad();
        var state = model.NamedParameters().ToDictionary(p => $"network/{p.Name}", p => p.Value.detach().clone());
        foreach (var (name, t) in optimizer.SaveState()) state[$"optimizer/{name}"] = t;
        return state;
    }

    /// <summary>Back to a <see cref="Snapshot"/>, keeping the optimizer's lowered rate.</summary>
    private void Restore(Dictionary<string, Tensor> state)
    {
        model.LoadParameters(state, "the epoch's start");
        double lowered = optimizer.StepScale;  // the optimizer's state holds its scale too: keep the lowered one
        optimizer.LoadState(state.Where(t => t.Key.StartsWith("optimizer/")).ToDictionary(t => t.Key["optimizer/".Length..], t => t.Value));
        optimizer.StepScale = lowered;
    }

    /// <summary>
    /// Loss on one batch (summed over the ranks) with its gradient (summed over the ranks, plus the L2 weight-decay term of
    /// Adam) left in the parameters.
    /// </summary>
    private double Step(Tensor rows, Generator generator)
    {
        var loss = BatchLoss(rows, generator);
        if (loss.requires_grad) loss.backward();
        rankSums.SumGradients(parameters);
        if (settings.Optimizer == OperatorOptimizer.Adam && settings.WeightDecay > 0)
            using (no_grad())
                foreach (var p in parameters) p.grad?.add_(p, alpha: settings.WeightDecay);
        return rankSums.SumDetached(loss).ToDouble();
    }

    /// <summary>
    /// The loss on the samples of this rank among the training samples <paramref name="rows"/> (of the whole set), with
    /// its graph: their share of the batch mean, so the sum over the ranks is the loss of the whole batch; the triple
    /// layout draws its points for the whole batch from <paramref name="generator"/>.
    /// </summary>
    internal Tensor BatchLoss(Tensor rows, Generator generator)
    {
        // The generator and the epoch's order live on the CPU, so that the draws do not depend on the device. Indexing
        // rather than index_select, which has no kernel on libtorch's meta device (the device-independence tests).
        long batch = rows.shape[0];
        var mine = (rows >= trainSet.Start).logical_and(rows < trainSet.Start + trainSet.Count);
        var picks = model.DeepOnet is not null && settings.Layout == DeepOnetLayout.Triple
            ? randint(trainSet.QueryPoints.shape[0], [batch, settings.PointsPerFunction], generator: generator)[mine].to(model.Device)
            : null;
        rows = (rows[mine] - trainSet.Start).to(model.Device);
        long held = rows.shape[0];
        if (held == 0) return zeros(1, trainSet.Inputs.dtype, model.Device).squeeze();
        var inputs = trainSet.Inputs[rows];
        var targets = trainSet.Targets[rows];
        var queryPoints = trainSet.QueryPoints;
        Tensor loss;
        if (picks is not null)
        {
            // Each function at its own random grid points: triples (u, y, G(u)(y)).
            long k = settings.PointsPerFunction;
            var flatTargets = targets.reshape(held, -1).gather(1, picks);
            var functions = inputs.reshape(held, 1, -1).expand(held, k, -1).reshape(held * k, -1);
            var prediction = model.ForwardPointwise(functions, queryPoints[picks.reshape(-1)]).reshape(held, k);
            loss = DataLoss(settings.Loss == OperatorLoss.RelativeH1 ? OperatorLoss.RelativeL2 : settings.Loss, prediction, flatTargets, 0);
        }
        else if (settings.DataWeight > 0)
            loss = DataLoss(settings.Loss, model.Forward(inputs, queryPoints, trainSet.Axes), targets, spatialDimensions);
        else loss = zeros(1, device: model.Device).squeeze();
        if (physics is not null)
            loss = loss * settings.DataWeight + physics.Evaluate(model, inputs.reshape(inputs.shape[0], -1), queryPoints, coordinates);
        // Every loss is a mean over the batch's samples: this rank's part of it.
        return held == batch ? loss : loss * (held / (double)batch);
    }

    private Tensor DataLoss(OperatorLoss loss, Tensor prediction, Tensor targets, int dimensions)
    {
        var output = model.Spec.OutputNormaliser;
        return settings.NormalisedLoss
            ? OperatorLosses.Evaluate(loss, output.Encode(prediction), output.Encode(targets), dimensions, settings.H1)
            : OperatorLosses.Evaluate(loss, prediction, targets, dimensions, settings.H1);
    }

    /// <summary>
    /// Relative L2 and H1 errors per sample (their means) and the mean square error over a test set, without gradients,
    /// in chunks of the training batch: every intermediate of a chunk's forward pass lives until its dispose scope ends,
    /// so larger chunks would raise the peak memory above what training needs.
    /// </summary>
    private TestErrors Evaluate(DataTensors set)
    {
        model.Network.eval();
        try
        {
            using var noGrad = no_grad();
            long n = set.Count, chunk = settings.BatchSize;
            // Relative L2 and H1 summed over this rank's samples, and their squared errors; then over the ranks.
            double[] sums = new double[3];
            for (long start = 0; start < n; start += chunk)
            {
                using var scope = NewDisposeScope();
                long count = Math.Min(chunk, n - start);
                var truth = set.Targets.narrow(0, start, count);
                var prediction = model.Forward(set.Inputs.narrow(0, start, count), set.QueryPoints, set.Axes);
                sums[0] += OperatorLosses.RelativeLp(prediction, truth).ToDouble() * count;
                sums[1] += OperatorLosses.RelativeH1(prediction, truth, spatialDimensions, settings.H1).ToDouble() * count;
                sums[2] += (prediction - truth).Squared().sum().ToDouble();
            }
            communicator.SumInRankOrder(sums);
            return new TestErrors(set.Name, sums[0] / set.Total, sums[1] / set.Total, sums[2] / (set.Total * (set.Inputs.numel() / n)));
        }
        finally { model.Network.train(); }
    }

    /// <summary>Errors on the held-out split (if any) and on every further test set, in that order.</summary>
    public IReadOnlyList<TestErrors> EvaluateTests() => [.. (test is null ? otherTests : otherTests.Prepend(test)).Select(Evaluate)];

    /// <summary>Mean relative L2 error per sample and mean square error on the training set.</summary>
    public (double RelativeL2, double MeanSquare) EvaluateTrain()
    {
        var errors = Evaluate(trainSet);
        return (errors.RelativeL2, errors.MeanSquare);
    }

    /// <summary>Predictions [N, n...] for a dataset on the training grid, in float64, <paramref name="chunk"/> samples at a time.</summary>
    public static double[] Predict(OperatorModel model, OperatorDataset data, int chunk = 20)
    {
        if (chunk <= 0) throw new ArgumentException($"The prediction batch must be positive; got {chunk}.");
        model.CheckGrid(data.Grid);
        model.Network.eval();
        using var noGrad = no_grad();
        using var set = new DataTensors("predict", data, model, (0, data.Count));
        var result = new double[data.Inputs.Length];
        int points = data.PointsPerSample;
        for (int start = 0; start < data.Count; start += chunk)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(chunk, data.Count - start);
            var values = model.Forward(set.Inputs.narrow(0, start, count), set.QueryPoints, set.Axes).to(ScalarType.Float64).cpu().contiguous();
            values.data<double>().CopyTo(result, start * points);
        }
        return result;
    }

    /// <summary>The values as a tensor [N, n...] of <paramref name="model"/>'s type on its device.</summary>
    internal static Tensor ToTensor(double[] values, OperatorDataset data, OperatorModel model)
    {
        if (model.Spec.ScalarType == ScalarType.Float64) return tensor(values, [data.Count, .. data.Grid.Select(n => (long)n)], device: model.Device);
        // Squared norms and H1 differences (up to 2 n |v| per axis) of a sample, summed in float32, must not overflow.
        int d = data.Dimension, n = data.Grid.Max();
        double limit = Math.Sqrt(float.MaxValue / (data.PointsPerSample * (1 + 4.0 * d * n * n)));
        double largest = values.Max(Math.Abs);
        if (largest > limit)
            throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                $"The data hold values up to {largest:G3}, beyond the {limit:G3} whose squared norms on a [{string.Join(" x ", data.Grid)}] grid "
                + $"float32 training and evaluation can sum without overflow; divide the data by a constant (relative errors do not change)."));
        return tensor(Array.ConvertAll(values, v => (float)v), [data.Count, .. data.Grid.Select(n => (long)n)], device: model.Device);
    }

    public void SaveCheckpoint(string path)
    {
        using var scope = NewDisposeScope();
        var tensors = model.NamedParameters().ToDictionary(p => $"network/{p.Name}", p => p.Value);
        foreach (var (name, t) in optimizer.SaveState()) tensors[$"optimizer/{name}"] = t;
        var header = new Checkpoint(Epoch, history, recoveries, optimizer.StepScale);
        TensorArchive.Save(path, JsonSerializer.Serialize(header, OperatorModel.Json), tensors);
    }

    /// <summary>Restores parameters, optimizer state, epoch and history; <see cref="Train"/> then continues where the checkpoint left off.</summary>
    public void LoadCheckpoint(string path)
    {
        var (json, tensors) = TensorArchive.Load(path);
        try
        {
            var checkpoint = JsonSerializer.Deserialize<Checkpoint>(json, OperatorModel.Json)
                ?? throw new InvalidDataException($"{path}: the checkpoint header is empty.");
            model.LoadParameters(tensors, path);
            optimizer.LoadState(tensors.Where(t => t.Key.StartsWith("optimizer/")).ToDictionary(t => t.Key["optimizer/".Length..], t => t.Value));
            optimizer.StepScale = checkpoint.RateScale is > 0 and var scale ? scale : 1;
            Epoch = checkpoint.Epoch;
            history.Clear();
            history.AddRange(checkpoint.History);
            recoveries.Clear();
            recoveries.AddRange(checkpoint.Recoveries ?? []);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private sealed record Checkpoint(int Epoch, List<EpochRecord> History, List<RecoveryRecord>? Recoveries, double RateScale);

    /// <summary>
    /// A data set (this rank's share of it: samples [Start, Start + Count) of Total) as tensors of the model's type, with
    /// the query points and axis coordinates of its own grid.
    /// </summary>
    private sealed class DataTensors(string name, OperatorDataset data, OperatorModel model, (long Start, long Total) whole) : IDisposable
    {
        public string Name => name;
        public long Start => whole.Start;
        public long Count => data.Count;
        public long Total => whole.Total;
        public Tensor Inputs { get; } = ToTensor(data.Inputs, data, model);
        public Tensor Targets { get; } = ToTensor(data.Targets, data, model);
        public Tensor QueryPoints { get; } = OperatorModel.QueryPoints(data.Coordinates, model.Device, model.Spec.ScalarType);
        public Tensor[] Axes { get; } = OperatorModel.Axes(data.Coordinates, model.Device, model.Spec.ScalarType);

        public void Dispose()
        {
            foreach (var t in Axes.Append(Inputs).Append(Targets).Append(QueryPoints)) t.Dispose();
        }
    }

    public void Dispose()
    {
        optimizer.Dispose();
        trainSet.Dispose();
        test?.Dispose();
        foreach (var set in otherTests) set.Dispose();
    }
}
