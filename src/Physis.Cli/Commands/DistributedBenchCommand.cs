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
        var steps = new Option<int>("--steps") { Description = "Adam steps of the Burgers PINN per run.", DefaultValueFactory = _ => 60 };
        var output = new Option<string>("--out")
        {
            Description = "Folder for bench.csv and bench.md.",
            DefaultValueFactory = _ => Path.Combine("bench", "distributed"),
        };
        // Internal: the parent starts each run as `mpiexec.mpich -n R physis bench distributed --one-cell W --out FILE`.
        var oneCell = new Option<string?>("--one-cell") { Hidden = true };
        var repeat = new Option<int>("--repeat") { Hidden = true };
        var command = new Command("distributed",
            "Time per step of the Burgers PINN trained data-parallel on 1, 2, ... MPI ranks (one thread each), "
            + "with the speed-up, efficiency, communication share and a model's prediction for 8 and 64 ranks.")
        {
            ranks, repeats, steps, output, oneCell, repeat,
        };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            int stepCount = parse.GetValue(steps), repeatCount = parse.GetValue(repeats);
            if (stepCount < 5) throw new ArgumentException($"--steps must be at least 5 (two are warm-up), got {stepCount}.");
            if (repeatCount < 1) throw new ArgumentException($"--repeats must be at least 1, got {repeatCount}.");
            string folder = parse.GetValue(output)!;
            if (parse.GetValue(oneCell) is { } workload)
            {
                TensorEngine.Configure(1);
                var communicator = Distribution.Start(requested: true);
                var cell = workload == DistributedBenchmark.Pinn
                    ? DistributedBenchmark.MeasurePinn(communicator, stepCount, parse.GetValue(repeat))
                    : throw new ArgumentException($"Unknown workload '{workload}'.");
                if (communicator.IsRoot) AtomicFile.WriteAllText(folder, DistributedBenchmark.ToJson(cell));
                return 0;
            }
            var counts = TrainOperatorCommand.ParseList(parse.GetValue(ranks), "--ranks")!;
            if (counts.Any(r => r > TensorEngine.MaxThreads))
                throw new ArgumentException($"--ranks must each be at most {TensorEngine.MaxThreads} on this machine, got {parse.GetValue(ranks)}.");
            RequireLauncher();
            var cells = new List<DistributedCell>();
            for (int r = 0; r < repeatCount; r++)
                foreach (int count in counts)
                {
                    var cell = CellUnderMpi(DistributedBenchmark.Pinn, count, stepCount, r);
                    cells.Add(cell);
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{cell.Workload}, {count} rank(s), run {r + 1}: {cell.SecondsPerStep * 1e3:F2} ms per step, "
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
    private static DistributedCell CellUnderMpi(string workload, int ranks, int steps, int repeat)
    {
        string result = Path.Combine(Path.GetTempPath(), $"physis-distributed-cell-{Guid.NewGuid():N}.json");
        try
        {
            var start = new ProcessStartInfo(Launcher) { UseShellExecute = false };
            foreach (var argument in new[] { "-n", Invariant(ranks), Environment.ProcessPath! }) start.ArgumentList.Add(argument);
            // Run through `dotnet Physis.Cli.dll` the path of the entry assembly comes first; as the physis executable it does not.
            if (Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet")
                start.ArgumentList.Add(typeof(DistributedBenchCommand).Assembly.Location);
            foreach (var argument in new[]
            {
                "bench", "distributed", "--one-cell", workload, "--steps", Invariant(steps), "--repeat", Invariant(repeat), "--out", result,
            })
                start.ArgumentList.Add(argument);
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
