using System.Diagnostics;
using System.Globalization;
using System.Text;
using Physis.Differentiation;
using Physis.Differentiation.Taylor;
using Physis.Infrastructure;
using Physis.Networks;
using Physis.Networks.Layers;
using TorchSharp;
using static TorchSharp.torch;

namespace Physis.Suite.Benchmarks;

/// <summary>One case of the engine comparison: a network, a point count and the derivatives a residual asks for.</summary>
public sealed record EngineCase(string Derivatives, int Points, int Width, int Depth);

/// <summary>
/// `physis bench engines`: the cost of one training step's derivative work (the derivatives at every point, a mean
/// square loss of them and its gradient in every parameter) with Taylor mode and with nested autograd, the two
/// interleaved and repeated in one process, for a range of derivative sets, point counts, widths and depths.
/// </summary>
public static class EngineBenchmark
{
    /// <summary>The derivative sets by name: inputs (x, t) or (x, y), as the residuals of the named equations ask.</summary>
    public static readonly IReadOnlyDictionary<string, MultiIndex[]> Sets = new Dictionary<string, MultiIndex[]>
    {
        ["advection: u_x, u_t"] = [new(1, 0), new(0, 1)],
        ["burgers: u_x, u_t, u_xx"] = [new(1, 0), new(0, 1), new(2, 0)],
        ["poisson: u_xx, u_yy"] = [new(2, 0), new(0, 2)],
        ["kdv: u_x, u_t, u_xxx"] = [new(1, 0), new(0, 1), new(3, 0)],
        ["biharmonic: u_xxxx, u_xxyy, u_yyyy"] = [new(4, 0), new(2, 2), new(0, 4)],
    };

    public static readonly string[] Columns =
        ["derivatives", "points", "width", "depth", "precision", "autograd_ms", "taylor_ms", "speed_up", "auto_picks"];

    /// <summary>Milliseconds per step of each engine (medians of <paramref name="repeats"/> interleaved rounds) for one case.</summary>
    public static string[] Measure(EngineCase c, ScalarType dtype, int repeats, int stepsPerRound)
    {
        var orders = Sets[c.Derivatives];
        using var network = new Mlp(2, [.. Enumerable.Repeat(c.Width, c.Depth)], 1, Activation.Tanh, seed: 0, dtype: dtype);
        using var points = rand([c.Points, 2], dtype);
        var parameters = network.parameters().ToArray();
        DerivativeRequest[] required = [.. orders.Select(o => new DerivativeRequest(0, o))];
        IDifferentiationEngine[] engines = [new AutogradEngine(), new TaylorEngine()];
        var times = engines.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round <= repeats; round++)
            for (int e = 0; e < engines.Length; e++)
            {
                var clock = Stopwatch.StartNew();
                for (int s = 0; s < stepsPerRound; s++) Step(engines[e], network, points, required, parameters);
                // Round 0 warms up both (allocator, tiered compilation).
                if (round > 0) times[e].Add(clock.Elapsed.TotalMilliseconds / stepsPerRound);
            }
        double autograd = Timings.Median(times[0]), taylor = Timings.Median(times[1]);
        bool picksTaylor = AutomaticEngine.TaylorFaster(JetLayout.For(orders, 2));
        return [c.Derivatives, Text(c.Points), Text(c.Width), Text(c.Depth), dtype == ScalarType.Float64 ? "float64" : "float32",
            autograd.ToString("F3", CultureInfo.InvariantCulture), taylor.ToString("F3", CultureInfo.InvariantCulture),
            (autograd / taylor).ToString("F2", CultureInfo.InvariantCulture), picksTaylor ? TaylorEngine.Name : AutogradEngine.Name];
    }

    public static readonly string[] LineColumns = ["estimator", "dimension", "directions", "points", "autograd_ms", "jets_ms", "speed_up"];

    /// <summary>
    /// Milliseconds per step of a stochastic Taylor estimate of the Laplacian (its mean square and the gradient in every
    /// parameter) on a 3 x 128 tanh MLP in <paramref name="dimension"/> dimensions: through the network's Taylor jets
    /// along the lines, and through nested autograd along the same lines.
    /// </summary>
    public static string[] MeasureLines(LaplacianEstimatorKind kind, int dimension, int directions, int points, int repeats, int stepsPerRound)
    {
        using var network = new Mlp(dimension, [128, 128, 128], 1, Activation.Tanh, seed: 0);
        using var x = rand([points, dimension]) * 2 - 1;
        var parameters = network.parameters().ToArray();
        ILineFunction[] paths = [new AlongOnly(network), network];
        var times = paths.Select(_ => new List<double>()).ToArray();
        for (int round = 0; round <= repeats; round++)
            for (int p = 0; p < paths.Length; p++)
            {
                var estimator = new LaplacianEstimator(new LaplacianEstimatorOptions(kind, directions));
                var clock = Stopwatch.StartNew();
                for (int s = 0; s < stepsPerRound; s++)
                {
                    using var scope = NewDisposeScope();
                    var estimate = estimator.Estimate(paths[p], x);
                    autograd.grad([estimate.square().mean()], parameters, allow_unused: true);
                }
                if (round > 0) times[p].Add(clock.Elapsed.TotalMilliseconds / stepsPerRound);
            }
        double nested = Timings.Median(times[0]), jets = Timings.Median(times[1]);
        return [LaplacianEstimatorNames.Name(kind), Text(dimension), Text(directions), Text(points),
            nested.ToString("F3", CultureInfo.InvariantCulture), jets.ToString("F3", CultureInfo.InvariantCulture),
            (nested / jets).ToString("F2", CultureInfo.InvariantCulture)];
    }

    /// <summary>A network's line form alone, so an estimator differentiates through the network by nested autograd.</summary>
    private sealed class AlongOnly(ILineFunction function) : ILineFunction
    {
        public Tensor Along(PointLines lines) => function.Along(lines);
    }

    private static void Step(IDifferentiationEngine engine, Mlp network, Tensor points, DerivativeRequest[] required, Tensor[] parameters)
    {
        using var scope = NewDisposeScope();
        var derivatives = engine.Evaluate(network, points, required);
        Tensor loss = derivatives.Get(required[0]).square().mean();
        for (int i = 1; i < required.Length; i++) loss = loss + derivatives.Get(required[i]).square().mean();
        autograd.grad([loss], parameters, allow_unused: true);
    }

    public static void Write(string folder, IReadOnlyList<string[]> rows, IReadOnlyList<string[]> lineRows, int threads)
    {
        Directory.CreateDirectory(folder);
        var csv = new StringBuilder(string.Join(",", Columns)).Append('\n');
        foreach (var row in rows) csv.AppendJoin(',', row.Select(cell => cell.Contains(',') ? $"\"{cell}\"" : cell)).Append('\n');
        AtomicFile.WriteAllText(Path.Combine(folder, "bench.csv"), csv.ToString());
        var md = new StringBuilder(string.Create(CultureInfo.InvariantCulture,
            $"# bench engines: Taylor mode against nested autograd, {threads} thread(s), {DateTime.UtcNow:yyyy-MM-dd}\n\n"));
        md.Append(CultureInfo.InvariantCulture, $"CPU: {BenchmarkReport.CpuModel()}, {Environment.ProcessorCount} logical cores. ")
            .Append("One step: the derivatives at every point, a mean square loss of them and its gradient in every parameter ")
            .Append("(tanh MLP, inputs x and t or x and y); milliseconds per step, median of interleaved rounds. ")
            .Append("auto picks: the engine `--engine auto` takes for the set.\n\n");
        md.Append("| ").AppendJoin(" | ", Columns).Append(" |\n|").AppendJoin("", Columns.Select(_ => "---|")).Append('\n');
        foreach (var row in rows) md.Append("| ").AppendJoin(" | ", row).Append(" |\n");
        if (lineRows.Count > 0)
        {
            md.Append("\n## Stochastic Taylor estimators along lines\n\nOne step of a Laplacian estimate (its mean square and ")
                .Append("the gradient in every parameter) on a 3 x 128 tanh MLP in d dimensions: nested autograd in the line offsets ")
                .Append("through the whole network, against the network's second-order Taylor polynomial from jets along the lines.\n\n");
            md.Append("| ").AppendJoin(" | ", LineColumns).Append(" |\n|").AppendJoin("", LineColumns.Select(_ => "---|")).Append('\n');
            foreach (var row in lineRows) md.Append("| ").AppendJoin(" | ", row).Append(" |\n");
        }
        AtomicFile.WriteAllText(Path.Combine(folder, "bench.md"), md.ToString());
    }

    private static string Text(int value) => value.ToString(CultureInfo.InvariantCulture);
}
