using System.CommandLine;
using System.Globalization;
using Physis.Data;
using Physis.Infrastructure;
using Physis.Networks.Layers;
using Physis.Networks.Operators;
using Physis.Runs;
using Physis.Training.Operators;
using Physis.Training.Optimizers;

namespace Physis.Cli.Commands;

internal static class TrainOperatorCommand
{
    public static Command Create()
    {
        var kind = new Argument<string?>("operator")
        {
            Description = "fno, tfno (Tucker-factorised FNO), mgno (multigrid neural operator), lsm (latent spectral model) or deeponet.",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var data = new Option<string?>("--data")
        {
            Description = "HDF5 file with float64 or float32 datasets input, tensor (with t-coordinate, or without a time axis), "
                + "x-coordinate (and y-coordinate in 2D).",
        };
        var epochs = new Option<int>("--epochs") { Description = "Training epochs.", DefaultValueFactory = _ => 500 };
        var batch = new Option<int>("--batch") { Description = "Samples per mini-batch.", DefaultValueFactory = _ => 20 };
        var lr = new Option<double>("--lr", "--learning-rate") { Description = "Learning rate.", DefaultValueFactory = _ => 1e-3 };
        var optimizer = new Option<string>("--optimizer")
        {
            Description = "adam (--weight-decay is an L2 term added to the gradient, PyTorch's Adam) or adamw (--weight-decay shrinks the "
                + "parameters apart from the gradient, decoupled, PyTorch's AdamW).",
            DefaultValueFactory = _ => "adam",
        };
        var weightDecay = new Option<double>("--weight-decay")
        {
            Description = "Weight decay: an L2 gradient term with --optimizer adam, decoupled with adamw.",
            DefaultValueFactory = _ => 1e-4,
        };
        var schedule = new Option<string>("--schedule")
        {
            Description = "Learning-rate schedule per epoch: step, cosine or constant.",
            DefaultValueFactory = _ => "step",
        };
        var cosinePeriod = new Option<int?>("--cosine-period")
        {
            Description = "Cosine schedule: epochs from the rate down to 0 (PyTorch's T_max); default --epochs.",
        };
        var stepEvery = new Option<int>("--step-every") { Description = "Step schedule: epochs between decays.", DefaultValueFactory = _ => 50 };
        var stepFactor = new Option<double>("--step-factor") { Description = "Step schedule: factor per decay.", DefaultValueFactory = _ => 0.5 };
        var modes = new Option<string?>("--modes")
        {
            Description = "FNO Fourier modes per dimension as in the FNO paper: m keeps 2m frequencies (-m .. m-1) on every axis but the "
                + "last and m (0 .. m-1) on the last, e.g. 16 (1D) or 12,12 (2D); default 16 or 12 per axis.",
        };
        var modesTotal = new Option<string?>("--modes-total")
        {
            Description = "FNO modes as neuraloperator's n_modes counts them, instead of --modes: the total kept per axis, M (even) on an "
                + "axis but the last (-M/2 .. M/2-1), M/2+1 on the last (0 .. M/2); 8,8 is --modes 4,5.",
        };
        var projectionWidth = new Option<int?>("--projection-width")
        {
            Description = "FNO hidden channels of the projection to the output (default 128; neuraloperator's projection ratio r is r x --width).",
        };
        var width = new Option<int?>("--width")
        {
            Description = "Channel width: FNO (default 64 in 1D, 32 in 2D), MgNO channels (32), LSM finest-scale channels (32).",
        };
        var layers = new Option<int?>("--layers") { Description = "FNO Fourier layers (default 4) or MgNO layers (default 5)." };
        var levels = new Option<int?>("--levels")
        {
            Description = "mgno: multigrid levels of each V-cycle (default: the most that keep 4 points per axis on the coarsest level, at most 10).",
        };
        var smoothing = new Option<int>("--smoothing") { Description = "mgno: smoothing steps per level.", DefaultValueFactory = _ => 1 };
        var boundary = new Option<string?>("--boundary")
        {
            Description = "mgno: dirichlet (zero on the boundary nodes; default in 2D) or periodic (default in 1D).",
        };
        var scales = new Option<int>("--scales") { Description = "lsm: levels of the U-shaped hierarchy.", DefaultValueFactory = _ => 4 };
        var tokens = new Option<int>("--tokens") { Description = "lsm: latent tokens per patch.", DefaultValueFactory = _ => 4 };
        var basis = new Option<int>("--basis")
        {
            Description = "lsm: trigonometric basis functions of the spectral block.",
            DefaultValueFactory = _ => 12,
        };
        var patches = new Option<int>("--patches") { Description = "lsm: patches per axis at every scale.", DefaultValueFactory = _ => 4 };
        var heads = new Option<int>("--heads")
        {
            Description = "lsm: basis operators (channel groups) per spectral block.",
            DefaultValueFactory = _ => 1,
        };
        var padding = new Option<double>("--padding")
        {
            Description = "FNO domain padding as a fraction of each axis, for non-periodic data (e.g. 0.1).",
            DefaultValueFactory = _ => 0,
        };
        var noGrid = new Option<bool>("--no-grid-features") { Description = "Do not append grid coordinates to the FNO input." };
        var rankRatio = new Option<double>("--rank-ratio")
        {
            Description = "tfno: parameters of the factorised spectral weights relative to dense.",
            DefaultValueFactory = _ => 0.1,
        };
        var factorisation = new Option<string>("--factorisation") { Description = "tfno: tucker or cp.", DefaultValueFactory = _ => "tucker" };
        var branch = new Option<string?>("--branch") { Description = "DeepONet branch widths, first = sensors (default: sensors,40,40)." };
        var trunk = new Option<string?>("--trunk") { Description = "DeepONet trunk widths, first = dimension (default: d,40,40)." };
        var activation = new Option<string>("--activation")
        {
            Description = "DeepONet activation: tanh, sin, gelu, silu or relu (DeepXDE's antiderivative example uses relu).",
            DefaultValueFactory = _ => "tanh",
        };
        var layout = new Option<string>("--layout")
        {
            Description = "DeepONet data layout: cartesian (every function at every point) or triple (random points per function).",
            DefaultValueFactory = _ => "cartesian",
        };
        var pointsPerFunction = new Option<int>("--points-per-function")
        {
            Description = "Triple layout: random points per function per epoch.",
            DefaultValueFactory = _ => 10,
        };
        var physics = new Option<string?>("--physics")
        {
            Description = "DeepONet: add the residual of a known equation to the loss (physics-informed DeepONet): "
                + $"{string.Join(", ", OperatorPhysics.Names)}.",
        };
        var dataWeight = new Option<double>("--data-weight")
        {
            Description = "Weight of the data loss (0 with --physics: learn from the equation alone).",
            DefaultValueFactory = _ => 1,
        };
        var loss = new Option<string?>("--loss") { Description = "l2 (relative L2), h1 (relative H1) or mse; default l2 for FNO, mse for DeepONet." };
        var h1 = new Option<string>("--h1")
        {
            Description = "Differences of the H1 loss and test error: one-sided (forward differences, spacing 1/(n-1), not wrapped: grids with "
                + "both ends) or periodic (central differences wrapped around, spacing 1/n: neuraloperator's H1Loss).",
            DefaultValueFactory = _ => "one-sided",
        };
        var normalisedLoss = new Option<bool>("--normalised-loss")
        {
            Description = "Take the training loss between normalised prediction and target (as neuraloperator does) instead of physical units.",
        };
        var testFiles = new Option<string[]>("--test-data")
        {
            Description = "Further test files (repeat or separate with commas), each evaluated whole and at its own resolution every epoch.",
            AllowMultipleArgumentsPerToken = false,
        };
        var variables = ConvertCommand.VariableOptions();
        var maxRecoveries = new Option<int>("--max-recoveries")
        {
            Description = "Divergences survived (a non-finite batch loss, or one above 1000 x the lowest loss so far): each rolls back to "
                + "the epoch's start and halves the learning rate.",
            DefaultValueFactory = _ => 3,
        };
        var train = new Option<int?>("--train")
        {
            Description = "Training samples, taken from the start of the file (default: all but the test samples).",
        };
        var test = new Option<int?>("--test") { Description = "Held-out test samples, taken from the end of the file (default: a fifth)." };
        var resolution = new Option<int?>("--resolution") { Description = "Subsample the data to this many points per axis before training." };
        var output = new Option<string?>("--out") { Description = "Output folder (default runs/<operator>)." };
        var seed = new Option<int>("--seed") { Description = "Seed for initialisation and shuffling.", DefaultValueFactory = _ => 0 };
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue the run whose checkpoint is in --out, with the settings it was started with.",
        };
        var checkpointEvery = new Option<int>("--checkpoint-every")
        {
            Description = "Write the checkpoint every N epochs (and at the end).",
            DefaultValueFactory = _ => 1,
        };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for the tensor engine.", DefaultValueFactory = _ => 1 };
        var precision = new Option<string>("--precision")
        {
            Description = "float32 or float64: the network's values and the data in training.",
            DefaultValueFactory = _ => "float32",
        };
        var distributed = Distribution.Option();

        var command = new Command("train-operator",
            "Train a neural operator (FNO, TFNO, MgNO, LSM, DeepONet) on an HDF5 dataset (or a MATLAB/PyTorch file with --input-var and "
            + "--output-var) and test it on held-out samples. Under mpiexec, data-parallel: each rank reads and trains on its share of "
            + "the samples, every batch's gradients are summed over the ranks, and rank 0 writes the run folder.")
        {
            kind, data, epochs, batch, lr, optimizer, weightDecay, schedule, cosinePeriod, stepEvery, stepFactor, modes, modesTotal, width, layers,
            projectionWidth, padding, noGrid, rankRatio, factorisation, h1, normalisedLoss, testFiles, maxRecoveries,
            levels, smoothing, boundary, scales, tokens, basis, patches, heads,
            branch, trunk, activation, layout, pointsPerFunction, physics, dataWeight, loss, train, test, resolution, output, seed, resume,
            checkpointEvery, threads, precision, distributed, variables.Input, variables.Output, variables.Samples,
        };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            string known = string.Join(", ", OperatorArchitecture.Kinds);
            string name = parse.GetValue(kind)?.ToLowerInvariant() ?? throw new ArgumentException($"Name the operator to train: {known}.");
            if (!OperatorArchitecture.Kinds.Contains(name)) throw new ArgumentException($"Unknown operator '{name}'. Known: {known}.");
            string folder = parse.GetValue(output) ?? Path.Combine("runs", name);
            bool resuming = parse.GetValue(resume);
            int every = parse.GetValue(checkpointEvery);
            if (every <= 0) throw new ArgumentException($"--checkpoint-every must be positive, got {every}.");
            TensorEngine.Configure(parse.GetValue(threads));
            var communicator = Distribution.Start(parse.GetValue(distributed));

            OperatorRunSettings settings;
            OperatorDataset trainData, testData;
            if (resuming)
            {
                // The stored run decides everything but where it goes on and for how long; nothing given is ignored silently.
                Option[] mayChange = [output, resume, checkpointEvery, threads, epochs, distributed];
                if (command.Options.Except(mayChange).FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } given)
                    throw new ArgumentException($"--resume continues the run in {folder} with the settings it was started with, so {given.Name} "
                        + "cannot be given; only --epochs (more of them), --checkpoint-every, --threads and --distributed can.");
                settings = OperatorRun.Stored(folder, name);
                if (parse.GetResult(epochs) is { Implicit: false })
                {
                    int more = parse.GetValue(epochs);
                    if (more < settings.Training.Epochs)
                        throw new ArgumentException(
                            $"--resume can give the run in {folder} more epochs than its {settings.Training.Epochs}, not {more}.");
                    settings = settings with { Training = settings.Training with { Epochs = more } };
                }
                (trainData, testData) = OperatorRun.Split(settings, communicator);
            }
            else
            {
                string file = parse.GetValue(data) ?? throw new ArgumentException("--data FILE is required: an HDF5 file in the operator layout.");
                bool deepOnet = name == "deeponet";
                double rate = parse.GetValue(lr);
                var training = new OperatorTrainingSettings
                {
                    Epochs = parse.GetValue(epochs),
                    BatchSize = parse.GetValue(batch),
                    // Without a period the cosine schedule falls from the rate to 0 over the whole run.
                    Schedule = parse.GetValue(schedule)!.ToLowerInvariant() switch
                    {
                        "step" => new LearningRateSchedule.Step(rate, parse.GetValue(stepEvery), parse.GetValue(stepFactor)),
                        "cosine" => new LearningRateSchedule.Cosine(rate, parse.GetValue(cosinePeriod) ?? Math.Max(parse.GetValue(epochs), 1)),
                        "constant" => new LearningRateSchedule.Constant(rate),
                        "linear" => new LearningRateSchedule.Linear(rate, Math.Max(parse.GetValue(epochs), 1)),
                        var other => throw new ArgumentException($"Unknown --schedule '{other}'. Known: step, cosine, constant, linear."),
                    },
                    Optimizer = ParseChoice(parse.GetValue(optimizer)!, "--optimizer", OperatorOptimizer.Adam, OperatorOptimizer.AdamW),
                    WeightDecay = parse.GetValue(weightDecay),
                    H1 = parse.GetValue(h1)!.ToLowerInvariant() switch
                    {
                        "one-sided" => H1Differences.OneSided,
                        "periodic" => H1Differences.Periodic,
                        var other => throw new ArgumentException($"Unknown --h1 '{other}'. Known: one-sided, periodic."),
                    },
                    NormalisedLoss = parse.GetValue(normalisedLoss),
                    MaxRecoveries = parse.GetValue(maxRecoveries),
                    Loss = (parse.GetValue(loss) ?? (deepOnet ? "mse" : "l2")) switch
                    {
                        "l2" => OperatorLoss.RelativeL2,
                        "h1" => OperatorLoss.RelativeH1,
                        "mse" => OperatorLoss.MeanSquare,
                        var other => throw new ArgumentException($"Unknown --loss '{other}'. Known: l2, h1, mse."),
                    },
                    Layout = ParseChoice(parse.GetValue(layout)!, "--layout", DeepOnetLayout.Cartesian, DeepOnetLayout.Triple),
                    PointsPerFunction = parse.GetValue(pointsPerFunction),
                    DataWeight = parse.GetValue(dataWeight),
                    Seed = parse.GetValue(seed),
                };
                training.Validate();
                if (parse.GetResult(cosinePeriod) is { Implicit: false } && training.Schedule is not LearningRateSchedule.Cosine)
                    throw new ArgumentException("--cosine-period applies to --schedule cosine only.");
                string? equation = parse.GetValue(physics);
                if (equation is not null && !deepOnet) throw new ArgumentException("--physics applies to deeponet only.");
                if (equation is not null) OperatorPhysics.Create(equation);
                if (equation is null && training.DataWeight == 0)
                    throw new ArgumentException("--data-weight 0 needs --physics, or nothing is trained.");
                var arrays = ConvertCommand.Variables(parse, variables);
                (trainData, testData) = OperatorRun.Split(file, parse.GetValue(resolution), parse.GetValue(train), parse.GetValue(test), arrays,
                    communicator);
                var architecture = Architecture(name, trainData);
                architecture.Validate();
                DataFingerprint[] testPaths = [.. (parse.GetValue(testFiles) ?? [])
                    .SelectMany(t => t.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
                    .Select(DataFingerprint.Of)];
                settings = new OperatorRunSettings
                {
                    TestData = testPaths,
                    DataPath = file,
                    Variables = arrays,
                    TrainSamples = parse.GetValue(train),
                    TestSamples = parse.GetValue(test),
                    Resolution = parse.GetValue(resolution),
                    Architecture = architecture,
                    Physics = equation,
                    Training = training,
                    Precision = ParseChoice(parse.GetValue(precision)!, "--precision", Precision.Float32, Precision.Float64),
                };
            }

            // The architecture of this kind from its flags, with defaults that suit the training data.
            OperatorArchitecture Architecture(string operatorKind, OperatorDataset trainingData)
            {
                int dimension = trainingData.Dimension;
                switch (operatorKind)
                {
                    case "deeponet":
                        int[] branchWidths = ParseList(parse.GetValue(branch), "--branch") ?? [trainingData.PointsPerSample, 40, 40];
                        int[] trunkWidths = ParseList(parse.GetValue(trunk), "--trunk") ?? [dimension, 40, 40];
                        if (branchWidths[0] != trainingData.PointsPerSample)
                            throw new ArgumentException($"--branch starts with {branchWidths[0]} sensors but the data have "
                                + $"{trainingData.PointsPerSample} input points per sample.");
                        if (trunkWidths[0] != dimension)
                            throw new ArgumentException($"--trunk starts with {trunkWidths[0]} but the data are {dimension}D.");
                        return new DeepOnetSettings
                        {
                            Branch = branchWidths,
                            Trunk = trunkWidths,
                            Activation = ActivationFunctions.Parse(parse.GetValue(activation)!),
                        };
                    case "mgno":
                        var boundaryKind = parse.GetValue(boundary) is { } b
                            ? ParseChoice(b, "--boundary", MultigridBoundary.Dirichlet, MultigridBoundary.Periodic)
                            : dimension == 1 ? MultigridBoundary.Periodic : MultigridBoundary.Dirichlet;
                        return new MgnoSettings
                        {
                            Dimension = dimension,
                            Channels = parse.GetValue(width) ?? 32,
                            Layers = parse.GetValue(layers) ?? 5,
                            Levels = parse.GetValue(levels) ?? MgnoSettings.DeepestLevels(trainingData.Grid, boundaryKind),
                            Smoothing = parse.GetValue(smoothing),
                            Boundary = boundaryKind,
                            TrainingGrid = trainingData.Grid,
                        };
                    case "lsm":
                        return new LsmSettings
                        {
                            Dimension = dimension,
                            Width = parse.GetValue(width) ?? 32,
                            Scales = parse.GetValue(scales),
                            Tokens = parse.GetValue(tokens),
                            Basis = parse.GetValue(basis),
                            Patches = parse.GetValue(patches),
                            Heads = parse.GetValue(heads),
                            PositionalFeatures = !parse.GetValue(noGrid),
                        };
                    case "fno" or "tfno":
                        if (parse.GetValue(modes) is not null && parse.GetValue(modesTotal) is not null)
                            throw new ArgumentException("Give --modes (the FNO paper's count) or --modes-total (neuraloperator's), not both.");
                        string modeOption = parse.GetValue(modesTotal) is null ? "--modes" : "--modes-total";
                        int[]? given = ParseList(parse.GetValue(modes) ?? parse.GetValue(modesTotal), modeOption);
                        if (given is { Length: 1 } && dimension > 1) given = [.. Enumerable.Repeat(given[0], dimension)];
                        if (given is not null && given.Length != dimension)
                            throw new ArgumentException($"{modeOption} gives {given.Length} counts but the data are {dimension}D.");
                        int[] modeCounts = given is null ? [.. Enumerable.Repeat(dimension == 1 ? 16 : 12, dimension)]
                            : modeOption == "--modes" ? given : FnoSettings.ModesFromTotal(given);
                        var fno = new FnoSettings
                        {
                            Modes = modeCounts,
                            Width = parse.GetValue(width) ?? (dimension == 1 ? 64 : 32),
                            Layers = parse.GetValue(layers) ?? 4,
                            ProjectionWidth = parse.GetValue(projectionWidth) ?? 128,
                            Padding = parse.GetValue(padding),
                            PositionalFeatures = !parse.GetValue(noGrid),
                        };
                        return operatorKind == "fno" ? fno : new TfnoSettings
                        {
                            Modes = fno.Modes,
                            Width = fno.Width,
                            Layers = fno.Layers,
                            ProjectionWidth = fno.ProjectionWidth,
                            Padding = fno.Padding,
                            PositionalFeatures = fno.PositionalFeatures,
                            Factorisation = ParseChoice(parse.GetValue(factorisation)!, "--factorisation", SpectralFactorisation.Tucker,
                                SpectralFactorisation.Cp),
                            RankRatio = parse.GetValue(rankRatio),
                        };
                    default:
                        throw new ArgumentException($"Unknown operator '{operatorKind}'. Known: {known}.");
                }
            }

            var trainingSettings = settings.Training;
            // Rank 0 speaks for the job.
            var console = communicator.IsRoot ? Console.Out : TextWriter.Null;
            string ranks = communicator.IsDistributed ? $" (rank 0's share; {communicator.Size} ranks)" : "";
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Physis: {name} on {settings.DataPath}: {trainData.Count} train / {testData.Count} test samples{ranks} on a "
                + $"[{string.Join(" x ", trainData.Grid)}] grid, {trainingSettings.Epochs} epochs, batch {trainingSettings.BatchSize}, lr "
                + $"{trainingSettings.Schedule.LearningRate} ({trainingSettings.Schedule.Kind}), "
                + $"seed {trainingSettings.Seed}{(resuming ? ", resuming" : "")}"));
            OperatorRunResult Execute(IOperatorTrainingCallback? progress) => OperatorRun.Execute(settings, trainData, testData, folder, resuming,
                every, progress, OperatorRun.ReadTestData(settings, communicator), communicator);
            var result = communicator.IsRoot ? TrainingProgressDisplay.RunOperator(Execute) : Execute(null);
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{result.Parameters} parameters; train relative L2 {result.TrainRelativeL2:0.000E+00}, test relative L2 "
                + $"{result.TestRelativeL2:0.000E+00}, test MSE {result.TestMeanSquare:0.000E+00} after {result.Epochs} epochs in "
                + $"{result.WallSeconds:F1} s"));
            foreach (var t in result.Tests.Skip(1))
                console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{t.Name}: relative L2 {t.RelativeL2:0.000E+00}, relative H1 {t.RelativeH1:0.000E+00}, MSE {t.MeanSquare:0.000E+00}"));
            console.WriteLine($"outputs in {Path.GetFullPath(folder)}: {string.Join(' ', result.Outputs)}");
            return 0;
        }));
        return command;
    }

    /// <summary>"16", "12,12" or "100 40 40" as integers; null when not given.</summary>
    internal static int[]? ParseList(string? text, string option)
    {
        if (text is null) return null;
        var parts = text.Split([',', ' ', 'x'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        if (parts.Length == 0) throw new ArgumentException($"{option} is empty; give comma-separated positive integers.");
        return [.. parts.Select(p => int.TryParse(p, NumberStyles.Integer, CultureInfo.InvariantCulture, out int v) && v > 0 ? v
            : throw new ArgumentException($"{option}: '{p}' is not a positive integer."))];
    }

    private static T ParseChoice<T>(string text, string option, params T[] choices) where T : struct, Enum
    {
        foreach (var choice in choices)
            if (string.Equals(choice.ToString(), text, StringComparison.OrdinalIgnoreCase)) return choice;
        throw new ArgumentException($"Unknown {option} '{text}'. Known: {string.Join(", ", choices.Select(c => c.ToString().ToLowerInvariant()))}.");
    }
}
