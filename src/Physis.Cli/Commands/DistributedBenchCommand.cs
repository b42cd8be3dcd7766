using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Physis.Infrastructure;
using Physis.Suite.Benchmarks;

namespace Physis.Cli.Commands;

/// <summary>
/// `physis bench distributed`: each workload on 1, 2, ... ranks under mpiexec.mpich, the rank counts interleaved and
/// repeated, because a shared machine's noise drifts; one table with the speed-up, efficiency and communication share.
/// </summary>
internal static class DistributedBenchCommand
{
    private const string Launcher = "mpiexec.mpich";

    public static Command Create()
    {
        var ranks = new Option<string>("--ranks") { Description = "Comma-separated rank counts, one thread each.", DefaultValueFactory = _ => "1,2" };
        var repeats = new Option<int>("--repeats") { Description = "Runs of each workload and rank count.", DefaultValueFactory = _ => 3 };
        var steps = new Option<int>("--steps")
        {
            // Enough that the runtime's tiered compilation has finished for most of them: on two cores its background
            // compiler has no idle core to run on beside two ranks.
            Description = "Adam steps of the Burgers PINN per run.",
            DefaultValueFactory = _ => 300,
        };
        var epochs = new Option<int>("--epochs")
        {
            Description = $"Epochs of the Burgers FNO per run ({DistributedBenchmark.FnoTrain} samples; the first is warm-up).",
            DefaultValueFactory = _ => 4,
        };
        var workloads = new Option<string>("--workloads")
        {
            Description = $"Comma-separated: {DistributedBenchmark.Pinn}, {DistributedBenchmark.Fno}.",
            DefaultValueFactory = _ => $"{DistributedBenchmark.Pinn},{DistributedBenchmark.Fno}",
        };
        var output = new Option<string>("--out")
        {
            Description = "Folder for bench.csv and bench.md.",
            DefaultValueFactory = _ => Path.Combine("bench", "distributed"),
        };
        // Internal: the parent starts each run as `mpiexec.mpich -n R physis bench distributed --one-cell W --out FILE`.
        var oneCell = new Option<string?>("--one-cell") { Hidden = true };
        var repeat = new Option<int>("--repeat") { Hidden = true };
        var data = new Option<string?>("--data") { Hidden = true };
        var command = new Command("distributed",
            "Time per step of the Burgers PINN and per epoch of the Burgers FNO trained data-parallel on 1, 2, ... MPI ranks (one thread each), "
            + "with the speed-up, efficiency, communication share and a model's prediction for 8 and 64 ranks.")
        {
            ranks, repeats, steps, epochs, workloads, output, oneCell, repeat, data,
        };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            int stepCount = parse.GetValue(steps), repeatCount = parse.GetValue(repeats), epochCount = parse.GetValue(epochs);
            if (stepCount < 5) throw new ArgumentException($"--steps must be at least 5 (two are warm-up), got {stepCount}.");
            if (epochCount < 2) throw new ArgumentException($"--epochs must be at least 2 (the first is warm-up), got {epochCount}.");
            if (repeatCount < 1) throw new ArgumentException($"--repeats must be at least 1, got {repeatCount}.");
            string folder = parse.GetValue(output)!;
            if (parse.GetValue(oneCell) is { } workload)
            {
                TensorEngine.Configure(1);
                var communicator = Distribution.Start(requested: true);
                var cell = workload == DistributedBenchmark.Pinn
                    ? DistributedBenchmark.MeasurePinn(communicator, stepCount, parse.GetValue(repeat))
                    : DistributedBenchmark.MeasureFno(communicator, parse.GetValue(data)!, epochCount, parse.GetValue(repeat));
                if (communicator.IsRoot) AtomicFile.WriteAllText(folder, DistributedBenchmark.ToJson(cell));
                return 0;
            }
            var counts = TrainOperatorCommand.ParseList(parse.GetValue(ranks), "--ranks")!;
            if (counts.Any(r => r > TensorEngine.MaxThreads))
                throw new ArgumentException($"--ranks must each be at most {TensorEngine.MaxThreads} on this machine, got {parse.GetValue(ranks)}.");
            string[] known = [DistributedBenchmark.Pinn, DistributedBenchmark.Fno];
            var chosen = parse.GetValue(workloads)!.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
            if (chosen.Length == 0 || chosen.FirstOrDefault(w => !known.Contains(w)) is { } unknown && unknown is not null)
                throw new ArgumentException($"--workloads takes {string.Join(" and ", known)}; got '{parse.GetValue(workloads)}'.");
            RequireLauncher();
            string dataFile = Path.Combine(Path.GetTempPath(), "physis-bench-distributed",
                $"burgers_{DistributedBenchmark.FnoTrain + DistributedBenchmark.FnoTest}.h5");
            if (chosen.Contains(DistributedBenchmark.Fno)) DistributedBenchmark.GenerateFnoData(dataFile);
            string[] budget = ["--steps", Invariant(stepCount), "--epochs", Invariant(epochCount), "--data", dataFile];
            var cells = new List<DistributedCell>();
            for (int r = 0; r < repeatCount; r++)
                foreach (string name in chosen)
                    foreach (int count in counts)
                    {
                        var cell = CellUnderMpi(name, count, r, budget);
                        cells.Add(cell);
                        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                            $"{cell.Workload}, {count} rank(s), run {r + 1}: {cell.SecondsPerStep * 1e3:F2} ms per {cell.Unit}, "
                            + $"communication {cell.CommunicationShare:P1}"));
                    }
            DistributedBenchmark.Write(folder, cells);
            Console.WriteLine($"wrote {Path.Combine(Path.GetFullPath(folder), "bench.csv")} and bench.md");
            return 0;
        }));
        return command;
    }

    private static void RequireLauncher()
    {
        try
        {
            var version = new ProcessStartInfo(Launcher, "--version") { RedirectStandardOutput = true, RedirectStandardError = true };
            using var probe = Process.Start(version);
            probe?.WaitForExit();
        }
        catch (System.ComponentModel.Win32Exception)
        {
            throw new ArgumentException($"bench distributed starts its runs with {Launcher}, which is not installed: apt-get install mpich.");
        }
    }

    /// <summary>One run of <paramref name="workload"/> on <paramref name="ranks"/> ranks in a job of its own.</summary>
    private static DistributedCell CellUnderMpi(string workload, int ranks, int repeat, string[] options)
    {
        string result = Path.Combine(Path.GetTempPath(), $"physis-distributed-cell-{Guid.NewGuid():N}.json");
        try
        {
            var start = ThisProgram.Start([Launcher, "-n", Invariant(ranks), .. ThisProgram.Invocation(),
                "bench", "distributed", "--one-cell", workload, "--repeat", Invariant(repeat), "--out", result, .. options]);
            using var job = Process.Start(start) ?? throw new IOException($"Could not start {Launcher}.");
            job.WaitForExit();
            if (job.ExitCode != 0) throw new IOException($"The {workload} run on {ranks} rank(s) failed with exit code {job.ExitCode}.");
            return DistributedBenchmark.FromJson(File.ReadAllText(result));
        }
        finally
        {
            File.Delete(result);
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
