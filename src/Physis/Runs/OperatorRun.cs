using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Physis.Data;
using Physis.Evaluation;
using Physis.Infrastructure;
using Physis.Infrastructure.Distributed;
using Physis.Networks.Operators;
using Physis.Reporting;
using Physis.Training.Operators;
using static TorchSharp.torch;

namespace Physis.Runs;

/// <summary>Everything `physis train-operator` was asked for; stored in the output folder so --resume continues the same run.</summary>
public sealed record OperatorRunSettings
{
    public required string DataPath { get; init; }
    /// <summary>For a MATLAB or PyTorch data file: the arrays of inputs and solutions (null for Physis' HDF5 layout).</summary>
    public DataVariables? Variables { get; init; }
    /// <summary>Training samples: the first ones in the file. Test samples: the last ones.</summary>
    public int? TrainSamples { get; init; }
    public int? TestSamples { get; init; }
    /// <summary>Points per axis after subsampling the data (null: as stored).</summary>
    public int? Resolution { get; init; }
    /// <summary>The operator to train; its kind (fno, tfno, mgno, lsm, deeponet) names the run.</summary>
    public required OperatorArchitecture Architecture { get; init; }
    /// <summary>Physics-informed DeepONet: the name of an <see cref="OperatorPhysics"/> equation added to the loss.</summary>
    public string? Physics { get; init; }
    public required OperatorTrainingSettings Training { get; init; }
    /// <summary>The network's values and the data in training: float32 or float64.</summary>
    public Precision Precision { get; init; } = Precision.Float32;
    /// <summary>
    /// Further test files, each evaluated whole and as stored (any grid the model takes) after every epoch; a resume
    /// checks that they are unchanged, as it does the training data.
    /// </summary>
    public IReadOnlyList<DataFingerprint> TestData { get; init; } = [];
}

/// <param name="Tests">The final errors on the held-out split and on each file of <see cref="OperatorRunSettings.TestData"/>.</param>
/// <param name="Outputs">The files the run wrote into its folder.</param>
public sealed record OperatorRunResult(double TrainRelativeL2, double TestRelativeL2, double TestMeanSquare, long Parameters,
    int Epochs, double WallSeconds, int ResumedFromEpoch, IReadOnlyList<TestErrors> Tests, IReadOnlyList<string> Outputs);

/// <summary>
/// A whole `physis train-operator` run: read and split the data, fit the normalisers on the training part, train with
/// checkpoints, then write model.bin, run.json, history.csv, the error curve and sample plots (all atomically).
/// Data-parallel over the ranks of a <see cref="Communicator"/>, each rank reads and trains on its share of the samples
/// (<see cref="OperatorTrainer"/>) and rank 0 alone writes the run folder.
/// </summary>
public static class OperatorRun
{
    public const string Kind = "operator";
    public const int PlottedSamples = 3;

    /// <summary>What an operator run is: the architecture and the data file (its absolute path, size and SHA-256).</summary>
    public static RunIdentity Identity(OperatorRunSettings settings) =>
        new(Kind, settings.Architecture.Kind, Data: DataFingerprint.Of(settings.DataPath));

    /// <summary>
    /// The settings of the <paramref name="kind"/> run in <paramref name="folder"/>, its data file named by the absolute
    /// path it was started with (so a resume from another folder finds it; <see cref="Execute"/> checks it is unchanged).
    /// </summary>
    public static OperatorRunSettings Stored(string folder, string kind)
    {
        var (identity, settings) = new RunFolder(folder).Read<OperatorRunSettings>();
        if (identity.Kind != Kind || identity.Name != kind)
            throw new ArgumentException($"The run in {folder} is a {identity.Kind} run of {identity.Name}, not a {kind} operator run.");
        return identity.Data is { } data ? settings with { DataPath = data.Path } : settings;
    }

    /// <summary>
    /// Reads the file and splits it into training (first) and test (last) samples at the requested resolution; with a
    /// distributed <paramref name="communicator"/>, this rank's share of each.
    /// </summary>
    public static (OperatorDataset Train, OperatorDataset Test) Split(OperatorRunSettings settings, Communicator? communicator = null) =>
        Split(settings.DataPath, settings.Resolution, settings.TrainSamples, settings.TestSamples, settings.Variables, communicator);

    /// <summary>
    /// Reads <paramref name="dataPath"/> (subsampled to <paramref name="resolution"/> points per axis when given) and
    /// takes the first <paramref name="trainSamples"/> for training and the last <paramref name="testSamples"/> for
    /// testing (defaults: a fifth, at least one, for testing and the rest for training). With a distributed
    /// <paramref name="communicator"/>, only this rank's share (<see cref="Communicator.Share"/>) of each is read.
    /// </summary>
    public static (OperatorDataset Train, OperatorDataset Test) Split(string dataPath, int? resolution, int? trainSamples, int? testSamples,
        DataVariables? variables = null, Communicator? communicator = null)
    {
        communicator ??= Communicator.SingleProcess;
        var parts = OperatorDataset.Read(dataPath, variables, count =>
        {
            if (count < 2)
                throw new ArgumentException($"{dataPath} has {count} sample; training needs at least one training and one test sample.");
            int test = testSamples ?? Math.Max(1, count / 5);
            int train = trainSamples ?? count - test;
            if (train <= 0 || test <= 0 || train + test > count)
                throw new ArgumentException($"{dataPath} has {count} samples; cannot take {train} for training and {test} for testing.");
            var (trainStart, trainCount) = Share(communicator, train, "training");
            var (testStart, testCount) = Share(communicator, test, "test");
            return [(trainStart, trainCount), (count - test + testStart, testCount)];
        });
        return resolution is { } r ? (parts[0].Subsample(r), parts[1].Subsample(r)) : (parts[0], parts[1]);
    }

    /// <summary>This rank's samples of <paramref name="total"/>; every rank needs at least one.</summary>
    private static (int Start, int Count) Share(Communicator communicator, int total, string what)
    {
        if (total < communicator.Size)
            throw new ArgumentException($"{total} {what} samples cannot be shared by {communicator.Size} ranks; each needs at least one.");
        var (start, count) = communicator.Share(total);
        return ((int)start, (int)count);
    }

    /// <summary>
    /// The files of <see cref="OperatorRunSettings.TestData"/>, each named by its absolute path; with a distributed
    /// <paramref name="communicator"/>, this rank's share of each.
    /// </summary>
    public static IReadOnlyList<NamedDataset> ReadTestData(OperatorRunSettings settings, Communicator? communicator = null) =>
        [.. settings.TestData.Select(file => new NamedDataset(file.Path,
            OperatorDataset.Read(file.Path, OperatorDataset.IsExternal(file.Path) ? settings.Variables : null,
                count => [Share(communicator ?? Communicator.SingleProcess, count, file.Path)])[0]))];

    /// <param name="train">
    /// The training data, or this rank's share of it under a distributed <paramref name="communicator"/>: the normalisers
    /// are fitted to all of it.
    /// </param>
    public static OperatorModelSpec Specify(OperatorRunSettings settings, OperatorDataset train, Communicator? communicator = null) => new()
    {
        Architecture = settings.Architecture,
        InputNormaliser = GaussianNormaliser.Fit(train.Inputs, communicator),
        // A shift would move the exact zero boundary values of a Dirichlet MgNO off zero.
        OutputNormaliser = settings.Architecture is MgnoSettings { Boundary: MultigridBoundary.Dirichlet }
            ? GaussianNormaliser.FitScale(train.Targets, communicator) : GaussianNormaliser.Fit(train.Targets, communicator),
        TrainingGrid = train.Grid,
        Seed = settings.Training.Seed,
        CoordinateFeatures = true,
        ScalarType = settings.Precision == Precision.Float64 ? ScalarType.Float64 : ScalarType.Float32,
    };

    /// <param name="train">The training split of <see cref="Split(OperatorRunSettings, Communicator?)"/> for these settings.</param>
    /// <param name="test">The test split.</param>
    /// <param name="otherTests"><see cref="ReadTestData"/> for these settings.</param>
    /// <param name="communicator">
    /// The ranks of a data-parallel run, which all call this with their shares of the data (default: one process); rank 0
    /// writes the folder, and every rank reads the same checkpoint on a resume.
    /// </param>
    public static OperatorRunResult Execute(OperatorRunSettings settings, OperatorDataset train, OperatorDataset test, string folder, bool resume,
        int checkpointEvery, IOperatorTrainingCallback? callback = null, IReadOnlyList<NamedDataset>? otherTests = null,
        Communicator? communicator = null)
    {
        communicator ??= Communicator.SingleProcess;
        settings.Training.Validate();
        settings.Architecture.Validate();
        otherTests ??= [];
        if (otherTests.Count != settings.TestData.Count) throw new ArgumentException("Give the test sets ReadTestData reads for these settings.");
        // Before the folder is touched and the network built: libtorch fails an impossible allocation with a crash.
        MemoryBudget.Require(EstimateMemory(settings, train, test, otherTests), "the network's parameters, optimizer state, activations and data",
            "use a smaller network, a smaller batch or a coarser grid");
        // The model and trainer check the architecture against the grid (modes it cannot resolve) and the targets of every
        // data set before the folder is touched.
        using var model = new OperatorModel(Specify(settings, train, communicator));
        using var trainer = new OperatorTrainer(model, train, test, settings.Training,
            settings.Physics is { } physics ? OperatorPhysics.Create(physics) : null, otherTests, communicator);
        var run = new RunFolder(folder);
        string checkpoint = run.Checkpoint;
        if (resume)
        {
            var stored = run.Resume<OperatorRunSettings>(Identity(settings));
            if (!File.Exists(checkpoint)) throw new ArgumentException($"There is no checkpoint in {folder}; start the run without resuming.");
            // Only the epoch count may change (upwards); the data path is compared through the identity, absolute.
            var same = stored with { DataPath = settings.DataPath, Training = stored.Training with { Epochs = settings.Training.Epochs } };
            if (!RunFolder.Same(same, settings))
                throw new ArgumentException($"A resumed run continues with the settings it was started with ({folder}/{RunFolder.SettingsFile}); "
                    + "only Epochs can change.");
            foreach (var file in stored.TestData)
                if (DataFingerprint.Of(file.Path).DifferenceFrom(file) is { } difference)
                    throw new ArgumentException($"The run in {folder} cannot be resumed: {difference}.");
            if (settings.Training.Epochs < stored.Training.Epochs)
                throw new ArgumentException($"A resumed run can have more Epochs than its {stored.Training.Epochs}, not {settings.Training.Epochs}.");
            // Every rank has checked the folder before rank 0 changes it.
            communicator.Barrier();
            if (settings.Training.Epochs != stored.Training.Epochs && communicator.IsRoot) run.Restore(settings);
        }
        else if (communicator.IsRoot) run.Start(Identity(settings), settings);

        trainer.EnableCheckpoints(checkpoint, checkpointEvery);
        if (resume) trainer.LoadCheckpoint(checkpoint);
        int resumedFrom = trainer.Epoch;
        var clock = Stopwatch.StartNew();
        trainer.Train(callback);
        double wall = clock.Elapsed.TotalSeconds;

        var (trainError, _) = trainer.EvaluateTrain();
        var prediction = OperatorTrainer.Predict(model, test, settings.Training.BatchSize);
        // Relative L2 errors and squared errors summed over the test samples, and the counts of both sets, over all ranks.
        double[] sums = [SumRelativeL2(prediction, test), prediction.Zip(test.Targets, (p, t) => (p - t) * (p - t)).Sum(), test.Count, train.Count];
        communicator.SumInRankOrder(sums);
        var (testCount, trainCount) = ((int)sums[2], (int)sums[3]);
        var (plotted, plottedPrediction) = FirstSamples(test, prediction, testCount, communicator);
        var tests = trainer.EvaluateTests();
        // No checkpoint after 0 epochs.
        List<string> outputs = File.Exists(checkpoint) ? [OperatorModel.FileName, RunFolder.CheckpointFile] : [OperatorModel.FileName];
        if (communicator.IsRoot)
        {
            model.Save(run.File(OperatorModel.FileName));
            outputs.AddRange(WriteHistory(run, trainer.History));
            outputs.AddRange(PlotSamples(folder, plotted, plottedPrediction, "test"));
        }
        outputs.Add(RunFolder.RunFile);
        double testError = sums[0] / testCount, testSquare = sums[1] / ((double)testCount * test.PointsPerSample);
        var result = new OperatorRunResult(trainError, testError, testSquare, model.ParameterCount, trainer.Epoch, wall, resumedFrom, tests, outputs);
        if (communicator.IsRoot) WriteRecord(run, settings, model, train.Grid, trainCount, testCount, trainer, result);
        return result;
    }

    /// <summary>
    /// The first <see cref="PlottedSamples"/> test samples and their predictions, gathered from the ranks that hold them
    /// (<paramref name="test"/> and <paramref name="prediction"/> are this rank's share of <paramref name="total"/>).
    /// </summary>
    private static (OperatorDataset Data, double[] Prediction) FirstSamples(OperatorDataset test, double[] prediction, int total,
        Communicator communicator)
    {
        int wanted = Math.Min(PlottedSamples, total), points = test.PointsPerSample;
        if (!communicator.IsDistributed) return (test, prediction);
        // Each rank sends its samples among the first ones (inputs, targets, predictions), padded to the same length.
        int start = (int)communicator.Share(total).Start, mine = Math.Clamp(wanted - start, 0, test.Count);
        var local = new double[3 * wanted * points];
        foreach (var (values, part) in new[] { test.Inputs, test.Targets, prediction }.Select((v, i) => (v, i)))
            Array.Copy(values, 0, local, part * wanted * points, mine * points);
        var all = communicator.AllGather(local);
        double[][] joined = [new double[wanted * points], new double[wanted * points], new double[wanted * points]];
        for (int rank = 0, next = 0; rank < communicator.Size && next < wanted; rank++)
        {
            long rankStart = total * (long)rank / communicator.Size;
            int held = (int)Math.Clamp(wanted - rankStart, 0, total * (long)(rank + 1) / communicator.Size - rankStart);
            for (int part = 0; part < 3; part++) Array.Copy(all[rank], part * wanted * points, joined[part], next * points, held * points);
            next += held;
        }
        return (new OperatorDataset(joined[0], joined[1], wanted, test.Coordinates), joined[2]);
    }

    /// <summary>
    /// A rough upper bound on the bytes a run needs (in its precision): the data as tensors, and the larger of building the network
    /// (its parameters and the transient draws) and training it (parameters, gradients, Adam's two moments, their
    /// copies while a checkpoint is written and at the start of an epoch, and the activations of a batch; a physics-informed loss keeps derivative
    /// graphs, about 16 times the activations).
    /// </summary>
    public static long EstimateMemory(OperatorRunSettings settings, OperatorDataset train, OperatorDataset test,
        IReadOnlyList<NamedDataset>? otherTests = null)
    {
        var architecture = settings.Architecture;
        double parameters = architecture.EstimateParameters();
        int batch = Math.Max(1, Math.Min(settings.Training.BatchSize, train.Count));
        double activations = settings.Physics is null
            ? architecture.EstimateActivations(train.Grid, batch)
            : 16.0 * batch * architecture.EstimateActivations(train.Grid, 1);
        double data = (double)train.Inputs.Length + train.Targets.Length + test.Inputs.Length + test.Targets.Length
            + (otherTests ?? []).Sum(t => 2.0 * t.Data.Inputs.Length);
        // Parameters, gradients, Adam's moments, their copies at a checkpoint, and the epoch-start copy a divergence rolls back to.
        double values = data + Math.Max(parameters + architecture.EstimateConstruction(), 9 * parameters + activations);
        return MemoryBudget.Saturated((settings.Precision == Precision.Float64 ? sizeof(double) : sizeof(float)) * values);
    }

    /// <summary>Mean over samples of the relative L2 error, in float64.</summary>
    public static double MeanRelativeL2(double[] prediction, OperatorDataset data) => SumRelativeL2(prediction, data) / data.Count;

    private static double SumRelativeL2(double[] prediction, OperatorDataset data)
    {
        int points = data.PointsPerSample;
        double sum = 0;
        for (int s = 0; s < data.Count; s++)
            sum += Metrics.RelativeL2(prediction.AsSpan(s * points, points), data.Targets.AsSpan(s * points, points));
        return sum;
    }

    /// <summary>history.csv and, when there is something to draw, error.png; returns the names of the files written.</summary>
    private static List<string> WriteHistory(RunFolder run, IReadOnlyList<EpochRecord> history)
    {
        var others = history.FirstOrDefault()?.OtherTests ?? [];
        var csv = new StringBuilder("epoch,train_loss,test_relative_l2,test_relative_h1,test_mse,learning_rate,seconds,recoveries");
        foreach (var t in others) csv.Append(CultureInfo.InvariantCulture, $",{ColumnName(t.Name)}_relative_l2,{ColumnName(t.Name)}_relative_h1");
        csv.Append('\n');
        foreach (var r in history)
        {
            csv.Append(CultureInfo.InvariantCulture, $"{r.Epoch},{r.TrainLoss:R},{r.TestRelativeL2:R},{r.TestRelativeH1:R},{r.TestMeanSquare:R},"
                + $"{r.LearningRate:R},{r.Seconds:F3},{r.Recoveries}");
            foreach (var t in r.OtherTests ?? []) csv.Append(CultureInfo.InvariantCulture, $",{t.RelativeL2:R},{t.RelativeH1:R}");
            csv.Append('\n');
        }
        run.WriteText("history.csv", csv.ToString());
        if (history.Count == 0) return ["history.csv"];
        var epochs = history.Select(r => (double)r.Epoch).ToArray();
        var series = new List<(string, double[], double[])>();
        if (history.All(r => r.TrainLoss > 0)) series.Add(("train loss", epochs, history.Select(r => r.TrainLoss).ToArray()));
        if (history.All(r => r.TestRelativeL2 > 0)) series.Add(("test relative L2", epochs, history.Select(r => r.TestRelativeL2).ToArray()));
        if (series.Count == 0) return ["history.csv"];
        Plots.Lines(run.File("error.png"), "Training loss and test error", "epoch", "error", series, logY: true);
        return ["history.csv", "error.png"];
    }

    /// <summary>A test file's name as a CSV column: its file name without extension, other characters than letters and digits as _.</summary>
    private static string ColumnName(string path) =>
        new([.. Path.GetFileNameWithoutExtension(path).Select(c => char.IsAsciiLetterOrDigit(c) ? c : '_')]);

    /// <summary>Prediction, truth and error of the first few samples: curves in 1D, heatmaps in 2D; returns the names of the files written.</summary>
    public static List<string> PlotSamples(string folder, OperatorDataset data, double[] prediction, string prefix)
    {
        List<string> written = [];
        int points = data.PointsPerSample;
        for (int s = 0; s < Math.Min(PlottedSamples, data.Count); s++)
        {
            var predicted = prediction.AsSpan(s * points, points).ToArray();
            var truth = data.Targets.AsSpan(s * points, points).ToArray();
            var error = predicted.Zip(truth, (p, t) => p - t).ToArray();
            double relative = Metrics.RelativeL2(predicted, truth);
            string title = string.Create(CultureInfo.InvariantCulture, $"{prefix} sample {s}: relative L2 {relative:E2}");
            if (data.Dimension == 1)
            {
                var x = data.Coordinates[0];
                Plots.Lines(Path.Combine(folder, $"{prefix}_sample_{s}.png"), title, "x", "u",
                    [("truth", x, truth), ("prediction", x, predicted), ("prediction - truth", x, error)]);
                written.Add($"{prefix}_sample_{s}.png");
            }
            else
            {
                var (x, y) = (data.Coordinates[0], data.Coordinates[1]);
                foreach (var (name, values, signed) in new[] { ("prediction", predicted, false), ("truth", truth, false), ("error", error, true) })
                {
                    Plots.Heatmap(Path.Combine(folder, $"{prefix}_sample_{s}_{name}.png"), x, y, Transposed(values, x.Length, y.Length),
                        $"{title}: {name}", "x", "y", symmetricColorScale: signed);
                    written.Add($"{prefix}_sample_{s}_{name}.png");
                }
            }
        }
        return written;
    }

    /// <summary>
    /// Samples for ParaView: <paramref name="path"/> (.pvd) steps over them, its time the sample's number counted from
    /// <paramref name="firstSample"/>, each a grid with the arrays input, prediction, target and error (prediction - target).
    /// </summary>
    public static void WriteSamplesVtk(string path, OperatorDataset data, double[] prediction, int samples, int firstSample)
    {
        if (samples < 1 || samples > data.Count) throw new ArgumentException($"Samples for ParaView must lie in [1, {data.Count}]; got {samples}.");
        int points = data.PointsPerSample;
        double[] Sample(double[] values, int s) => VtkFiles.FirstAxisFastest(values.AsSpan(s * points, points), data.Grid);
        VtkFiles.WriteGridSeries(path, data.Coordinates, [.. Enumerable.Range(firstSample, samples).Select(s => (double)s)], k =>
        {
            var (predicted, target) = (Sample(prediction, k), Sample(data.Targets, k));
            return [("input", Sample(data.Inputs, k)), ("prediction", predicted), ("target", target),
                ("error", [.. predicted.Zip(target, (p, t) => p - t)])];
        });
    }

    /// <summary>Values stored [x index, y index] as the [y, x] array a heatmap draws.</summary>
    private static double[,] Transposed(double[] values, int nx, int ny)
    {
        var grid = new double[ny, nx];
        for (int i = 0; i < nx; i++)
            for (int j = 0; j < ny; j++) grid[j, i] = values[i * ny + j];
        return grid;
    }

    private static void WriteRecord(RunFolder run, OperatorRunSettings settings, OperatorModel model, int[] grid, int trainSamples, int testSamples,
        OperatorTrainer trainer, OperatorRunResult result)
    {
        var history = trainer.History;
        var spectral = model.Fno?.SpectralLayers.Select(l => l.Weights).ToList();
        var record = new
        {
            Operator = settings.Architecture.Kind,
            Settings = settings,
            Data = new { File = settings.DataPath, TrainSamples = trainSamples, TestSamples = testSamples, Grid = grid },
            ParameterCount = result.Parameters,
            SpectralParameters = spectral?.Sum(w => w.parameters().Sum(p => p.numel())),
            SpectralParametersIfDense = spectral?.Sum(w => w.DenseParameterCount),
            TrainRelativeL2 = result.TrainRelativeL2,
            TestRelativeL2 = result.TestRelativeL2,
            TestMse = result.TestMeanSquare,
            // The held-out split first, then each test file: relative L2 and H1 (with the differences below) and MSE.
            Tests = result.Tests,
            H1Differences = settings.Training.H1,
            Recoveries = trainer.Recoveries,
            Epochs = result.Epochs,
            ResumedFromEpoch = result.ResumedFromEpoch,
            WallSeconds = result.WallSeconds,
            MeanEpochSeconds = history.Count > 0 ? history.Average(r => r.Seconds) : 0,
            // The process's peak resident set (Linux VmHWM): data, model, optimizer state and the engine's buffers together.
            PeakMemoryMegabytes = Process.GetCurrentProcess().PeakWorkingSet64 / (1024.0 * 1024.0),
            Normalisers = new { Input = model.Spec.InputNormaliser, Output = model.Spec.OutputNormaliser },
            Threads = get_num_threads(),
            Versions = RunVersions.Current,
        };
        run.WriteJson(RunFolder.RunFile, record);
    }
}
