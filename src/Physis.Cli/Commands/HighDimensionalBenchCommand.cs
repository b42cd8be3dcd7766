using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using Physis.Differentiation;
using Physis.Infrastructure;
using Physis.Suite.Benchmarks;

namespace Physis.Cli.Commands;

/// <summary>`physis bench highdim`: the SDGD/STDE ball problems against the dimension, one row per dimension and estimator.</summary>
internal static class HighDimensionalBenchCommand
{
    public static Command Create()
    {
        var problem = new Option<string>("--problem")
        {
            Description = "A ball problem: allen-cahn-twobody, poisson-twobody, sine-gordon-twobody or a threebody one.",
            DefaultValueFactory = _ => "allen-cahn-twobody",
        };
        var dimensions = new Option<string>("--dimensions")
        {
            Description = "Comma-separated dimensions.",
            DefaultValueFactory = _ => "10,100,1000,10000,100000",
        };
        var estimators = new Option<string>("--estimators")
        {
            Description = "Comma-separated estimators: exact, sdgd, hutchinson, stde-sparse, stde-dense.",
            DefaultValueFactory = _ => "exact,sdgd,hutchinson,stde-sparse,stde-dense",
        };
        var directions = new Option<int>("--directions")
        {
            Description = "Coordinates or probes per step of the stochastic estimators.",
            DefaultValueFactory = _ => 16,
        };
        var steps = new Option<int>("--steps") { Description = "Steps timed per cell (timing only).", DefaultValueFactory = _ => 20 };
        var train = new Option<int>("--train-steps")
        {
            Description = "Train every cell this many steps and report its error at the end (0: timing only).",
        };
        var budget = new Option<double>("--cell-seconds")
        {
            Description = "Skip a cell predicted to take longer than this (from the same estimator at the last dimension).",
            DefaultValueFactory = _ => 600,
        };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out")
        {
            Description = "Folder for bench.csv and bench.md (`physis bench report --from` renders them).",
            DefaultValueFactory = _ => Path.Combine("bench", "highdim"),
        };
        // Internal: the parent runs each cell as `bench highdim --one-cell` in a process of its own, for its own peak memory.
        var oneCell = new Option<bool>("--one-cell") { Hidden = true };
        var command = new Command("highdim",
            "Seconds per step, peak memory and error of the high-dimensional ball problems for each dimension and Laplacian estimator.")
        {
            problem, dimensions, estimators, directions, steps, train, budget, threads, output, oneCell,
        };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            var options = new HighDimensionalBenchmarkOptions(parse.GetValue(problem)!, ParseDimensions(parse.GetValue(dimensions)!),
                ParseEstimators(parse.GetValue(estimators)!), parse.GetValue(directions), parse.GetValue(steps), parse.GetValue(train),
                parse.GetValue(budget));
            options.Validate();
            TensorEngine.Configure(parse.GetValue(threads));
            string folder = parse.GetValue(output)!;
            if (parse.GetValue(oneCell))
            {
                HighDimensionalBenchmark.Run(options, folder, Console.WriteLine);
                return 0;
            }
            HighDimensionalBenchmark.Problem(options.Problem);
            HighDimensionalBenchmark.Run(options, folder, Console.WriteLine,
                (d, kind) => CellInOwnProcess(options, d, kind, parse.GetValue(threads)));
            Console.WriteLine($"wrote {Path.Combine(Path.GetFullPath(folder), "bench.csv")} and bench.md");
            return 0;
        }));
        return command;
    }

    /// <summary>One cell by this program in a child process; its output passes through, its row comes back.</summary>
    private static string[] CellInOwnProcess(HighDimensionalBenchmarkOptions options, int d, LaplacianEstimatorKind kind, int threads)
    {
        string folder = Path.Combine(Path.GetTempPath(), $"physis-highdim-cell-{Guid.NewGuid():N}");
        try
        {
            var start = ThisProgram.With(
            [
                "bench", "highdim", "--one-cell", "--problem", options.Problem, "--dimensions", Invariant(d),
                "--estimators", LaplacianEstimatorNames.Name(kind),
                "--directions", Invariant(options.Directions), "--steps", Invariant(options.TimingSteps),
                "--train-steps", Invariant(options.TrainSteps), "--threads", Invariant(threads), "--out", folder,
            ]);
            using var child = Process.Start(start) ?? throw new IOException("Could not start a benchmark cell process.");
            child.WaitForExit();
            if (child.ExitCode != 0)
                throw new IOException($"The cell d = {d}, {LaplacianEstimatorNames.Name(kind)} failed with exit code {child.ExitCode}.");
            return HighDimensionalBenchmark.ReadRow(folder);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static int[] ParseDimensions(string text) => text.Split(',', StringSplitOptions.TrimEntries).Select(part =>
        int.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var d) && d > 0
            ? d
            : throw new ArgumentException($"--dimensions takes positive comma-separated whole numbers such as 10,100,1000; got '{text}'.")).ToArray();

    private static LaplacianEstimatorKind[] ParseEstimators(string text) =>
        text.Split(',', StringSplitOptions.TrimEntries).Select(part => LaplacianEstimatorNames.Parse(part, "--estimators")).ToArray();
}
