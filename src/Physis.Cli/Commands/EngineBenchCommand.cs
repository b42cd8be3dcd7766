using System.CommandLine;
using Physis.Differentiation;
using Physis.Infrastructure;
using Physis.Suite.Benchmarks;
using static TorchSharp.torch;

namespace Physis.Cli.Commands;

/// <summary>`physis bench engines`: Taylor mode against nested autograd over derivative sets, point counts, widths and depths.</summary>
internal static class EngineBenchCommand
{
    public static Command Create()
    {
        var points = new Option<string>("--points") { Description = "Comma-separated point counts.", DefaultValueFactory = _ => "1000,8000" };
        var widths = new Option<string>("--widths") { Description = "Comma-separated hidden widths.", DefaultValueFactory = _ => "20,64" };
        var depths = new Option<string>("--depths") { Description = "Comma-separated hidden layer counts.", DefaultValueFactory = _ => "3" };
        var precision = new Option<string>("--precision") { Description = "float32 or float64.", DefaultValueFactory = _ => "float32" };
        var repeats = new Option<int>("--repeats") { Description = "Interleaved rounds per case (medians).", DefaultValueFactory = _ => 3 };
        var steps = new Option<int>("--steps") { Description = "Steps per round.", DefaultValueFactory = _ => 5 };
        var dimensions = new Option<string>("--dimensions")
        {
            Description = "Comma-separated dimensions for the stochastic Taylor estimators along lines (16 directions, 100 points).",
            DefaultValueFactory = _ => "100,1000,10000",
        };
        var threads = new Option<int>("--threads") { Description = "Intra-op threads.", DefaultValueFactory = _ => 1 };
        var output = new Option<string>("--out")
        {
            Description = "Folder for bench.csv and bench.md.",
            DefaultValueFactory = _ => Path.Combine("bench", "engines"),
        };
        var command = new Command("engines",
            "Milliseconds per step of the derivative work with Taylor mode and with nested autograd, for each derivative set "
            + $"({string.Join("; ", EngineBenchmark.Sets.Keys)}), point count, width and depth.")
        {
            points, widths, depths, precision, repeats, steps, dimensions, threads, output,
        };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            var pointCounts = TrainOperatorCommand.ParseList(parse.GetValue(points), "--points")!;
            var widthList = TrainOperatorCommand.ParseList(parse.GetValue(widths), "--widths")!;
            var depthList = TrainOperatorCommand.ParseList(parse.GetValue(depths), "--depths")!;
            var dimensionList = TrainOperatorCommand.ParseList(parse.GetValue(dimensions), "--dimensions")!;
            if (pointCounts.Max() > 1_000_000 || widthList.Max() > 4096 || depthList.Max() > 32 || dimensionList.Max() > 1_000_000)
                throw new ArgumentException("bench engines takes at most 1,000,000 points, width 4096, depth 32 and dimension 1,000,000.");
            var dtype = parse.GetValue(precision) switch
            {
                "float32" => ScalarType.Float32,
                "float64" => ScalarType.Float64,
                var p => throw new ArgumentException($"--precision must be float32 or float64, got '{p}'."),
            };
            int repeatCount = parse.GetValue(repeats), stepCount = parse.GetValue(steps);
            if (repeatCount < 1 || stepCount < 1) throw new ArgumentException("--repeats and --steps must be at least 1.");
            TensorEngine.Configure(parse.GetValue(threads));
            var rows = new List<string[]>();
            foreach (var set in EngineBenchmark.Sets.Keys)
                foreach (int depth in depthList)
                    foreach (int width in widthList)
                        foreach (int n in pointCounts)
                        {
                            var row = EngineBenchmark.Measure(new EngineCase(set, n, width, depth), dtype, repeatCount, stepCount);
                            rows.Add(row);
                            Console.WriteLine($"{set}, {n} points, width {width}, depth {depth}: autograd {row[5]} ms, taylor {row[6]} ms "
                                + $"({row[7]}x), auto picks {row[8]}");
                        }
            var lineRows = new List<string[]>();
            foreach (var kind in new[] { LaplacianEstimatorKind.StdeSparse, LaplacianEstimatorKind.StdeDense })
                foreach (int d in dimensionList)
                {
                    var row = EngineBenchmark.MeasureLines(kind, d, 16, 100, repeatCount, stepCount);
                    lineRows.Add(row);
                    Console.WriteLine($"{row[0]}, d = {d}: nested autograd {row[4]} ms, jets {row[5]} ms ({row[6]}x)");
                }
            string folder = parse.GetValue(output)!;
            EngineBenchmark.Write(folder, rows, lineRows, get_num_threads());
            Console.WriteLine($"wrote {Path.Combine(Path.GetFullPath(folder), "bench.csv")} and bench.md");
            return 0;
        }));
        return command;
    }
}
