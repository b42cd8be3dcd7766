using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Physis.Data;
using Physis.Networks;
using Physis.Networks.Operators;
using Physis.Problems.Catalog;
using Physis.Training;
using Physis.Training.Operators;
using static TorchSharp.torch;

namespace Physis.Cli.Commands;

internal static class BenchCommand
{
    public static Command Create()
    {
        var command = new Command("bench", "Benchmarks that compare Physis with a reference run in the same command.");
        var steps = new Option<int>("--steps") { Description = "Timed steps per measurement (after 20 warm-up steps).", DefaultValueFactory = _ => 300 };
        var python = new Option<string>("--python") { Description = "Python interpreter with PyTorch (Debian's python3-torch).", DefaultValueFactory = _ => "/usr/bin/python3" };
        var step = new Command("step", "Time one Adam step of the deepxde Burgers preset in Physis and in plain PyTorch, at 1 and 2 threads, and print the ratio.") { steps, python };
        step.SetAction(parse => CliErrors.Run(() => AdamStep(parse.GetValue(steps), parse.GetValue(python)!)));
        command.Subcommands.Add(step);
        command.Subcommands.Add(FnoCommand());
        return command;
    }

    private static int AdamStep(int steps, string python)
    {
        if (steps <= 0) throw new ArgumentException($"--steps must be positive, got {steps}.");
        string script = Path.Combine(AppContext.BaseDirectory, "benchmarks", "pytorch_burgers_step.py");
        if (!File.Exists(script)) throw new IOException($"The PyTorch reference script is missing: {script}.");
        Console.WriteLine("Adam step, Burgers deepxde preset (MLP [2, 20, 20, 20, 1] tanh, 2540 + 80 + 160 points, float32)");
        Console.WriteLine("threads  physis ms/step  pytorch ms/step  ratio physis/pytorch");
        foreach (int threads in new[] { 1, 2 })
        {
            double physis = PhysisStep(threads, steps);
            double reference = PyTorchStep(python, script, threads, steps);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{threads,7}  {physis,14:F2}  {reference,15:F2}  {physis / reference,20:F2}"));
        }
        return 0;
    }

    private static Command FnoCommand()
    {
        var epochs = new Option<int>("--epochs") { Description = "Timed epochs per measurement (after one warm-up epoch).", DefaultValueFactory = _ => 2 };
        var samples = new Option<int>("--samples") { Description = "Training samples per epoch (the benchmark uses 1000).", DefaultValueFactory = _ => 1000 };
        var resolution = new Option<int>("--resolution") { Description = "Grid points.", DefaultValueFactory = _ => 1024 };
        var modes = new Option<int>("--modes") { Description = "Fourier modes.", DefaultValueFactory = _ => 16 };
        var width = new Option<int>("--width") { Description = "Channel width.", DefaultValueFactory = _ => 64 };
        var batch = new Option<int>("--batch") { Description = "Mini-batch size.", DefaultValueFactory = _ => 20 };
        var threads = new Option<string>("--threads") { Description = "Thread counts to compare at, e.g. 1,2.", DefaultValueFactory = _ => "1,2" };
        var python = new Option<string>("--python") { Description = "Python interpreter with PyTorch (Debian's python3-torch).", DefaultValueFactory = _ => "/usr/bin/python3" };
        var repeats = new Option<int>("--repeats") { Description = "Alternating Physis/PyTorch measurements per thread count; the fastest of each is reported (robust to other load).", DefaultValueFactory = _ => 3 };
        var fno = new Command("fno", "Time training epochs of the 1D Burgers FNO (Adam, weight decay, relative L2 loss) in Physis and in plain PyTorch, and print the ratio.")
        {
            epochs, samples, resolution, modes, width, batch, threads, python, repeats,
        };
        fno.SetAction(parse => CliErrors.Run(() =>
        {
            int e = parse.GetValue(epochs), n = parse.GetValue(samples), r = parse.GetValue(resolution), m = parse.GetValue(modes), w = parse.GetValue(width), b = parse.GetValue(batch);
            int repeatCount = parse.GetValue(repeats);
            if (e <= 0 || n <= 0 || b <= 0 || w <= 0 || m <= 0 || repeatCount <= 0) throw new ArgumentException("--epochs, --samples, --batch, --width, --modes and --repeats must be positive.");
            if (r < 2 * m) throw new ArgumentException($"--resolution {r} cannot resolve {m} modes; use at least {2 * m}.");
            int[] threadCounts = TrainOperatorCommand.ParseList(parse.GetValue(threads), "--threads")!;
            string script = Path.Combine(AppContext.BaseDirectory, "benchmarks", "pytorch_fno_epoch.py");
            Console.WriteLine($"FNO training epoch, 1D Burgers shape: {n} samples x {r} points, modes {m}, width {w}, 4 layers, batch {b}, Adam + weight decay, float32");
            Console.WriteLine($"fastest of {repeatCount} alternating measurements each");
            Console.WriteLine("threads  physis s/epoch  pytorch s/epoch  ratio physis/pytorch");
            foreach (int t in threadCounts)
            {
                double physis = double.MaxValue, reference = double.MaxValue;
                for (int i = 0; i < repeatCount; i++)
                {
                    physis = Math.Min(physis, PhysisFnoEpoch(t, e, n, r, m, w, b));
                    reference = Math.Min(reference, RunReference(parse.GetValue(python)!, script, [t, e, n, r, m, w, b]).GetProperty("seconds_per_epoch").GetDouble());
                }
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{t,7}  {physis,14:F3}  {reference,15:F3}  {physis / reference,20:F2}"));
            }
            return 0;
        }));
        return fno;
    }

    /// <summary>Seconds per training epoch of OperatorTrainer on smooth random periodic fields (the same kind of data the reference draws).</summary>
    private static double PhysisFnoEpoch(int threads, int epochs, int samples, int resolution, int modes, int width, int batch)
    {
        set_num_threads(threads);
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
            Kind = "fno",
            Fno = new FnoSettings { Modes = [modes], Width = width },
            InputNormaliser = GaussianNormaliser.Fit(data.Inputs),
            OutputNormaliser = GaussianNormaliser.Fit(data.Targets),
            TrainingGrid = data.Grid,
        });
        using var trainer = new OperatorTrainer(model, data, null, settings);
        trainer.Train();
        return trainer.History.Skip(1).Average(r => r.Seconds);
    }

    private static double PhysisStep(int threads, int steps)
    {
        set_num_threads(threads);
        var catalog = new BurgersProblem();
        var settings = catalog.Presets["deepxde"];
        using var network = new Mlp(2, settings.Hidden, 1, settings.Activation, settings.Initializer, seed: 0);
        using var trainer = new PinnTrainer(catalog.Create(), network,
            new Sampling(settings.DomainPoints, settings.BoundaryPoints, settings.InitialPoints, settings.SamplingMethod));
        trainer.Train(new AdamPhase(20, settings.LearningRate));
        var clock = Stopwatch.StartNew();
        trainer.Train(new AdamPhase(steps, settings.LearningRate));
        return clock.Elapsed.TotalMilliseconds / steps;
    }

    private static double PyTorchStep(string python, string script, int threads, int steps) =>
        RunReference(python, script, [threads, steps]).GetProperty("ms_per_step").GetDouble();

    /// <summary>Runs a reference script and returns the JSON object on its last line of output.</summary>
    private static JsonElement RunReference(string python, string script, IEnumerable<int> arguments)
    {
        if (!File.Exists(script)) throw new IOException($"The PyTorch reference script is missing: {script}.");
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        start.ArgumentList.Add(script);
        foreach (int a in arguments) start.ArgumentList.Add(a.ToString(CultureInfo.InvariantCulture));
        Process process;
        try { process = Process.Start(start)!; }
        catch (System.ComponentModel.Win32Exception e) { throw new IOException($"Cannot run {python} ({e.Message}). Install Debian's python3-torch and libopenblas0, or pass --python.", e); }
        using (process)
        {
            string output = process.StandardOutput.ReadToEnd();
            string error = process.StandardError.ReadToEnd();
            process.WaitForExit();
            if (process.ExitCode != 0) throw new IOException($"The PyTorch reference failed (exit {process.ExitCode}): {error.Trim().Split('\n').LastOrDefault()}. It needs Debian's python3-torch.");
            using var json = JsonDocument.Parse(output.Trim().Split('\n').Last());
            return json.RootElement.Clone();
        }
    }
}
