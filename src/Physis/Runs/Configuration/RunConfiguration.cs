using Physis.Geometry;
using Physis.Infrastructure.Configuration;
using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Embeddings;
using Physis.Networks.Layers;
using Physis.Training;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Physis.Runs.Configuration;

/// <summary>
/// Reads a YAML run configuration (`physis solve PROBLEM --config FILE`): it starts from one of the problem's presets
/// and overrides the network (architecture, embeddings, activation, weight factorisation), the sampling and the
/// optimizer schedule. Unknown keys and invalid values are errors that name the file, the line and what is allowed.
/// Every key is described in docs/configuration.md.
/// </summary>
public static class RunConfiguration
{
    private static readonly string[] Architectures = ["mlp", "modified-mlp", "residual", "pirate-net"];

    /// <param name="file">the YAML file</param>
    /// <param name="problem">the problem's name, for messages</param>
    /// <param name="presets">the named settings a configuration can start from</param>
    /// <param name="coordinates">the problem's coordinate names (embeddings name the coordinates they act on)</param>
    /// <param name="defaultPreset">the preset used when the file names none</param>
    public static (string Preset, PinnSettings Settings) Load(string file, string problem, IReadOnlyDictionary<string, PinnSettings> presets,
        IReadOnlyList<string> coordinates, string defaultPreset = "default")
    {
        var root = Document(file).Mapping("preset", "network", "sampling", "training");
        string preset = root.TryGetValue("preset", out var presetNode) ? presetNode.Choice([.. presets.Keys]) : defaultPreset;
        if (!presets.TryGetValue(preset, out var settings))
            throw new ConfigurationException($"{file}: problem {problem} has no preset '{preset}'; known: {string.Join(", ", presets.Keys)}.");
        return (preset, Apply(root, settings, coordinates));
    }

    /// <summary>The keys of a configuration that change settings: network, sampling and training.</summary>
    public static IReadOnlyList<string> SettingsKeys { get; } = ["network", "sampling", "training"];

    /// <summary>
    /// The settings with the <see cref="SettingsKeys"/> sections among <paramref name="keys"/> applied: a run configuration's,
    /// or those of a problem file, which states its run settings with the same keys.
    /// </summary>
    public static PinnSettings Apply(IReadOnlyDictionary<string, ConfigNode> keys, PinnSettings settings, IReadOnlyList<string> coordinates)
    {
        if (keys.TryGetValue("network", out var network)) settings = Network(network, settings, coordinates);
        if (keys.TryGetValue("sampling", out var sampling)) settings = Sampling(sampling, settings);
        if (keys.TryGetValue("training", out var training)) settings = Training(training, settings);
        return settings;
    }

    /// <summary>The root node of a YAML file; a missing, empty or malformed file is a <see cref="ConfigurationException"/>.</summary>
    public static ConfigNode Document(string file, string kind = "configuration file")
    {
        if (!File.Exists(file)) throw new ConfigurationException($"{file}: the {kind} does not exist.");
        var stream = new YamlStream();
        try
        {
            using var reader = new StreamReader(file);
            stream.Load(reader);
        }
        catch (YamlException e)
        {
            throw new ConfigurationException($"{file}:{e.Start.Line}: not valid YAML: {e.InnerException?.Message ?? e.Message}");
        }
        if (stream.Documents.Count == 0) throw new ConfigurationException($"{file}: the {kind} is empty.");
        return new ConfigNode(file, "", stream.Documents[0].RootNode);
    }

    private static PinnSettings Network(ConfigNode node, PinnSettings settings, IReadOnlyList<string> coordinates)
    {
        var keys = node.Mapping("architecture", "hidden", "width", "depth", "blocks", "layers-per-block", "activation", "initializer",
            "weight-factorization", "embeddings", "hard-constraints", "scale-inputs");
        var activation = keys.TryGetValue("activation", out var a)
            ? ActivationFunctions.Parse(a.Choice("tanh", "sin", "gelu", "silu"))
            : settings.Network.Activation;
        var initializer = keys.TryGetValue("initializer", out var i)
            ? i.Choice("glorot-normal", "glorot-uniform") == "glorot-normal" ? Initializer.GlorotNormal : Initializer.GlorotUniform
            : settings.Network.Initializer;
        string architecture = keys.TryGetValue("architecture", out var arch) ? arch.Choice(Architectures) : "mlp";
        // Without widths, an MLP keeps the preset's (its MLP's, or the default [20, 20, 20]).
        var presetHidden = settings.Network.Architecture is MlpArchitecture mlp
            ? mlp.Hidden
            : ((MlpArchitecture)PinnSettings.DefaultNetwork.Architecture).Hidden;
        var hidden = keys.TryGetValue("hidden", out var h) ? h.Ints(1) : presetHidden;

        // Each architecture takes its own size keys; a key meant for another one is a mistake worth reporting.
        string[] sizeKeys = architecture switch
        {
            "mlp" => ["hidden"],
            "modified-mlp" => ["width", "depth"],
            "residual" => ["width", "blocks", "layers-per-block"],
            _ => ["width", "blocks"],
        };
        foreach (var key in new[] { "hidden", "width", "depth", "blocks", "layers-per-block" }
            .Where(k => keys.ContainsKey(k) && !sizeKeys.Contains(k)))
            throw keys[key].Error($"does not apply to architecture {architecture}, which takes {string.Join(", ", sizeKeys)}.");
        int Size(string key, int fallback) => keys.TryGetValue(key, out var n) ? n.Int(1) : fallback;
        ArchitectureOptions options = architecture switch
        {
            "mlp" => new MlpArchitecture(hidden),
            "modified-mlp" => new ModifiedMlpArchitecture(Size("width", 64), Size("depth", 4)),
            "residual" => new ResidualArchitecture(Size("width", 64), Size("blocks", 3), Size("layers-per-block", 2)),
            _ => new PirateNetArchitecture(Size("width", 64), Size("blocks", 3)),
        };

        WeightFactorizationOptions? factorization = null;
        if (keys.TryGetValue("weight-factorization", out var wf))
        {
            var w = wf.Mapping("mean", "std");
            factorization = new WeightFactorizationOptions(w.TryGetValue("mean", out var m) ? m.Double(positive: false) : 0.5,
                w.TryGetValue("std", out var s) ? s.Double() : 0.1);
        }
        var embeddings = keys.TryGetValue("embeddings", out var e) ? e.Sequence().Select(n => Embedding(n, coordinates)).ToList() : [];

        return settings with
        {
            HardConstraints = keys.TryGetValue("hard-constraints", out var hc) ? hc.Bool() : settings.HardConstraints,
            Network = new NetworkOptions
            {
                Architecture = options,
                Embeddings = embeddings,
                Activation = activation,
                Initializer = initializer,
                WeightFactorization = factorization,
                ScaleInputs = keys.TryGetValue("scale-inputs", out var si) ? si.Bool() : settings.Network.ScaleInputs,
            },
        };
    }

    private static EmbeddingOptions Embedding(ConfigNode node, IReadOnlyList<string> coordinates)
    {
        var (kind, settingsNode) = node.Tagged("periodic", "fourier", "gaussian", "interface");
        int Coordinate(ConfigNode n)
        {
            string name = n.Choice([.. coordinates]);
            return coordinates.ToList().IndexOf(name);
        }
        switch (kind)
        {
            case "periodic":
                {
                    var k = settingsNode.Mapping("coordinate", "period", "harmonics");
                    if (!k.TryGetValue("coordinate", out var c) || !k.TryGetValue("period", out var p))
                        throw settingsNode.Error("needs coordinate and period, for example { coordinate: x, period: 2 }.");
                    return PeriodicEmbeddingOptions.Of(Coordinate(c), p.Double(), k.TryGetValue("harmonics", out var hk) ? hk.Int(1) : 1);
                }
            case "fourier":
                {
                    var k = settingsNode.Mapping("features", "scale", "coordinates", "trainable");
                    return new FourierFeatureOptions(k.TryGetValue("features", out var f) ? f.Int(1) : 64,
                        k.TryGetValue("scale", out var s) ? s.Double() : 1.0)
                    {
                        Coordinates = k.TryGetValue("coordinates", out var cs) ? cs.Sequence().Select(Coordinate).ToArray() : null,
                        Trainable = k.TryGetValue("trainable", out var t) && t.Bool(),
                    };
                }
            case "interface":
                {
                    var k = settingsNode.Mapping("coordinate", "at");
                    if (!k.TryGetValue("coordinate", out var c) || !k.TryGetValue("at", out var at))
                        throw settingsNode.Error("needs coordinate and the interface positions, for example { coordinate: x, at: [-1, 1] }.");
                    return new InterfaceFeatureOptions(Coordinate(c), at.Sequence().Select(p => p.Double(positive: false)).ToArray());
                }
            default:
                {
                    var k = settingsNode.Mapping("gaussians", "features", "width", "isotropic");
                    return new GaussianFeatureOptions(k.TryGetValue("gaussians", out var g) ? g.Int(1) : 64,
                        k.TryGetValue("features", out var f) ? f.Int(1) : 8)
                    {
                        InitialWidth = k.TryGetValue("width", out var w) ? w.Double() : 0.1,
                        Isotropic = k.TryGetValue("isotropic", out var iso) && iso.Bool(),
                    };
                }
        }
    }

    private static PinnSettings Sampling(ConfigNode node, PinnSettings settings)
    {
        var keys = node.Mapping(["domain", "boundary", "initial", "periodic", "method", .. MethodKeys("sampling")]);
        settings = WithMethods(settings, keys, "sampling");
        return settings with
        {
            Sampling = new Sampling(
                keys.TryGetValue("domain", out var d) ? d.Int(1) : settings.Sampling.Domain,
                keys.TryGetValue("boundary", out var b) ? b.Int(0) : settings.Sampling.Boundary,
                keys.TryGetValue("initial", out var i) ? i.Int(0) : settings.Sampling.Initial,
                keys.TryGetValue("method", out var m)
                    ? Enum.Parse<SamplingMethod>(m.Choice([.. Enum.GetNames<SamplingMethod>().Select(n => n.ToLowerInvariant())]), ignoreCase: true)
                    : settings.Sampling.Method,
                keys.TryGetValue("periodic", out var p) ? p.Int(0) : settings.Sampling.Periodic),
        };
    }

    private static PinnSettings Training(ConfigNode node, PinnSettings settings)
    {
        var keys = node.Mapping(["precision", "engine", "seed", "optimizer", "adam", "lbfgs", "natural-gradient", "time-marching",
            .. MethodKeys("training")]);
        settings = WithMethods(settings, keys, "training");
        var schedule = settings.Schedule;
        if (keys.TryGetValue("optimizer", out var o))
            schedule = schedule with { FirstOptimizer = o.Choice("adam", "multiadam") == "adam" ? FirstOptimizer.Adam : FirstOptimizer.MultiAdam };
        if (keys.TryGetValue("natural-gradient", out var ng))
            schedule = schedule with { NaturalGradientIterations = ng.Mapping("iterations").TryGetValue("iterations", out var ni) ? ni.Int(0) : 100 };
        if (keys.TryGetValue("time-marching", out var marching))
        {
            var windows = marching.Mapping("windows", "hard-start", "warm-start");
            settings = settings with
            {
                Marching = new MarchingSettings(
                    windows.TryGetValue("windows", out var w) ? w.Int(1) : throw marching.Error("needs windows: the number of time windows."),
                    windows.TryGetValue("hard-start", out var hs) ? hs.Bool() : settings.Marching.HardStart,
                    windows.TryGetValue("warm-start", out var ws) ? ws.Bool() : settings.Marching.WarmStart),
            };
        }
        if (keys.TryGetValue("precision", out var p))
            settings = settings with { Precision = p.Choice("float32", "float64") == "float32" ? Precision.Float32 : Precision.Float64 };
        if (keys.TryGetValue("engine", out var e))
            settings = settings with { Engine = Enum.Parse<EngineChoice>(e.Choice("auto", "taylor", "autograd"), ignoreCase: true) };
        if (keys.TryGetValue("seed", out var s)) settings = settings with { Seed = s.Int(0) };
        if (keys.TryGetValue("adam", out var adamNode))
        {
            var adam = adamNode.Mapping("iterations", "learning-rate", "hold-parameters");
            bool holds = adam.TryGetValue("hold-parameters", out var hold);
            schedule = schedule with
            {
                AdamIterations = adam.TryGetValue("iterations", out var n) ? n.Int(0) : schedule.AdamIterations,
                LearningRate = adam.TryGetValue("learning-rate", out var lr) ? lr.Double() : schedule.LearningRate,
                ParameterHoldIterations = holds ? hold!.Int(0) : schedule.ParameterHoldIterations,
            };
            if (schedule.ParameterHoldIterations > schedule.AdamIterations)
                throw (holds ? hold! : adamNode).Error(
                    $"holds the parameters for {schedule.ParameterHoldIterations} iterations, "
                    + $"more than the {schedule.AdamIterations} Adam iterations.");
        }
        if (keys.TryGetValue("lbfgs", out var lbfgsNode))
        {
            var lbfgs = lbfgsNode.Mapping("iterations", "history");
            schedule = schedule with
            {
                LbfgsIterations = lbfgs.TryGetValue("iterations", out var n) ? n.Int(0) : schedule.LbfgsIterations,
                LbfgsHistory = lbfgs.TryGetValue("history", out var hist) ? hist.Int(1) : schedule.LbfgsHistory,
            };
        }
        return settings with { Schedule = schedule };
    }

    private static string[] MethodKeys(string section) => [.. TrainingMethodBinding.All.Where(b => b.Section == section).Select(b => b.Key)];

    /// <summary>The settings with each method given in this section replacing the preset's method of the same kind, in binding order.</summary>
    private static PinnSettings WithMethods(PinnSettings settings, IReadOnlyDictionary<string, ConfigNode> keys, string section)
    {
        var methods = settings.Methods.ToList();
        foreach (var binding in TrainingMethodBinding.All.Where(b => b.Section == section && keys.ContainsKey(b.Key)))
        {
            methods.RemoveAll(m => TrainingMethodBinding.Of(m) == binding);
            methods.Add(binding.Parse(keys[binding.Key]));
        }
        return settings with { Methods = [.. methods.OrderBy(m => TrainingMethodBinding.Of(m).Order)] };
    }
}
