using System.Diagnostics;
using System.Text.Json;
using Physis.Data;
using Physis.Infrastructure;
using Physis.Training.Optimizers;
using static TorchSharp.torch;
using Parameter = TorchSharp.Modules.Parameter;

namespace Physis.Training.Operators;

/// <summary>How a DeepONet sees the data: every function at every grid point, or each function at its own random points.</summary>
public enum DeepOnetLayout { Cartesian, Triple }

public sealed record OperatorTrainingSettings
{
    public int Epochs { get; init; } = 500;
    public int BatchSize { get; init; } = 20;
    /// <summary>
    /// Adam's learning rate per epoch: the rate is held through each epoch's batches (default: 1e-3, halved every 50
    /// epochs). A <see cref="LearningRateSchedule.Cosine"/> schedule over the whole run has <see cref="Epochs"/> as its period.
    /// </summary>
    public LearningRateSchedule Schedule { get; init; } = new LearningRateSchedule.Step(1e-3, StepEvery: 50, StepFactor: 0.5);
    /// <summary>L2 penalty added to the gradient (PyTorch Adam's weight_decay).</summary>
    public double WeightDecay { get; init; } = 1e-4;
    public OperatorLoss Loss { get; init; } = OperatorLoss.RelativeL2;
    public DeepOnetLayout Layout { get; init; } = DeepOnetLayout.Cartesian;
    /// <summary>Triple layout: random grid points per function and epoch.</summary>
    public int PointsPerFunction { get; init; } = 10;
    /// <summary>Weight of the data loss; with a physics-informed loss, 0 trains from the equation alone.</summary>
    public double DataWeight { get; init; } = 1;
    public int Seed { get; init; }

    public void Validate()
    {
        if (Epochs < 0) throw new ArgumentException($"Epochs cannot be negative; got {Epochs}.");
        if (BatchSize <= 0) throw new ArgumentException($"BatchSize must be positive; got {BatchSize}.");
        if (Schedule is null) throw new ArgumentException("Schedule is missing: give a learning-rate schedule.");
        Schedule.Validate();
        if (!(WeightDecay >= 0) || !double.IsFinite(WeightDecay)) throw new ArgumentException($"WeightDecay cannot be negative; got {WeightDecay}.");
        if (PointsPerFunction <= 0) throw new ArgumentException($"PointsPerFunction must be positive; got {PointsPerFunction}.");
        if (!(DataWeight >= 0) || !double.IsFinite(DataWeight)) throw new ArgumentException($"DataWeight cannot be negative; got {DataWeight}.");
    }
}

/// <summary>One epoch's figures: mean training loss over its batches, test errors after it, and its training time.</summary>
public sealed record EpochRecord(int Epoch, double TrainLoss, double TestRelativeL2, double TestMeanSquare, double LearningRate, double Seconds);

public interface IOperatorTrainingCallback
{
    void OnBatch(int epoch, int batch, int batches, double loss);
    void OnEpoch(EpochRecord record, int epochs);
}

/// <summary>
/// Mini-batch training of an <see cref="OperatorModel"/> with Adam (weight decay as an L2 gradient term, learning rate
/// decayed per epoch). Every epoch shuffles with a generator seeded by (seed, epoch), so a run resumed from a checkpoint
/// continues exactly as an uninterrupted one; every step runs in a dispose scope.
/// </summary>
public sealed class OperatorTrainer : IDisposable
{
    private readonly OperatorModel model;
    private readonly OperatorTrainingSettings settings;
    private readonly Tensor trainInputs, trainTargets, queryPoints;
    private readonly Tensor? testInputs, testTargets;
    private readonly List<Parameter> parameters;
    private readonly Adam optimizer;
    private readonly List<EpochRecord> history = new();
    private readonly int spatialDimensions;
    private readonly PhysicsInformedOperatorLoss? physics;
    private readonly IReadOnlyList<double[]> coordinates;

    /// <param name="physics">Adds a PDE residual loss (physics-informed DeepONet) to the data loss.</param>
    public OperatorTrainer(OperatorModel model, OperatorDataset train, OperatorDataset? test, OperatorTrainingSettings settings,
        PhysicsInformedOperatorLoss? physics = null)
    {
        settings.Validate();
        TensorEngine.ConfigureDefault();
        if (physics is null && settings.DataWeight == 0)
            throw new ArgumentException("DataWeight 0 needs a physics-informed loss, or nothing is trained.");
        this.model = model;
        this.settings = settings;
        this.physics = physics;
        coordinates = train.Coordinates;
        model.CheckGrid(train.Grid);
        if (test is not null && !test.Grid.SequenceEqual(train.Grid))
            throw new ArgumentException($"Train and test grids differ: [{string.Join(", ", train.Grid)}] and [{string.Join(", ", test.Grid)}].");
        spatialDimensions = train.Dimension;
        (trainInputs, trainTargets) = (ToTensor(train.Inputs, train), ToTensor(train.Targets, train));
        if (test is not null) (testInputs, testTargets) = (ToTensor(test.Inputs, test), ToTensor(test.Targets, test));
        queryPoints = OperatorModel.QueryPoints(train.Coordinates);
        parameters = [.. model.Network.parameters()];
        BatchesPerEpoch = (train.Count + settings.BatchSize - 1) / settings.BatchSize;
        // The schedule counts epochs: every batch of an epoch takes the epoch's rate.
        optimizer = new Adam(parameters, settings.Schedule, iterationsPerEpoch: BatchesPerEpoch);
    }

    public int BatchesPerEpoch { get; }
    /// <summary>Epochs completed.</summary>
    public int Epoch { get; private set; }
    public IReadOnlyList<EpochRecord> History => history;
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
        long samples = trainInputs.shape[0];
        while (Epoch < settings.Epochs)
        {
            var clock = Stopwatch.StartNew();
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
                if (!double.IsFinite(loss))
                    throw new InvalidOperationException($"The training loss became {loss} in epoch {Epoch + 1}, batch {b + 1}: "
                        + "lower the learning rate or check the data scale.");
                lossSum += loss;
                callback?.OnBatch(Epoch + 1, b + 1, BatchesPerEpoch, loss);
            }
            double seconds = clock.Elapsed.TotalSeconds;
            var (relative, meanSquare) = testInputs is null ? (double.NaN, double.NaN) : Evaluate(testInputs, testTargets!);
            var record = new EpochRecord(Epoch + 1, lossSum / BatchesPerEpoch, relative, meanSquare, settings.Schedule.RateAt(Epoch), seconds);
            history.Add(record);
            Epoch++;
            callback?.OnEpoch(record, settings.Epochs);
            if (CheckpointPath is not null && (Epoch % CheckpointEvery == 0 || Epoch == settings.Epochs)) SaveCheckpoint(CheckpointPath);
        }
    }

    /// <summary>Loss on one batch with its gradient (plus the weight-decay term) left in the parameters.</summary>
    private double Step(Tensor rows, Generator generator)
    {
        var inputs = trainInputs.index_select(0, rows);
        var targets = trainTargets.index_select(0, rows);
        Tensor loss;
        if (model.DeepOnet is not null && settings.Layout == DeepOnetLayout.Triple)
        {
            // Each function at its own random grid points: triples (u, y, G(u)(y)).
            long batch = rows.shape[0], points = queryPoints.shape[0], k = settings.PointsPerFunction;
            var picks = randint(points, [batch, k], generator: generator);
            var flatTargets = targets.reshape(batch, -1).gather(1, picks);
            var functions = inputs.reshape(batch, 1, -1).expand(batch, k, -1).reshape(batch * k, -1);
            var prediction = model.ForwardPointwise(functions, queryPoints.index_select(0, picks.reshape(-1))).reshape(batch, k);
            loss = OperatorLosses.Evaluate(settings.Loss == OperatorLoss.RelativeH1 ? OperatorLoss.RelativeL2 : settings.Loss, prediction,
                flatTargets, 0);
        }
        else if (settings.DataWeight > 0)
        {
            var prediction = model.Forward(inputs, queryPoints);
            loss = OperatorLosses.Evaluate(settings.Loss, prediction, targets, spatialDimensions);
        }
        else loss = zeros(1).squeeze();
        if (physics is not null)
            loss = loss * settings.DataWeight + physics.Evaluate(model, inputs.reshape(inputs.shape[0], -1), queryPoints, coordinates);
        loss.backward();
        if (settings.WeightDecay > 0)
            using (no_grad())
                foreach (var p in parameters) p.grad?.add_(p, alpha: settings.WeightDecay);
        return loss.item<float>();
    }

    /// <summary>
    /// Mean relative L2 error per sample and mean square error over a dataset, without gradients, in chunks of the
    /// training batch: every intermediate of a chunk's forward pass lives until its dispose scope ends, so larger chunks
    /// would raise the peak memory above what training needs.
    /// </summary>
    public (double RelativeL2, double MeanSquare) Evaluate(Tensor inputs, Tensor targets)
    {
        model.Network.eval();
        try
        {
            using var noGrad = no_grad();
            long n = inputs.shape[0], chunk = settings.BatchSize;
            double relative = 0, squares = 0;
            for (long start = 0; start < n; start += chunk)
            {
                using var scope = NewDisposeScope();
                long count = Math.Min(chunk, n - start);
                var truth = targets.narrow(0, start, count);
                var prediction = model.Forward(inputs.narrow(0, start, count), queryPoints);
                relative += OperatorLosses.RelativeLp(prediction, truth).item<float>() * count;
                squares += (prediction - truth).square().sum().item<float>();
            }
            return (relative / n, squares / inputs.numel());
        }
        finally { model.Network.train(); }
    }

    public (double RelativeL2, double MeanSquare) EvaluateTrain() => Evaluate(trainInputs, trainTargets);

    /// <summary>Predictions [N, n...] for a dataset on the training grid, in float64, <paramref name="chunk"/> samples at a time.</summary>
    public static double[] Predict(OperatorModel model, OperatorDataset data, int chunk = 20)
    {
        if (chunk <= 0) throw new ArgumentException($"The prediction batch must be positive; got {chunk}.");
        model.CheckGrid(data.Grid);
        model.Network.eval();
        using var noGrad = no_grad();
        using var query = OperatorModel.QueryPoints(data.Coordinates);
        using var inputs = ToTensor(data.Inputs, data);
        var result = new double[data.Inputs.Length];
        int points = data.PointsPerSample;
        for (int start = 0; start < data.Count; start += chunk)
        {
            using var scope = NewDisposeScope();
            int count = Math.Min(chunk, data.Count - start);
            var values = model.Forward(inputs.narrow(0, start, count), query).to(ScalarType.Float64).contiguous().data<double>();
            values.CopyTo(result, start * points);
        }
        return result;
    }

    internal static Tensor ToTensor(double[] values, OperatorDataset data) =>
        tensor(Array.ConvertAll(values, v => (float)v), [data.Count, .. data.Grid.Select(n => (long)n)]);

    public void SaveCheckpoint(string path)
    {
        using var scope = NewDisposeScope();
        var tensors = model.NamedParameters().ToDictionary(p => $"network/{p.Name}", p => p.Value);
        foreach (var (name, t) in optimizer.SaveState()) tensors[$"optimizer/{name}"] = t;
        TensorArchive.Save(path, JsonSerializer.Serialize(new Checkpoint(Epoch, history), OperatorModel.Json), tensors);
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
            Epoch = checkpoint.Epoch;
            history.Clear();
            history.AddRange(checkpoint.History);
        }
        finally
        {
            foreach (var t in tensors.Values) t.Dispose();
        }
    }

    private sealed record Checkpoint(int Epoch, List<EpochRecord> History);

    public void Dispose()
    {
        optimizer.Dispose();
        foreach (var t in new[] { trainInputs, trainTargets, queryPoints, testInputs, testTargets }) t?.Dispose();
    }
}
