using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Physis.Networks;
using Physis.Problems.Catalog;
using Physis.Training;
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
        command.Subcommands.Add(CreatePinnSuite());
        return command;
    }

    private static Command CreatePinnSuite()
    {
        var quick = new Option<bool>("--quick") { Description = "Reduced iterations and points: a smoke check of the whole suite in minutes, not a measurement." };
        var problems = new Option<string?>("--problems") { Description = $"Comma-separated subset of problems (default: all of {string.Join(", ", ProblemCatalog.All.Select(p => p.Name))})." };
        var methods = new Option<string>("--methods") { Description = "Comma-separated presets to run for each problem that has them.", DefaultValueFactory = _ => "default" };
        var output = new Option<string?>("--out") { Description = "Folder for bench.md, bench.csv and one run folder per problem and method (default runs/bench, or runs/bench-quick); a re-run skips finished pairs and resumes a killed one." };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads for the tensor engine.", DefaultValueFactory = _ => 1 };
        var pinn = new Command("pinn", "Run the PINN problem suite and write bench.md and bench.csv: each problem's error next to its target and published anchor.")
        {
            quick, problems, methods, output, threads,
        };
        pinn.SetAction(parse => CliErrors.Run(() => PinnSuite(parse.GetValue(quick), parse.GetValue(problems), parse.GetValue(methods)!,
            parse.GetValue(output) ?? Path.Combine("runs", parse.GetValue(quick) ? "bench-quick" : "bench"), parse.GetValue(threads))));
        return pinn;
    }

    private static int PinnSuite(bool quick, string? problemList, string methodList, string folder, int threads)
    {
        if (threads <= 0) throw new ArgumentException($"--threads must be positive, got {threads}.");
        var selected = problemList is null ? ProblemCatalog.All : problemList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries).Select(ProblemCatalog.Find).ToList();
        var methods = methodList.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (methods.Length == 0) throw new ArgumentException("--methods names no preset.");
        foreach (var method in methods)
            if (!selected.Any(p => p.Presets.ContainsKey(method)))
                throw new ArgumentException($"No selected problem has a preset '{method}'.");
        set_num_threads(threads);

        string mode = quick ? "quick" : "full";
        var rows = new List<Physis.Training.BenchmarkRow>();
        foreach (var problem in selected)
            foreach (var method in methods.Where(problem.Presets.ContainsKey))
            {
                var settings = quick ? PinnBenchmark.Quick(problem.Presets[method]) : problem.Presets[method];
                Console.WriteLine($"{problem.Name} / {method} ({mode})");
                var progress = new ProgressDisplay(!Console.IsOutputRedirected, TimeSpan.FromSeconds(30));
                var row = PinnBenchmark.Run(problem, method, settings, Path.Combine(folder, $"{problem.Name}-{method}"), progress);
                progress.Finish();
                rows.Add(row);
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {row.Metric} {row.Value:E2} (target {row.Target?.ToString("E1", CultureInfo.InvariantCulture) ?? "report only"}) in {row.WallSeconds:F0} s"));
                PinnBenchmark.WriteTables(folder, rows, $"PINN benchmark suite ({mode} mode, {threads} thread{(threads > 1 ? "s" : "")}, {DateTime.UtcNow:yyyy-MM-dd})");
            }
        Console.WriteLine($"tables in {Path.GetFullPath(Path.Combine(folder, "bench.md"))} and bench.csv");
        return 0;
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

    private static double PyTorchStep(string python, string script, int threads, int steps)
    {
        var start = new ProcessStartInfo(python) { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { script, threads.ToString(CultureInfo.InvariantCulture), steps.ToString(CultureInfo.InvariantCulture) }) start.ArgumentList.Add(a);
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
            return json.RootElement.GetProperty("ms_per_step").GetDouble();
        }
    }
}
