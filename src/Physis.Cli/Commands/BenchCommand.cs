using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Physis.Data;
using Physis.Data.Datasets;
using Physis.Data.NumPy;
using Physis.Differentiation;
using Physis.Differentiation.Taylor;
using Physis.Infrastructure;
using Physis.Networks.Operators;
using Physis.Runs;
using Physis.Suite.Benchmarks;
using Physis.Suite.Problems;
using Physis.Training;
using Physis.Training.Operators;

namespace Physis.Cli.Commands;

internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Benchmarks that compare Physis with a reference run in the same command.");
        var steps = new Option<int>("--steps")
        {
            Description = "Timed steps per measurement (after 20 warm-up steps).",
            DefaultValueFactory = _ => 300,
        };
        var python = new Option<string>("--python")
        {
            Description = "Python interpreter with PyTorch (Debian's python3-torch).",
            DefaultValueFactory = _ => "/usr/bin/python3",
        };
        var step = new Command("step",
            "Time one Adam step of the deepxde Burgers preset in Physis (autograd and Taylor-mode engines) and in plain PyTorch, "
            + "at 1 and 2 threads, and print the ratios.")
        {
            steps, python,
        };
        step.SetAction(parse => CliErrors.Run(() => AdamStep(parse.GetValue(steps), parse.GetValue(python)!)));
        command.Subcommands.Add(step);
        command.Subcommands.Add(CreatePinnSuite());
        command.Subcommands.Add(CreateDataset());
        command.Subcommands.Add(CreateRecycling());
        command.Subcommands.Add(FnoCommand());
        command.Subcommands.Add(OperatorBenchCommand.Create());
        command.Subcommands.Add(HighDimensionalBenchCommand.Create());
        command.Subcommands.Add(DistributedBenchCommand.Create());
        command.Subcommands.Add(EngineBenchCommand.Create());
        command.Subcommands.Add(CreateReport());
        return command;
    }

    private static Command CreateReport()
    {
        var from = new Option<string[]>("--from")
        {
            Description = "A folder written by `bench pinn` or `bench operators` (its bench.csv and bench.md); "
                + "repeat for several, one section each in this order.",
            Required = true,
        };
        var output = new Option<string>("--out")
        {
            Description = "The markdown page to write (atomically).",
            DefaultValueFactory = _ => Path.Combine("docs", "benchmarks.md"),
        };
        var report = new Command("report",
            "Write one markdown page (docs/benchmarks.md) of the tables in the given bench folders; the page is generated, not edited by hand.")
        {
            from, output,
        };
        report.SetAction(parse => CliErrors.Run(() =>
        {
            string[] folders = parse.GetValue(from) ?? [];
            string page = parse.GetValue(output)!;
            // Paths as the page lists them: relative to where the command runs (the repository root), with forward slashes.
            static string Relative(string path) =>
                Path.GetRelativePath(Environment.CurrentDirectory, Path.TrimEndingDirectorySeparator(Path.GetFullPath(path))).Replace('\\', '/');
            var names = folders.Select(Relative).ToList();
            string command = $"physis bench report {string.Join(' ', names.Select(n => $"--from {n}"))} --out {Relative(page)}";
            BenchmarkReport.Write(folders, names, page, command, resultsPage: Path.Combine("docs", "results.md"));
            Console.WriteLine($"wrote {Path.GetFullPath(page)} from {string.Join(", ", names)}");
            return 0;
        }));
        return report;
    }

    private static Command CreatePinnSuite()
    {
        var quick = new Option<bool>("--quick")
        {
            Description = "Reduced iterations and points: a smoke check of the whole suite in minutes, not a measurement.",
        };
        var scale = new Option<double?>("--scale")
        {
            Description = "Run this fraction (0 to 1] of every iteration and point count: a cheaper comparison, "
                + "such as the method ablation, measured with the same settings otherwise.",
        };
        var problems = new Option<string?>("--problems")
        {
            Description = "Comma-separated subset of problems (default: all of "
                + $"{string.Join(", ", ProblemCatalog.All.Where(p => p is not IDimensionalProblem).Select(p => p.Name))}; "
                + "the high-dimensional ones run when named, and in `bench highdim`).",
        };
        var methods = new Option<string>("--methods")
        {
            Description = "Comma-separated presets to run for each problem that has them.",
            DefaultValueFactory = _ => "default",
        };
        var output = new Option<string?>("--out")
        {
            Description = "Folder for bench.md, bench.csv and one run folder per problem and method (default runs/bench, or runs/bench-quick); "
                + "a re-run skips finished pairs and resumes a killed one.",
        };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for the tensor engine.", DefaultValueFactory = _ => 1 };
        var pinn = new Command("pinn",
            "Run the PINN problem suite and write bench.md and bench.csv: each problem's error next to its target and published anchor.")
        {
            quick, scale, problems, methods, output, threads,
        };
        pinn.SetAction(parse => CliErrors.Run(() =>
        {
            bool isQuick = parse.GetValue(quick);
            double? factor = parse.GetValue(scale);
            if (isQuick && factor is not null) throw new ArgumentException("--quick and --scale are two different reduced modes; give one.");
            string mode = isQuick ? "quick" : factor is { } f ? string.Create(CultureInfo.InvariantCulture, $"scale {f:G3}") : "full";
            string defaultFolder = isQuick
                ? "bench-quick"
                : factor is { } g ? string.Create(CultureInfo.InvariantCulture, $"bench-scale{g:G3}") : "bench";
            Func<PinnSettings, PinnSettings> reduce = isQuick ? PinnBenchmark.Quick : factor is { } h ? s => PinnBenchmark.Scaled(s, h) : s => s;
            return PinnSuite(mode, reduce, parse.GetValue(problems), parse.GetValue(methods)!,
                parse.GetValue(output) ?? Path.Combine("runs", defaultFolder), parse.GetValue(threads));
        }));
        return pinn;
    }

    private static int PinnSuite(string mode, Func<PinnSettings, PinnSettings> reduce, string? problemList, string methodList,
        string folder, int threads)
    {
        var selected = problemList is null
            ? [.. ProblemCatalog.All.Where(p => p is not IDimensionalProblem)]
            : problemList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(ProblemCatalog.Find).ToList();
        var methods = methodList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (methods.Length == 0) throw new ArgumentException("--methods names no preset.");
        foreach (var method in methods)
            if (!selected.Any(p => p.Presets.ContainsKey(method)))
                throw new ArgumentException($"No selected problem has a preset '{method}'.");
        TensorEngine.Configure(threads);

        var rows = new List<BenchmarkRow>();
        foreach (var problem in selected)
            foreach (var method in methods.Where(problem.Presets.ContainsKey))
            {
                var settings = reduce(problem.Presets[method]);
                Console.WriteLine($"{problem.Name} / {method} ({mode})");
                var row = TrainingProgressDisplay.Run(TimeSpan.FromSeconds(30),
                    progress => PinnBenchmark.Run(problem, method, settings, Path.Combine(folder, $"{problem.Name}-{method}"), progress));
                rows.Add(row);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  {row.Metric} {row.Value:E2} (target {row.Target?.ToString("E1", CultureInfo.InvariantCulture) ?? "report only"})"
                    + $" in {row.WallSeconds:F0} s"));
                PinnBenchmark.WriteTables(folder, rows,
                    $"PINN benchmark suite ({mode} mode, {threads} thread{(threads > 1 ? "s" : "")}, {DateTime.UtcNow:yyyy-MM-dd})");
            }
        Console.WriteLine($"tables in {Path.GetFullPath(Path.Combine(folder, "bench.md"))} and bench.csv");
        return 0;
    }

    private const string TorchHint = "It needs Debian's python3-torch.";
    private const string NumPyHint = "It needs Debian's python3-numpy and python3-scipy.";

    private static int AdamStep(int steps, string python)
    {
        if (steps <= 0) throw new ArgumentException($"--steps must be positive, got {steps}.");
        string script = Path.Combine(AppContext.BaseDirectory, "benchmarks", "pytorch_burgers_step.py");
        if (!File.Exists(script)) throw new IOException($"The PyTorch reference script is missing: {script}.");
        RequireReference(python, "PyTorch", TorchHint, "torch");
        Console.WriteLine("Adam step, Burgers deepxde preset (MLP [2, 20, 20, 20, 1] tanh, 2540 + 80 + 160 points, float32)");
        Console.WriteLine("threads  autograd ms/step  taylor ms/step  pytorch ms/step  ratio autograd/pytorch  ratio taylor/pytorch");
        foreach (int threads in new[] { 1, 2 })
        {
            double autograd = PhysisStep(threads, steps, new AutogradEngine());
            double taylor = PhysisStep(threads, steps, new TaylorEngine());
            double reference = PyTorchStep(python, script, threads, steps);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{threads,7}  {autograd,16:F2}  {taylor,14:F2}  {reference,15:F2}  {autograd / reference,22:F2}  {taylor / reference,20:F2}"));
        }
        return 0;
    }

    private static Command FnoCommand()
    {
        var epochs = new Option<int>("--epochs")
        {
            Description = "Timed epochs per measurement (after one warm-up epoch).",
            DefaultValueFactory = _ => 2,
        };
        var samples = new Option<int>("--samples")
        {
            Description = "Training samples per epoch (the benchmark uses 1000).",
            DefaultValueFactory = _ => 1000,
        };
        var resolution = new Option<int>("--resolution") { Description = "Grid points.", DefaultValueFactory = _ => 1024 };
        var modes = new Option<int>("--modes") { Description = "Fourier modes.", DefaultValueFactory = _ => 16 };
        var width = new Option<int>("--width") { Description = "Channel width.", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size.", DefaultValueFactory = _ => 20 };
        var threads = new Option<string>("--threads") { Description = "Thread counts to compare at, e.g. 1,2.", DefaultValueFactory = _ => "1,2" };
        var python = new Option<string>("--python")
        {
            Description = "Python interpreter with PyTorch (Debian's python3-torch).",
            DefaultValueFactory = _ => "/usr/bin/python3",
        };
        var repeats = new Option<int>("--repeats")
        {
            Description = "Alternating Physis/PyTorch measurements per thread count; the fastest of each is reported (robust to other load).",
            DefaultValueFactory = _ => 3,
        };
        var fno = new Command("fno",
            "Time training epochs of the 1D Burgers FNO (Adam, weight decay, relative L2 loss) in Physis and in plain PyTorch, "
            + "and print the ratio.")
        {
            epochs, samples, resolution, modes, width, batch, threads, python, repeats,
        };
        fno.SetAction(parse => CliErrors.Run(() =>
        {
            int e = parse.GetValue(epochs), n = parse.GetValue(samples), r = parse.GetValue(resolution), m = parse.GetValue(modes),
                w = parse.GetValue(width), b = parse.GetValue(batch);
            int repeatCount = parse.GetValue(repeats);
            if (e <= 0 || n <= 0 || b <= 0 || w <= 0 || m <= 0 || repeatCount <= 0)
                throw new ArgumentException("--epochs, --samples, --batch, --width, --modes and --repeats must be positive.");
            if (r < 2 * m) throw new ArgumentException($"--resolution {r} cannot resolve {m} modes; use at least {2 * m}.");
            int[] threadCounts = TrainOperatorCommand.ParseList(parse.GetValue(threads), "--threads")!;
            string script = Path.Combine(AppContext.BaseDirectory, "benchmarks", "pytorch_fno_epoch.py");
            RequireReference(parse.GetValue(python)!, "PyTorch", TorchHint, "torch");
            Console.WriteLine($"FNO training epoch, 1D Burgers shape: {n} samples x {r} points, modes {m}, "
                + $"width {w}, 4 layers, batch {b}, Adam + weight decay, float32");
            Console.WriteLine($"fastest of {repeatCount} alternating measurements each");
            Console.WriteLine("threads  physis s/epoch  pytorch s/epoch  ratio physis/pytorch");
            foreach (int t in threadCounts)
            {
                double physis = double.MaxValue, reference = double.MaxValue;
                for (int i = 0; i < repeatCount; i++)
                {
                    physis = Math.Min(physis, PhysisFnoEpoch(t, e, n, r, m, w, b));
                    reference = Math.Min(reference, RunReference(parse.GetValue(python)!, "PyTorch", TorchHint,
                        [script, .. new[] { t, e, n, r, m, w, b }.Select(v => v.ToString(CultureInfo.InvariantCulture))])
                        .GetProperty("seconds_per_epoch").GetDouble());
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{t,7}  {physis,14:F3}  {reference,15:F3}  {physis / reference,20:F2}"));
            }
            return 0;
        }));
        return fno;
    }

    /// <summary>Seconds per training epoch of OperatorTrainer on smooth random periodic fields (the same kind of data the reference draws).</summary>
    private static double PhysisFnoEpoch(int threads, int epochs, int samples, int resolution, int modes, int width, int batch)
    {
        TensorEngine.Configure(threads);
        var random = new Random(0);
        double[] Fields()
        {
            var values = new double[samples * resolution];
            for (int s = 0; s < samples; s++)
                for (int k = 1; k <= 8; k++)
                {
                    double a = random.NextDouble() * 2 - 1;
                    for (int j = 0; j < resolution; j++) values[s * resolution + j] += a / k * Math.Sin(2 * Math.PI * k * j / resolution);
                }
            return values;
        }
        double[] grid = [.. Enumerable.Range(0, resolution).Select(j => j / (double)resolution)];
        var data = new OperatorDataset(Fields(), Fields(), samples, [grid]);
        var settings = new OperatorTrainingSettings { Epochs = epochs + 1, BatchSize = batch };
        using var model = new OperatorModel(new OperatorModelSpec
        {
            Architecture = new FnoSettings { Modes = [modes], Width = width },
            InputNormaliser = GaussianNormaliser.Fit(data.Inputs),
            OutputNormaliser = GaussianNormaliser.Fit(data.Targets),
            TrainingGrid = data.Grid,
        });
        using var trainer = new OperatorTrainer(model, data, null, settings);
        trainer.Train();
        return trainer.History.Skip(1).Average(r => r.Seconds);
    }

    private static double PhysisStep(int threads, int steps, IDifferentiationEngine engine)
    {
        TensorEngine.Configure(threads);
        var catalog = new BurgersProblem();
        var settings = catalog.Presets["deepxde"];
        var problem = catalog.Create();
        using var network = PinnRun.CreateNetwork(problem, settings, seed: 0, settings.DType, transform: null);
        using var trainer = new PinnTrainer(problem, network, settings.Sampling, new TrainerOptions { Engine = engine });
        trainer.Train(new AdamPhase(20, settings.Schedule.LearningRate));
        var clock = Stopwatch.StartNew();
        trainer.Train(new AdamPhase(steps, settings.Schedule.LearningRate));
        return clock.Elapsed.TotalMilliseconds / steps;
    }

    private static double PyTorchStep(string python, string script, int threads, int steps) =>
        RunReference(python, "PyTorch", TorchHint,
            script, threads.ToString(CultureInfo.InvariantCulture), steps.ToString(CultureInfo.InvariantCulture))
            .GetProperty("ms_per_step").GetDouble();

    /// <summary>Runs a Python reference script and returns the JSON object on the last line of its output.</summary>
    private static JsonElement RunReference(string python, string name, string hint, params string[] arguments)
    {
        if (!File.Exists(arguments[0])) throw new IOException($"The {name} reference script is missing: {arguments[0]}.");
        string output = RunPython(python, name, hint, arguments);
        using var json = JsonDocument.Parse(output.Trim().Split('\n').Last());
        return json.RootElement.Clone();
    }

    /// <summary>
    /// Checks, before anything is timed, that the reference interpreter starts and imports its modules: a missing
    /// interpreter must not cost the minutes of the Physis half first.
    /// </summary>
    private static void RequireReference(string python, string name, string hint, string modules) =>
        RunPython(python, name, hint, "-c", $"import {modules}");

    /// <summary>Runs the interpreter and returns its standard output; a failure to start or a non-zero exit is one clear error.</summary>
    private static string RunPython(string python, string name, string hint, params string[] arguments)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in arguments) start.ArgumentList.Add(a);
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new IOException($"Cannot run {python} ({e.Message}). {hint} Or pass --python.", e); }
        using (process)
        {
            var error = process.StandardError.ReadToEndAsync();
            string output = process.StandardOutput.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0)
                throw new IOException($"The {name} reference failed (exit {process.ExitCode}): "
                    + $"{error.Result.Trim().Split('\n').LastOrDefault()}. {hint}");
            return output;
        }
    }

    private static Command CreateDataset()
    {
        var python = new Option<string>("--python")
        {
            Description = "Python interpreter with NumPy and SciPy (Debian's python3-numpy, python3-scipy).",
            DefaultValueFactory = _ => "/usr/bin/python3",
        };
        var samples = new Option<int>("--samples")
        {
            Description = "Samples timed in each solver (after one warm-up sample).",
            DefaultValueFactory = _ => 32,
        };
        var resolution = new Option<int>("--resolution") { Description = "Burgers grid points.", DefaultValueFactory = _ => 1024 };
        var workers = new Option<int>("--workers")
        {
            Description = "Workers for the whole-run measurement (default: all cores).",
            DefaultValueFactory = _ => Environment.ProcessorCount,
        };
        var output = new Option<string>("--out")
        {
            Description = "JSON file for the figures.",
            DefaultValueFactory = _ => Path.Combine("runs", "bench-dataset.json"),
        };
        var dataset = new Command("dataset",
            "Generate Burgers dataset samples (FNO setup) in Physis and solve the same initial conditions with a plain NumPy/SciPy ETDRK4 "
            + "reference; print samples/s of both, the per-core ratio and the largest difference.")
        {
            samples, resolution, workers, output, python,
        };
        dataset.SetAction(parse => CliErrors.Run(() => DatasetBenchmark(parse.GetValue(samples), parse.GetValue(resolution),
            parse.GetValue(workers), parse.GetValue(python)!, parse.GetValue(output)!)));
        return dataset;
    }

    private static Command CreateRecycling()
    {
        var systems = new Option<int>("--systems")
        {
            Description = "Darcy systems in the sequence (seeded random coefficients 12 / 3).",
            DefaultValueFactory = _ => 32,
        };
        var resolution = new Option<int>("--resolution") { Description = "Grid points per side.", DefaultValueFactory = _ => 85 };
        var seed = new Option<int>("--seed") { Description = "Seed of the coefficient fields.", DefaultValueFactory = _ => 0 };
        var recycling = new Command("recycling",
            "Solve a sequence of Darcy systems with and without Krylov subspace recycling (plain CG and multigrid PCG) and print the speed-up.")
        {
            systems, resolution, seed,
        };
        recycling.SetAction(parse => CliErrors.Run(() =>
        {
            int n = parse.GetValue(resolution), count = parse.GetValue(systems);
            if (n < 5) throw new ArgumentException($"--resolution must be at least 5, got {n}.");
            if (count < 2) throw new ArgumentException($"--systems must be at least 2 (recycling needs earlier solves), got {count}.");
            Console.Write(RecyclingBenchmark.Run(count, n, parse.GetValue(seed)));
            return 0;
        }));
        return recycling;
    }

    private static int DatasetBenchmark(int samples, int resolution, int workers, string python, string output)
    {
        if (samples <= 0) throw new ArgumentException($"--samples must be positive, got {samples}.");
        if (workers <= 0) throw new ArgumentException($"--workers must be positive, got {workers}.");
        var generator = new BurgersDataset(resolution);
        string script = Path.Combine(AppContext.BaseDirectory, "benchmarks", "burgers_dataset_numpy.py");
        if (!File.Exists(script)) throw new IOException($"The NumPy reference script is missing: {script}.");
        RequireReference(python, "NumPy/SciPy", NumPyHint, "numpy, scipy");
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"Burgers dataset (FNO setup, nu = {BurgersDataset.Viscosity}), resolution {resolution}, "
            + $"ETDRK4 dt = {BurgersDataset.TimeStep} to t = 1, {samples} samples"));

        // Per core: one worker solving samples one after another, as the NumPy reference does.
        var solve = generator.CreateSolver();
        var input = new double[samples * resolution];
        var solution = new double[samples * resolution];
        solve(SampleSeed.Random(0, 0), input.AsSpan(0, resolution), solution.AsSpan(0, resolution));
        // CPU time as well as wall time: on a shared machine other jobs stretch wall times, CPU time much less.
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        var clock = Stopwatch.StartNew();
        for (int i = 0; i < samples; i++)
            solve(SampleSeed.Random(0, i), input.AsSpan(i * resolution, resolution), solution.AsSpan(i * resolution, resolution));
        double physis = samples / clock.Elapsed.TotalSeconds;
        double physisCpu = samples / (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;

        string folder = Path.Combine(Path.GetTempPath(), $"physis-bench-{Guid.NewGuid():N}");
        Directory.CreateDirectory(folder);
        try
        {
            string inputs = Path.Combine(folder, "inputs.npy"), outputs = Path.Combine(folder, "outputs.npy");
            Npy.Write(inputs, NpyArray.FromDoubles(input, samples, resolution));
            var reference = RunReference(python, "NumPy/SciPy", NumPyHint, script, inputs, outputs,
                "--nu", BurgersDataset.Viscosity.ToString("R", CultureInfo.InvariantCulture),
                "--dt", BurgersDataset.TimeStep.ToString("R", CultureInfo.InvariantCulture), "--fft", "scipy");
            double numpy = reference.GetProperty("samples_per_second").GetDouble();
            double numpyCpu = reference.GetProperty("samples_per_cpu_second").GetDouble();
            var numpySolution = Npy.Read(outputs).ToDoubles();
            double difference = solution.Zip(numpySolution, (a, b) => Math.Abs(a - b)).Max();

            // The whole machine: the generate command's path, workers in parallel, HDF5 chunk files and the final file.
            var run = DatasetGeneration.Run(generator, Path.Combine(folder, "burgers.h5"), samples, 0, Shard.Whole, workers);
            double whole = samples / run.Elapsed.TotalSeconds;

            Console.WriteLine("solver                                  samples/s  samples per CPU-second");
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"physis, 1 worker                        {physis,9:F2}  {physisCpu,9:F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"numpy/scipy, 1 thread                   {numpy,9:F2}  {numpyCpu,9:F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"physis generate, {workers} workers, with HDF5  {whole,9:F2}"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"per-core ratio physis/numpy: {physisCpu / numpyCpu:F2} by CPU time, {physis / numpy:F2} by wall time"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"max |u_physis - u_numpy| at t = 1: {difference:E2}"));
            AtomicFile.WriteAllText(output, JsonSerializer.Serialize(new
            {
                benchmark = "burgers-dataset",
                resolution,
                samples,
                dt = BurgersDataset.TimeStep,
                physis_samples_per_second_1_worker = physis,
                numpy_samples_per_second_1_thread = numpy,
                physis_samples_per_cpu_second = physisCpu,
                numpy_samples_per_cpu_second = numpyCpu,
                per_core_ratio_cpu_time = physisCpu / numpyCpu,
                per_core_ratio_wall_time = physis / numpy,
                workers,
                physis_generate_samples_per_second = whole,
                max_abs_difference = difference,
            }, new JsonSerializerOptions { WriteIndented = true }));
            Console.WriteLine($"wrote {output}");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
        return 0;
    }
}
