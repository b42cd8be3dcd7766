using System.CommandLine;
using System.Globalization;
using Physis.Differentiation;
using Physis.Geometry;
using Physis.Infrastructure;
using Physis.Infrastructure.Distributed;
using Physis.Networks.Architectures;
using Physis.Networks.Layers;
using Physis.Runs;
using Physis.Runs.Configuration;
using Physis.Suite;
using Physis.Suite.Problems;

namespace Physis.Cli.Commands;

internal static class SolveCommand
{
    public static Command Create()
    {
        string known = string.Join(", ", ProblemCatalog.All.Select(p => p.Name));
        var problem = new Argument<string?>("problem") { Description = $"Built-in problem to solve ({known}).", Arity = ArgumentArity.ZeroOrOne };
        var problemFile = new Option<string?>("--problem")
        {
            Description = "A problem stated in a YAML file instead of a built-in one: geometry, fields, parameters, equations, conditions, "
                + "reference and run settings (docs/problem-files.md).",
        };
        var preset = new Option<string>("--preset")
        {
            Description = "Named configuration: 'default' (reaches the accuracy target) or 'deepxde' (DeepXDE's Burgers example exactly).",
            DefaultValueFactory = _ => "default",
        };
        var iterations = new Option<int?>("--iterations") { Description = "Adam iterations (overrides the preset)." };
        var lbfgs = new Option<int?>("--lbfgs-iterations")
        {
            Description = "Maximum L-BFGS iterations after Adam; it stops earlier when converged (overrides the preset).",
        };
        var domain = new Option<int?>("--domain-points") { Description = "Collocation points in the space-time domain (overrides the preset)." };
        var boundary = new Option<int?>("--boundary-points") { Description = "Points on the spatial boundary (overrides the preset)." };
        var initial = new Option<int?>("--initial-points") { Description = "Points on the initial slice t = 0 (overrides the preset)." };
        var periodic = new Option<int?>("--periodic-points")
        {
            Description = "Point pairs per periodic condition (default: the boundary points, or 100 without them).",
        };
        var learningRate = new Option<double?>("--learning-rate") { Description = "Adam learning rate (overrides the preset)." };
        var precision = new Option<string?>("--precision") { Description = "float32 or float64 (overrides the preset)." };
        var seed = new Option<int?>("--seed") { Description = "Seed for network initialisation and point sampling (default 0)." };
        var output = new Option<string?>("--out")
        {
            Description = "Output folder for run.json, loss.csv, prediction.npz, PNG plots, ParaView files and the checkpoint "
                + "(default runs/PROBLEM).",
        };
        var resume = new Option<bool>("--resume")
        {
            Description = "Continue the run whose checkpoint is in --out, with the settings it was started with; "
                + "--iterations and --lbfgs-iterations may raise its counts (a finished run's L-BFGS continues to the new count).",
        };
        var checkpointEvery = new Option<int>("--checkpoint-every")
        {
            Description = "Write the checkpoint every N iterations (and at each phase end).",
            DefaultValueFactory = _ => 500,
        };
        var config = new Option<string?>("--config")
        {
            Description = "YAML run configuration: network, embeddings, sampling and optimizer schedule on top of a preset (options "
                + "given here override it).",
        };
        var hard = new Option<bool>("--hard-constraints")
        {
            Description = "Build the problem's initial and boundary values into the network output exactly (where the problem offers it) "
                + "and drop their loss terms.",
        };
        var hidden = new Option<string?>("--hidden") { Description = "Hidden layer widths, comma-separated, e.g. 20,20,20 (overrides the preset)." };
        var activation = new Option<string?>("--activation") { Description = "tanh, sin, gelu or silu (overrides the preset)." };
        var sampling = new Option<string?>("--sampling")
        {
            Description = "Point sampler: uniform, latinhypercube, sobol, halton or hammersley (overrides the preset).",
        };
        var hold = new Option<int?>("--hold-parameters")
        {
            Description = "Keep the problem's trainable parameters (unknown coefficients, eigenvalues) "
                + "at their initial values for the first N Adam iterations (overrides the preset).",
        };
        var windows = new Option<int?>("--time-windows")
        {
            Description = "Time marching: train this many time windows one after another, "
                + "each initialised from the last (point counts are per window; overrides the preset).",
        };
        var hardStart = new Option<bool>("--hard-window-start")
        {
            Description = "Time marching on a periodic 1D problem: start each window exactly from the previous window's state (built into the "
                + "network) instead of through an initial-condition loss term.",
        };
        var warmStart = new Option<bool>("--warm-window-start")
        {
            Description = "Time marching: start each window's network from the previous window's trained weights instead of a fresh initialisation.",
        };
        var threads = new Option<int?>("--threads")
        {
            Description = "Intra-op threads for the tensor engine (default: 1, measured fastest for these small networks on 2 cores).",
        };

        var engine = new Option<string?>("--engine")
        {
            Description = "Derivative engine: auto (Taylor mode wherever the network allows it), taylor or autograd (overrides the preset).",
        };
        var dimension = new Option<int?>("--dimension")
        {
            Description = "Dimension of a problem posed in any dimension (the high-dimensional ball problems; default 100).",
        };
        var estimator = new Option<string?>("--estimator")
        {
            Description = "How the loss computes Laplacians: exact, sdgd, hutchinson, stde-sparse or stde-dense (overrides the preset).",
        };
        var directions = new Option<int?>("--directions")
        {
            Description = "Coordinates (sdgd, stde-sparse) or random probes (hutchinson, stde-dense) per step of the estimator.",
        };

        var distributed = Distribution.Option();

        var command = new Command("solve",
            "Train a physics-informed neural network on a built-in problem and measure its error against a reference solution.")
        {
            problem, problemFile, preset, config, hard, hidden, activation, sampling, iterations, lbfgs, domain, boundary, initial, periodic,
            learningRate, precision, seed, hold, windows, hardStart, warmStart, output, resume, checkpointEvery, threads, dimension, estimator,
            directions, engine, distributed,
        };
        command.SetAction(parse => CliErrors.Run(() =>
        {
            string? name = parse.GetValue(problem);
            string? file = parse.GetValue(problemFile);
            if (!string.IsNullOrEmpty(name) && file is not null)
                throw new ArgumentException($"Give either a built-in problem ({name}) or --problem FILE, not both.");
            if (string.IsNullOrEmpty(name) && file is null)
                throw new ArgumentException($"Name a problem to solve, or give --problem FILE.yaml. Known problems: {known}.");
            Solvable solvable;
            if (file is null)
            {
                var catalogProblem = ProblemCatalog.Find(name!);
                if (parse.GetValue(dimension) is { } d)
                    catalogProblem = catalogProblem is IDimensionalProblem dimensional
                        ? dimensional.WithDimension(d)
                        : throw new ArgumentException($"Problem {catalogProblem.Name} has a fixed dimension; --dimension applies to "
                            + $"{string.Join(", ", ProblemCatalog.All.OfType<IDimensionalProblem>().Select(p => p.Name))}.");
                solvable = Solvable.Of(catalogProblem);
            }
            else
            {
                if (parse.GetValue(dimension) is not null)
                    throw new ArgumentException("--dimension applies to built-in problems; a problem file states its own geometry.");
                solvable = Solvable.Of(ProblemFile.Load(file));
            }
            string presetName = parse.GetValue(preset)!;
            if (!solvable.Presets.TryGetValue(presetName, out var settings))
                throw new ArgumentException($"Unknown preset '{presetName}' for {solvable.Name}. "
                    + $"Known presets: {string.Join(", ", solvable.Presets.Keys)}.");
            if (parse.GetValue(config) is { } configFile)
                (presetName, settings) = RunConfiguration.Load(configFile, solvable.Name, solvable.Presets, solvable.Coordinates, presetName);

            string folder = parse.GetValue(output) ?? Path.Combine("runs", solvable.Name);
            bool resuming = parse.GetValue(resume);
            if (resuming)
            {
                Option[] fixedByTheRun = [config, hard, hidden, activation, sampling, domain, boundary, initial, periodic, learningRate, precision,
                    seed, hold, windows, hardStart, warmStart, estimator, directions, engine];
                if (fixedByTheRun.FirstOrDefault(o => parse.GetResult(o) is { Implicit: false }) is { } given)
                    throw new ArgumentException($"--resume continues with the settings stored in {folder}, so {given.Name} cannot be given; "
                        + "only --iterations and --lbfgs-iterations can change.");
                var stored = new RunFolder(folder).Read<PinnSettings>().Settings;
                settings = stored with
                {
                    Schedule = stored.Schedule with
                    {
                        AdamIterations = parse.GetValue(iterations) ?? stored.Schedule.AdamIterations,
                        LbfgsIterations = parse.GetValue(lbfgs) ?? stored.Schedule.LbfgsIterations,
                    },
                };
            }
            else
            {
                var (network, points, schedule, marching) = (settings.Network, settings.Sampling, settings.Schedule, settings.Marching);
                settings = settings with
                {
                    Network = network with
                    {
                        // Other widths keep the preset's embeddings, activation and initializer.
                        Architecture = parse.GetValue(hidden) is { } widths ? new MlpArchitecture(ParseWidths(widths)) : network.Architecture,
                        Activation = parse.GetValue(activation) is { } a ? ActivationFunctions.ParseSmooth(a) : network.Activation,
                    },
                    Sampling = points with
                    {
                        Domain = parse.GetValue(domain) ?? points.Domain,
                        Boundary = parse.GetValue(boundary) ?? points.Boundary,
                        Initial = parse.GetValue(initial) ?? points.Initial,
                        Periodic = parse.GetValue(periodic) ?? points.Periodic,
                        Method = parse.GetValue(sampling) is { } m ? ParseSampling(m) : points.Method,
                    },
                    Schedule = schedule with
                    {
                        AdamIterations = parse.GetValue(iterations) ?? schedule.AdamIterations,
                        LbfgsIterations = parse.GetValue(lbfgs) ?? schedule.LbfgsIterations,
                        LearningRate = parse.GetValue(learningRate) ?? schedule.LearningRate,
                        ParameterHoldIterations = parse.GetValue(hold) ?? schedule.ParameterHoldIterations,
                    },
                    Marching = new MarchingSettings(parse.GetValue(windows) ?? marching.Windows,
                        parse.GetValue(hardStart) || marching.HardStart, parse.GetValue(warmStart) || marching.WarmStart),
                    Precision = parse.GetValue(precision) is { } p ? ParsePrecision(p) : settings.Precision,
                    Seed = parse.GetValue(seed) ?? settings.Seed,
                    HardConstraints = parse.GetValue(hard) || settings.HardConstraints,
                    Laplacian = Estimator(parse.GetValue(estimator), parse.GetValue(directions), settings.Laplacian),
                    Engine = parse.GetValue(engine) is { } e ? ParseEngine(e) : settings.Engine,
                };
            }
            settings.Validate();
            int every = parse.GetValue(checkpointEvery);
            if (every <= 0) throw new ArgumentException($"--checkpoint-every must be positive, got {every}.");
            int threadCount = parse.GetValue(threads) ?? 1;
            TensorEngine.Configure(threadCount);
            var ranks = Distribution.Start(parse.GetValue(distributed));
            // Every rank trains; rank 0 alone reports and writes.
            if (!ranks.IsRoot)
            {
                solvable.Execute(presetName, settings, folder, resuming, every, ranks, []);
                return 0;
            }

            Console.WriteLine($"Physis: {solvable.Description}");
            string parallel = ranks.IsDistributed ? $", data-parallel on {ranks.Size} ranks" : "";
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"preset {presetName}: {Describe(settings)}{(resuming ? ", resuming" : "")}{parallel}"));
            var result = TrainingProgressDisplay.Run(TimeSpan.FromSeconds(10),
                progress => solvable.Execute(presetName, settings, folder, resuming, every, ranks, [progress]));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"relative L2 error {result.RelativeL2:E3} after {result.Iterations} iterations ({result.Engine} engine; "
                + $"Adam {result.AdamIterations}, L-BFGS {result.LbfgsIterations}) in {result.WallSeconds:F1} s"));
            foreach (var (parameter, value) in result.Parameters)
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"parameter {parameter} = {value:G6}")
                    + (solvable.Exact(parameter) is { } exact
                        ? string.Create(CultureInfo.InvariantCulture,
                            $" (exact {exact:G6}, relative error {Math.Abs(value - exact) / Math.Abs(exact):E2})")
                        : ""));
            Console.WriteLine($"outputs in {Path.GetFullPath(folder)}: "
                + $"{string.Join(" ", Directory.GetFiles(folder).Select(Path.GetFileName).Order())}");
            return 0;
        }));
        return command;
    }

    /// <summary>What `solve` runs: a built-in problem or a problem file, with its presets and how to run it.</summary>
    private sealed record Solvable(string Name, string Description, IReadOnlyDictionary<string, PinnSettings> Presets,
        IReadOnlyList<string> Coordinates, Func<string, double?> Exact,
        Func<string, PinnSettings, string, bool, int, Communicator, Physis.Training.ITrainingCallback[], PinnRunResult> Execute)
    {
        public static Solvable Of(ICatalogProblem problem) => new(problem.Name, problem.Description, problem.Presets,
            problem.Create().Terms.Coordinates,
            parameter => problem.ExactParameters.TryGetValue(problem.Target.ParameterOf(parameter), out var exact) ? exact : null,
            (preset, settings, folder, resume, every, ranks, progress) =>
                CatalogRun.Execute(problem, preset, settings, folder, resume, every, ranks, progress));

        /// <summary>A problem file; its settings are its one preset, "default".</summary>
        public static Solvable Of(ProblemFile file) => new(file.Name, file.Description,
            new Dictionary<string, PinnSettings> { ["default"] = file.Settings }, file.Problem.Terms.Coordinates,
            parameter => file.ExactParameters.TryGetValue(parameter, out var exact) ? exact : null,
            (preset, settings, folder, resume, every, ranks, progress) =>
                CatalogRun.Execute(file, preset, settings, folder, resume, every, ranks, progress));
    }

    private static EngineChoice ParseEngine(string name) => name.ToLowerInvariant() switch
    {
        "auto" => EngineChoice.Auto,
        "taylor" => EngineChoice.Taylor,
        "autograd" => EngineChoice.Autograd,
        _ => throw new ArgumentException($"--engine must be auto, taylor or autograd, got '{name}'."),
    };

    /// <summary>One line for the terminal: network, constraints, marching, precision, points, schedule and seed.</summary>
    private static string Describe(PinnSettings settings)
    {
        var (points, schedule, marching) = (settings.Sampling, settings.Schedule, settings.Marching);
        string windows = marching.Windows > 1
            ? $"{marching.Windows} time windows{(marching.HardStart ? " (hard starts)" : "")}{(marching.WarmStart ? " (warm starts)" : "")}, "
            : "";
        string held = schedule.ParameterHoldIterations > 0 ? $" (parameters held for the first {schedule.ParameterHoldIterations})" : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{settings.Network}, {(settings.HardConstraints ? "hard constraints, " : "")}{windows}{settings.Precision}, "
            + $"points {points.Domain}/{points.Boundary}/{points.Initial} ({points.Method}), "
            + $"Adam {schedule.AdamIterations} x lr {schedule.LearningRate}"
            + $"{held}, then L-BFGS <= {schedule.LbfgsIterations}, seed {settings.Seed}{Laplacian(settings.Laplacian)}");
    }

    private static string Laplacian(LaplacianEstimatorOptions? options) => options switch
    {
        null => "",
        { Kind: LaplacianEstimatorKind.Exact } => ", exact Laplacian",
        _ => $", Laplacian by {options.Kind} with {options.Directions} directions",
    };

    /// <summary>The Laplacian estimator from --estimator and --directions on top of the preset's.</summary>
    private static LaplacianEstimatorOptions? Estimator(string? kind, int? directions, LaplacianEstimatorOptions? preset)
    {
        if (kind is null && directions is null) return preset;
        var options = preset ?? new LaplacianEstimatorOptions(LaplacianEstimatorKind.Exact);
        if (kind is not null)
            options = options with
            {
                Kind = LaplacianEstimatorNames.Parse(kind, "--estimator"),
            };
        if (directions is { } k)
        {
            if (options.Kind == LaplacianEstimatorKind.Exact)
                throw new ArgumentException("--directions applies to the stochastic estimators; the exact Laplacian takes every coordinate.");
            if (k < 1) throw new ArgumentException($"--directions must be at least 1, got {k}.");
            options = options with { Directions = k };
        }
        return options;
    }

    private static int[] ParseWidths(string text)
    {
        var parts = text.Split(',', StringSplitOptions.TrimEntries);
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.Integer, CultureInfo.InvariantCulture, out widths[i]) || widths[i] <= 0)
                throw new ArgumentException($"--hidden takes positive comma-separated widths such as 20,20,20; got '{text}'.");
        return widths;
    }

    private static Precision ParsePrecision(string text) => text switch
    {
        "float32" => Precision.Float32,
        "float64" => Precision.Float64,
        _ => throw new ArgumentException($"--precision must be float32 or float64, got '{text}'."),
    };

    private static SamplingMethod ParseSampling(string text) =>
        Enum.TryParse<SamplingMethod>(text, ignoreCase: true, out var method) && Enum.IsDefined(method)
            ? method
            : throw new ArgumentException("--sampling must be one of "
                + $"{string.Join(", ", Enum.GetNames<SamplingMethod>().Select(n => n.ToLowerInvariant()))}; got '{text}'.");
}
