using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Physis.Data.Datasets;
using Physis.Infrastructure;

namespace Physis.Cli.Commands;

/// <summary>
/// `physis bench operators`: FNO, MgNO and LSM trained on the same Physis-generated Darcy and Burgers data with the same
/// epochs, optimizer and schedule, each in its own `physis train-operator` process (so each peak memory is its own),
/// and one table of test error, parameters, seconds per epoch and peak memory next to the published figures.
/// </summary>
internal static class OperatorBenchCommand
{
    /// <summary>A benchmark dataset: how to generate it and each model's architecture options on it.</summary>
    private sealed record BenchData(string Name, string Generator, int Resolution, int DefaultTest,
        IReadOnlyDictionary<string, string[]> ModelOptions);

    private static readonly BenchData[] Datasets =
    [
        new("darcy", "darcy", 85, 100, new Dictionary<string, string[]>
        {
            // The FNO paper's Darcy set-up (modes 12, width 32); padding because the data are not periodic.
            ["fno"] = ["--modes", "12,12", "--width", "32", "--padding", "0.1"],
            // u = 0 on the boundary nodes, built into the multigrid's zero padding.
            ["mgno"] = ["--width", "32", "--layers", "5", "--levels", "4", "--boundary", "dirichlet"],
            ["lsm"] = ["--width", "32", "--scales", "4", "--tokens", "4", "--basis", "12", "--patches", "4"],
        }),
        new("burgers", "burgers", 1024, 200, new Dictionary<string, string[]>
        {
            ["fno"] = ["--modes", "16", "--width", "64"],
            // 9 levels take 1024 points down to 4, so one V-cycle spans the domain (5 levels, coarsest 64, did not learn: test error 1.0).
            ["mgno"] = ["--width", "32", "--layers", "5", "--levels", "9", "--boundary", "periodic"],
            // 7 scales take 1024 points down to 16 (4 scales, coarsest 128, did not learn: test error 0.54).
            ["lsm"] = ["--width", "32", "--scales", "7", "--tokens", "4", "--basis", "12", "--patches", "4"],
        }),
    ];

    /// <summary>
    /// Published test relative L2 to put next to ours, (dataset, model) to text with its source and set-up. Those data
    /// are FNO's (421 x 421 solves subsampled, 1000 train), trained 500 epochs on a GPU; ours are Physis' own solves.
    /// </summary>
    private static readonly Dictionary<(string, string), string> Published = new()
    {
        [("darcy", "fno")] = "1.08e-2 (Li et al. 2021; LSM Table 1), 85 x 85",
        [("darcy", "lsm")] = "6.5e-3 (Wu et al. 2023, Table 1), 85 x 85",
        [("darcy", "mgno")] = "1.76e-3 (He et al. 2024, Table 1, smooth), 211 x 211",
        [("burgers", "fno")] = "1.6e-2 (Li et al. 2021), 1024; reference code now about 2.5e-3",
    };

    public static Command Create()
    {
        var datasets = new Option<string>("--datasets")
        {
            Description = "Comma-separated datasets: darcy, burgers.",
            DefaultValueFactory = _ => "darcy,burgers",
        };
        var models = new Option<string>("--models")
        {
            Description = "Comma-separated models: fno, mgno, lsm.",
            DefaultValueFactory = _ => "fno,mgno,lsm",
        };
        var train = new Option<int>("--train") { Description = "Training samples of each dataset.", DefaultValueFactory = _ => 1000 };
        var test = new Option<int?>("--test") { Description = "Test samples (default: darcy 100, burgers 200)." };
        var epochs = new Option<int>("--epochs") { Description = "Epochs, the same for every model.", DefaultValueFactory = _ => 500 };
        var batch = new Option<int>("--batch") { Description = "Samples per mini-batch.", DefaultValueFactory = _ => 20 };
        var lr = new Option<double>("--lr") { Description = "Adam learning rate.", DefaultValueFactory = _ => 1e-3 };
        var schedule = new Option<string>("--schedule")
        {
            Description = "step, cosine or constant (per epoch).",
            DefaultValueFactory = _ => "cosine",
        };
        var stepEvery = new Option<int>("--step-every") { Description = "Step schedule: epochs between halvings.", DefaultValueFactory = _ => 50 };
        var output = new Option<string>("--out")
        {
            Description = "Folder for bench.md, bench.csv, the datasets (data/) and one run folder per dataset and model; "
                + "a re-run skips finished runs and resumes killed ones.",
            DefaultValueFactory = _ => Path.Combine("runs", "bench-operators"),
        };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads of each training process.", DefaultValueFactory = _ => 1 };
        var command = new Command("operators",
            "Train FNO, MgNO and LSM on the same Darcy and Burgers data with the same optimizer and schedule; "
            + "write one table of test error, parameters, seconds per epoch and peak memory.")
        {
            datasets, models, train, test, epochs, batch, lr, schedule, stepEvery, output, threads,
        };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            int epochCount = parse.GetValue(epochs), batchSize = parse.GetValue(batch), every = parse.GetValue(stepEvery);
            int threadCount = parse.GetValue(threads);
            double rate = parse.GetValue(lr);
            string scheduleName = parse.GetValue(schedule)!.ToLowerInvariant();
            // Every option is checked here, before any data are generated: a bad one would otherwise surface only in the
            // first training process, after minutes of solves.
            if (epochCount < 1) throw new ArgumentException($"--epochs must be at least 1; got {epochCount}: the bench compares trained models.");
            if (batchSize < 1) throw new ArgumentException($"--batch must be at least 1; got {batchSize}.");
            if (!(rate > 0) || !double.IsFinite(rate)) throw new ArgumentException($"--lr must be a positive number; got {Invariant(rate)}.");
            if (scheduleName is not ("step" or "cosine" or "constant"))
                throw new ArgumentException($"Unknown --schedule '{parse.GetValue(schedule)}'. Known: step, cosine, constant.");
            if (every < 1) throw new ArgumentException($"--step-every must be at least 1; got {every}.");
            if (threadCount < 1) throw new ArgumentException($"--threads must be at least 1; got {threadCount}.");
            return Run(Split(parse.GetValue(datasets)!), Split(parse.GetValue(models)!), parse.GetValue(train), parse.GetValue(test),
                parse.GetValue(output)!,
                ["--epochs", Invariant(epochCount), "--batch", Invariant(batchSize), "--lr", Invariant(rate), "--weight-decay", "1e-4",
                 "--schedule", scheduleName, "--step-every", Invariant(every), "--threads", Invariant(threadCount), "--seed", "0"]);
        }));
        return command;
    }

    private static int Run(string[] datasetNames, string[] modelNames, int train, int? test, string folder, string[] trainingOptions)
    {
        if (datasetNames.Length == 0) throw new ArgumentException("--datasets names no dataset; known: darcy, burgers.");
        if (modelNames.Length == 0) throw new ArgumentException("--models names no model; known: fno, mgno, lsm.");
        var selected = datasetNames.Distinct().Select(n => Datasets.FirstOrDefault(d => d.Name == n)
            ?? throw new ArgumentException($"Unknown dataset '{n}' for bench operators. "
                + $"Known: {string.Join(", ", Datasets.Select(d => d.Name))}.")).ToList();
        modelNames = [.. modelNames.Distinct()];
        foreach (var model in modelNames)
            if (!Datasets[0].ModelOptions.ContainsKey(model))
                throw new ArgumentException($"Unknown model '{model}' for bench operators. "
                    + $"Known: {string.Join(", ", Datasets[0].ModelOptions.Keys)}.");
        if (train <= 0 || test is <= 0) throw new ArgumentException("--train and --test must be positive.");
        if (File.Exists(folder)) throw new IOException($"--out {folder} is a file; name a folder for the bench.");
        // Every dataset must fit in memory and on disk before the first is generated.
        foreach (var data in selected)
        {
            long samples = (long)train + (test ?? data.DefaultTest);
            if (samples > DatasetGeneration.MaxSamples)
                throw new ArgumentException(string.Create(CultureInfo.InvariantCulture,
                    $"--train plus --test is more than the {DatasetGeneration.MaxSamples:N0} samples one dataset can have; got {samples}."));
            DatasetGeneration.EnsureFits(DatasetCatalog.Create(data.Generator, data.Resolution), DataFile(folder, data, train, test),
                samples, Shard.Whole, Math.Min(Environment.ProcessorCount, DatasetGeneration.MaxWorkers));
        }
        Directory.CreateDirectory(Path.Combine(folder, "data"));

        var rows = new List<BenchRow>();
        foreach (var data in selected)
        {
            int testCount = test ?? data.DefaultTest;
            string file = DataFile(folder, data, train, test);
            var report = DatasetGeneration.Run(DatasetCatalog.Create(data.Generator, data.Resolution), file, train + testCount, seed: 0, Shard.Whole,
                Math.Min(Environment.ProcessorCount, DatasetGeneration.MaxWorkers), warning: Console.Error.WriteLine);
            Console.WriteLine($"{data.Name}: {train + testCount} samples in {file}"
                + (report.AlreadyComplete
                    ? " (already there)"
                    : string.Create(CultureInfo.InvariantCulture, $" ({report.Elapsed.TotalSeconds:F0} s)")));
            foreach (var model in modelNames)
            {
                string runFolder = Path.Combine(folder, $"{data.Name}-{model}");
                string[] arguments = ["train-operator", model, "--data", file, "--train", Invariant(train), "--test", Invariant(testCount),
                    .. data.ModelOptions[model], .. trainingOptions, "--out", runFolder, "--checkpoint-every", "1"];
                rows.Add(TrainOrReuse(data.Name, model, runFolder, arguments));
                WriteTables(folder, rows, trainingOptions, train);
            }
        }
        Console.WriteLine($"tables in {Path.GetFullPath(Path.Combine(folder, "bench.md"))} and bench.csv");
        return 0;
    }

    private static string DataFile(string folder, BenchData data, int train, int? test) =>
        Path.Combine(folder, "data", $"{data.Name}_{data.Resolution}_{(long)train + (test ?? data.DefaultTest)}.h5");

    private sealed record BenchRow(string Dataset, string Model, long Parameters, double TrainRelativeL2, double TestRelativeL2,
        double SecondsPerEpoch, double PeakMegabytes, int Epochs, double WallSeconds);

    /// <summary>Runs `physis train-operator` in a child process, unless this folder holds a finished run with the same arguments.</summary>
    private static BenchRow TrainOrReuse(string dataset, string model, string folder, string[] arguments)
    {
        string record = Path.Combine(folder, "run.json"), argumentsFile = Path.Combine(folder, "bench-arguments.txt");
        string joined = string.Join(' ', arguments);
        bool same = File.Exists(argumentsFile) && File.ReadAllText(argumentsFile) == joined;
        if (!(same && File.Exists(record)))
        {
            if (Directory.Exists(folder) && !same) Directory.Delete(folder, recursive: true);
            Directory.CreateDirectory(folder);
            AtomicFile.WriteAllText(argumentsFile, joined);
            bool resume = File.Exists(Path.Combine(folder, "checkpoint.bin"));
            Console.WriteLine($"{dataset} / {model}: physis {joined}{(resume ? " --resume" : "")}");
            int code = RunSelf(resume ? ["train-operator", model, "--out", folder, "--resume"] : arguments);
            if (code != 0)
                throw new InvalidOperationException($"{dataset} / {model}: train-operator failed with exit code {code}; "
                    + $"its output is above, its files in {folder}.");
        }
        using var json = JsonDocument.Parse(File.ReadAllText(record));
        var root = json.RootElement;
        var row = new BenchRow(dataset, model, root.GetProperty("parameter_count").GetInt64(), root.GetProperty("train_relative_l2").GetDouble(),
            root.GetProperty("test_relative_l2").GetDouble(), root.GetProperty("mean_epoch_seconds").GetDouble(),
            root.GetProperty("peak_memory_megabytes").GetDouble(), root.GetProperty("epochs").GetInt32(),
            root.GetProperty("wall_seconds").GetDouble());
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  {dataset} / {model}: test relative L2 {row.TestRelativeL2:E3}, {row.Parameters:N0} parameters, {row.SecondsPerEpoch:F2} s/epoch, "
            + $"peak {row.PeakMegabytes:F0} MB"));
        return row;
    }

    /// <summary>This program again with other arguments, its output passed through.</summary>
    private static int RunSelf(string[] arguments)
    {
        using var process = Process.Start(ThisProgram.With(arguments))
            ?? throw new InvalidOperationException("Could not start this program for a training run.");
        process.WaitForExit();
        return process.ExitCode;
    }

    private static void WriteTables(string folder, IReadOnlyList<BenchRow> rows, string[] trainingOptions, int train)
    {
        var md = new StringBuilder();
        md.Append(CultureInfo.InvariantCulture, $"# Neural operators on Physis data ({DateTime.UtcNow:yyyy-MM-dd})\n\n");
        md.Append(CultureInfo.InvariantCulture, $"{train} training samples; the same for every model: {string.Join(' ', trainingOptions)}\n\n");
        md.Append("| dataset | model | parameters | train rel. L2 | test rel. L2 | s / epoch | peak memory (MB) | epochs | wall (s) | published |\n");
        md.Append("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |\n");
        var csv = new StringBuilder("dataset,model,parameters,train_relative_l2,test_relative_l2,seconds_per_epoch,"
            + "peak_memory_mb,epochs,wall_seconds,published\n");
        foreach (var r in rows)
        {
            string published = Published.GetValueOrDefault((r.Dataset, r.Model), "-");
            md.Append(CultureInfo.InvariantCulture,
                $"| {r.Dataset} | {r.Model} | {r.Parameters:N0} | {r.TrainRelativeL2:E2} | {r.TestRelativeL2:E2} | {r.SecondsPerEpoch:F2} | "
                + $"{r.PeakMegabytes:F0} | {r.Epochs} | {r.WallSeconds:F0} | {published} |\n");
            csv.Append(CultureInfo.InvariantCulture,
                $"{r.Dataset},{r.Model},{r.Parameters},{r.TrainRelativeL2:R},{r.TestRelativeL2:R},{r.SecondsPerEpoch:R},"
                + $"{r.PeakMegabytes:F1},{r.Epochs},{r.WallSeconds:F1},\"{published}\"\n");
        }
        AtomicFile.WriteAllText(Path.Combine(folder, "bench.md"), md.ToString());
        AtomicFile.WriteAllText(Path.Combine(folder, "bench.csv"), csv.ToString());
    }

    private static string[] Split(string list) => list.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);

    private static string Invariant<T>(T value) where T : IFormattable => value.ToString(null, CultureInfo.InvariantCulture);
}
