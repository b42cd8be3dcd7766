using System.CommandLine;
using System.Globalization;
using Physis.Data.Datasets;
using Physis.Infrastructure.Distributed;
using Physis.Reporting;
using Physis.Training;

namespace Physis.Cli.Commands;

/// <summary><c>physis generate</c>, <c>physis merge</c> and <c>physis plot-dataset</c>: operator-learning datasets in HDF5.</summary>
internal static class GenerateCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("dataset") { Description = $"Dataset to generate: {string.Join(", ", DatasetCatalog.Names)}." };
        var samples = new Option<long?>("--samples")
        {
            Description = "Samples in the whole run (all shards together); allen-cahn and kdv are single trajectories (1).",
        };
        var resolution = new Option<int?>("--resolution")
        {
            Description = "Grid points per direction (burgers 1024, darcy 85, navier-stokes 64, allen-cahn and kdv 512 by default).",
        };
        var times = new Option<int?>("--times")
        {
            Description = "Output times (burgers 1: t = 1; navier-stokes 50: t = 1..50; allen-cahn and kdv 201 from t = 0 to 1).",
        };
        var output = new Option<string?>("--out")
        {
            Description = "HDF5 file to write (default data/DATASET.h5); a shard writes FILE.shard-i-of-n.h5 next to it.",
        };
        var seed = new Option<long>("--seed") { Description = "Run seed: sample i's input depends only on it and i.", DefaultValueFactory = _ => 0 };
        var shard = new Option<string?>("--shard")
        {
            Description = "i/n: write only shard i (from 0) of n equal parts of the samples; join them with 'physis merge'.",
        };
        var workers = new Option<int>("--workers")
        {
            Description = "Samples solved in parallel (default: all cores, shared among the ranks on this node under MPI). "
                + "Results do not depend on it.",
            DefaultValueFactory = _ => Math.Min(Environment.ProcessorCount, DatasetGeneration.MaxWorkers),
        };
        var plot = new Option<string?>("--plot")
        {
            Description = "Also draw a few samples of the written file into this PNG, or export them for ParaView to this .pvd.",
        };
        var distributed = Distribution.Option();
        var generate = new Command("generate",
            "Generate an operator-learning dataset (HDF5, PDEBench layout) with a classical solver. "
            + "A killed run resumes where it stopped when re-run with the same arguments. Under mpiexec, rank r of n generates shard r/n "
            + "and rank 0 merges the shards into the file, which equals the single-process one byte for byte.")
            { name, samples, resolution, times, output, seed, shard, workers, plot, distributed };
        generate.SetAction(parse => CliErrors.Run(() => Generate(parse.GetValue(name)!, parse.GetValue(samples), parse.GetValue(resolution),
            parse.GetValue(times), parse.GetValue(output), parse.GetValue(seed), parse.GetValue(shard),
            parse.GetResult(workers) is { Implicit: false } ? parse.GetValue(workers) : Distribution.CoresPerRank(),
            parse.GetValue(plot), Distribution.Start(parse.GetValue(distributed)))));
        return generate;
    }

    public static Command CreateMerge()
    {
        var shards = new Argument<string[]>("shards") { Description = "The shard files of one run (any order).", Arity = ArgumentArity.OneOrMore };
        var output = new Option<string>("--out") { Description = "The merged HDF5 file.", Required = true };
        var merge = new Command("merge",
            "Join the shards of one 'physis generate' run into one file; "
            + "fails, naming the sample ranges, if any are missing or duplicated.") { shards, output };
        merge.SetAction(parse => CliErrors.Run(() =>
        {
            var header = DatasetGeneration.Merge(parse.GetValue(shards)!, parse.GetValue(output)!);
            Console.WriteLine($"wrote {parse.GetValue(output)}: {header.Name}, samples [0, {header.SampleTotal})");
            return 0;
        }));
        return merge;
    }

    public static Command CreatePlot()
    {
        var file = new Argument<string>("file") { Description = "A dataset file written by 'physis generate' or 'physis merge'." };
        var output = new Option<string>("--out")
        {
            Description = $"PNG to draw, or .pvd to write for ParaView (the first {ExportedSamples} samples, one step per output time).",
            Required = true,
        };
        var plot = new Command("plot-dataset",
            "Draw a few samples of a dataset file (1D inputs and solutions as curves, 2D solutions as a heatmap) or export them for ParaView.")
            { file, output };
        plot.SetAction(parse => CliErrors.Run(() =>
        {
            string target = parse.GetValue(output)!;
            CheckPlotFile(target, "--out");
            PlotDataset(parse.GetValue(file)!, target);
            return 0;
        }));
        return plot;
    }

    /// <param name="communicator">The ranks of an MPI job: rank r generates shard r of their count and rank 0 merges them into the file.</param>
    private static int Generate(string name, long? samples, int? resolution, int? times, string? output, long seed, string? shardText, int workers,
        string? plot, Communicator communicator)
    {
        var generator = DatasetCatalog.Create(name, resolution, times);
        long count = samples
            ?? (generator.IsSingleTrajectory ? 1 : throw new ArgumentException($"--samples is required for {name} (for example --samples 1000)."));
        if (shardText is not null && communicator.IsDistributed)
            throw new ArgumentException($"--shard cannot be given to a run on {communicator.Size} MPI ranks: each rank generates its own shard.");
        var shard = shardText is not null ? Shard.Parse(shardText) : new Shard(communicator.Rank, communicator.Size);
        if (workers < 1) throw new ArgumentException($"--workers must be at least 1; got {workers}.");
        if (plot is not null) CheckPlotFile(plot, "--plot");
        string path = output ?? Path.Combine("data", $"{name}.h5");
        // A distributed run whose merged file is there already checks it as a single process would, on rank 0.
        bool merged = communicator.IsDistributed && File.Exists(path);
        if (merged) shard = Shard.Whole;
        var console = communicator.IsRoot ? Console.Out : TextWriter.Null;
        if (merged && !communicator.IsRoot) return 0;
        DatasetGeneration.EnsureFits(generator, path, count, shard, workers);

        var (start, end) = shard.Range(count);
        console.WriteLine($"{name}: samples [{start}, {end}) of {count}, grid {string.Join(" x ", generator.InputShape)}, "
            + $"{generator.TimeCoordinate.Length} output time(s), {workers} worker(s) -> {DatasetGeneration.ShardPath(path, shard)}");
        var display = new GenerationDisplay(!Console.IsOutputRedirected, console);
        // First Ctrl+C: stop after the samples in flight (finished chunks stay for a resume); a second one kills.
        using var interrupt = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            if (interrupt.IsCancellationRequested) return;
            e.Cancel = true;
            interrupt.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        GenerationReport report;
        try
        {
            report = DatasetGeneration.Run(generator, path, count, seed, shard, workers, progress: display.Show, cancel: interrupt.Token,
                warning: Console.Error.WriteLine);
        }
        catch (OperationCanceledException)
        {
            display.Finish();
            Console.Error.WriteLine($"interrupted: finished chunks are kept in {DatasetGeneration.ShardPath(path, shard)}.parts; "
                + "run the same command again to resume.");
            return 130;
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            // A full disk, for one: the chunk or file being written is discarded whole, the finished chunks are not.
            display.Finish();
            Console.Error.WriteLine($"error: writing {DatasetGeneration.ShardPath(path, shard)} failed ({e.Message.Trim()}); finished chunks "
                + $"are kept in {DatasetGeneration.ShardPath(path, shard)}.parts: make room and run the same command again to resume.");
            return CliErrors.Failure;
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
        display.Finish();
        if (report.AlreadyComplete)
            console.WriteLine($"{report.Path} is already complete; nothing to do.");
        else
            console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"wrote {report.Path}: {report.Solved} samples solved in {report.Elapsed.TotalSeconds:F1} s "
                + $"({report.Solved / Math.Max(1e-9, report.Elapsed.TotalSeconds):F2} samples/s), {report.Reused} reused from an earlier run"));
        if (communicator.IsDistributed && !merged)
        {
            // Every shard is written once all ranks are here; rank 0 joins them into the file and removes them.
            communicator.Barrier();
            if (!communicator.IsRoot) return 0;
            string[] shards = [.. Enumerable.Range(0, communicator.Size)
                .Select(r => DatasetGeneration.ShardPath(path, new Shard(r, communicator.Size)))];
            DatasetGeneration.Merge(shards, path);
            foreach (var file in shards) File.Delete(file);
            Console.WriteLine($"merged the {communicator.Size} shards into {path}");
        }
        if (plot is not null)
        {
            PlotDataset(communicator.IsDistributed ? path : report.Path, plot);
            Console.WriteLine($"wrote {plot}");
        }
        return 0;
    }

    /// <summary>Samples a .pvd export holds.</summary>
    private const int ExportedSamples = 3;

    private static void CheckPlotFile(string path, string flag)
    {
        if (!path.EndsWith(".png", StringComparison.OrdinalIgnoreCase) && !path.EndsWith(".pvd", StringComparison.OrdinalIgnoreCase))
            throw new ArgumentException($"{flag} must name a .png or .pvd file; got '{path}'.");
    }

    /// <summary>Curves for 1D files (several samples: input and last time; one
    /// trajectory: five times), a heatmap of sample 0's last time in 2D; or, for a .pvd, <see cref="ExportDataset"/>.</summary>
    private static void PlotDataset(string file, string path)
    {
        if (path.EndsWith(".pvd", StringComparison.OrdinalIgnoreCase))
        {
            ExportDataset(file, path);
            return;
        }
        var (h, input, tensor) = DatasetFile.ReadFirst(file, 3);
        int n = h.InputLength, nt = h.TimeCoordinate.Length;
        string title = $"{h.Name} ({Path.GetFileName(file)})";
        if (h.YCoordinate is { } y)
        {
            int nx = h.InputShape[0], ny = h.InputShape[1];
            var field = new double[ny, nx];
            int last = (nt - 1) * n;
            for (int i = 0; i < nx; i++)
                for (int j = 0; j < ny; j++) field[j, i] = tensor[last + i * ny + j];
            Plots.Heatmap(path, h.XCoordinate, y, field, $"{title}, sample {h.SampleStart}, t = {h.TimeCoordinate[^1]:G4}", "x", "y");
            return;
        }
        var series = new List<(string, double[], double[])>();
        if (h.Count == 1)
            foreach (int k in Enumerable.Range(0, Math.Min(5, nt)).Select(k => nt == 1 ? 0 : k * (nt - 1) / Math.Min(4, nt - 1)).Distinct())
                series.Add(($"t = {h.TimeCoordinate[k]:G4}", h.XCoordinate, tensor.AsSpan(k * n, n).ToArray()));
        else
            for (int s = 0; s < Math.Min(3, h.Count); s++)
            {
                series.Add(($"sample {h.SampleStart + s}, input", h.XCoordinate, input.AsSpan(s * n, n).ToArray()));
                series.Add(($"sample {h.SampleStart + s}, t = {h.TimeCoordinate[^1]:G4}", h.XCoordinate,
                    tensor.AsSpan((s * nt + nt - 1) * n, n).ToArray()));
            }
        Plots.Lines(path, title, "x", "u", series);
    }

    /// <summary>
    /// The first <see cref="ExportedSamples"/> samples for ParaView: the .pvd steps over the output times, each step a grid
    /// over x (and y) with the arrays input_S (sample S's input, the same at every step) and solution_S (its solution at
    /// that time), S numbering the samples of the whole run.
    /// </summary>
    private static void ExportDataset(string file, string pvd)
    {
        var (h, input, tensor) = DatasetFile.ReadFirst(file, ExportedSamples);
        int n = h.InputLength, nt = h.TimeCoordinate.Length, count = input.Length / n;
        double[] FirstAxisFastest(double[] values, int offset) => VtkFiles.FirstAxisFastest(values.AsSpan(offset, n), h.InputShape);
        double[][] axes = h.YCoordinate is { } y ? [h.XCoordinate, y] : [h.XCoordinate];
        var inputs = Enumerable.Range(0, count).Select(s => ($"input_{h.SampleStart + s}", FirstAxisFastest(input, s * n))).ToList();
        VtkFiles.WriteGridSeries(pvd, axes, h.TimeCoordinate, k =>
            [.. inputs, .. Enumerable.Range(0, count).Select(s => ($"solution_{h.SampleStart + s}", FirstAxisFastest(tensor, (s * nt + k) * n)))]);
    }

    /// <summary>Samples per second and time left: redrawn in place on a terminal, a plain line every 10 s otherwise.</summary>
    private sealed class GenerationDisplay(bool interactive, TextWriter console)
    {
        private TimeSpan? _lastDraw;
        private bool _drawn;

        public void Show(GenerationProgress p)
        {
            bool last = p.Finished == p.Total;
            var interval = interactive ? TimeSpan.FromMilliseconds(250) : TimeSpan.FromSeconds(10);
            if (!last && _lastDraw is { } drawn && p.Elapsed - drawn < interval) return;
            _lastDraw = p.Elapsed;
            double rate = p.Elapsed.TotalSeconds > 0 ? p.Solved / p.Elapsed.TotalSeconds : 0;
            string left = rate > 0 ? ConsoleProgress.Format(TimeSpan.FromSeconds((p.Total - p.Finished) / rate)) : "?";
            string line = string.Create(CultureInfo.InvariantCulture, $"{p.Finished}/{p.Total} samples  {rate:F2} samples/s  left {left}");
            if (interactive) console.Write("\r" + line.PadRight(60));
            else console.WriteLine(line);
            _drawn = true;
        }

        public void Finish()
        {
            if (interactive && _drawn) console.WriteLine();
        }
    }
}
