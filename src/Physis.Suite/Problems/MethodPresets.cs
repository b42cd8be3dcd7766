using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Embeddings;
using Physis.Runs;
using Physis.Training;
using Physis.Training.Causal;
using Physis.Training.Weighting;

namespace Physis.Suite.Problems;

/// <summary>
/// The ablation presets of periodic 1D time-dependent problems (x first, t last): each adds one method to the plain
/// MLP of "plain", so `physis bench pinn --methods plain,fourier,periodic,...` shows each method's effect.
/// </summary>
public static class MethodPresets
{
    /// <param name="plain">the plain MLP's settings, which the other presets start from</param>
    /// <param name="period">the period in x</param>
    /// <param name="defaultMethod">the preset that "default" runs (the one that came closest to the problem's target)</param>
    /// <param name="defaultChanges">what "default" changes in that preset (its budget, its embedding), if anything</param>
    public static IReadOnlyDictionary<string, PinnSettings> PeriodicAblation(PinnSettings plain, double period, string defaultMethod,
        Func<PinnSettings, PinnSettings>? defaultChanges = null)
    {
        NetworkOptions Network(EmbeddingOptions embedding, int[]? hidden = null) => plain.Network with
        {
            Embeddings = [embedding],
            Architecture = hidden is null ? plain.Network.Architecture : new MlpArchitecture(hidden),
        };
        var periodic = plain with { Network = Network(PeriodicEmbeddingOptions.Of(0, period, 1)) };
        // Ten time windows in sequence, each a short and easy problem: a quarter of the points and a fifth of the iterations per window.
        var marching = periodic with
        {
            Marching = new MarchingSettings(10),
            Sampling = plain.Sampling with { Domain = plain.Sampling.Domain / 4 },
            Schedule = plain.Schedule with
            {
                AdamIterations = plain.Schedule.AdamIterations / 5,
                LbfgsIterations = plain.Schedule.LbfgsIterations * 2 / 5,
            },
        };
        var presets = new Dictionary<string, PinnSettings>
        {
            ["plain"] = plain,
            ["fourier"] = plain with { Network = Network(new FourierFeatureOptions(32, 1.0) { Coordinates = [0] }) },
            ["periodic"] = periodic,
            ["periodic-causal"] = periodic with { Methods = [new CausalTraining(Chunks: 32)] },
            ["periodic-balanced"] = periodic with { Methods = [new GradientNormBalancing(Every: 100)] },
            ["periodic-multiadam"] = periodic with { Schedule = periodic.Schedule with { FirstOptimizer = FirstOptimizer.MultiAdam } },
            ["periodic-marching"] = marching,
            // Each window after the first starts exactly from the previous one's state instead of an initial-condition loss.
            ["periodic-marching-hard"] = marching with { Marching = new MarchingSettings(10, HardStart: true) },
            // ... and begins from the previous window's trained weights.
            ["periodic-marching-warm"] = marching with { Marching = new MarchingSettings(10, HardStart: true, WarmStart: true) },
            // Energy natural gradient costs one backward pass per residual row: a small network on few points.
            ["periodic-natural-gradient"] = periodic with
            {
                Network = Network(PeriodicEmbeddingOptions.Of(0, period, 1), [20, 20]),
                Sampling = plain.Sampling with { Domain = 1000, Boundary = 64, Initial = 128 },
                Schedule = plain.Schedule with { AdamIterations = 1000, LbfgsIterations = 0, NaturalGradientIterations = 200 },
            },
        };
        if (!presets.TryGetValue(defaultMethod, out var best))
            throw new ArgumentException($"Unknown default method '{defaultMethod}'; the presets are {string.Join(", ", presets.Keys)}.");
        presets["default"] = defaultChanges is null ? best : defaultChanges(best);
        return presets;
    }

    /// <summary>
    /// The suite's starting point for 1D time-dependent problems: a 4 x 64 tanh MLP in float64 on 8000 collocation
    /// points, Adam 5000 then L-BFGS up to 5000.
    /// </summary>
    public static PinnSettings TimeDependent(int boundaryPoints, int initialPoints) => new()
    {
        Sampling = new Sampling(8000, boundaryPoints, initialPoints),
        Schedule = new OptimizerSchedule { AdamIterations = 5000, LbfgsIterations = 5000 },
        Network = NetworkOptions.Mlp([64, 64, 64, 64]),
        Precision = Precision.Float64,
    };

    /// <summary>Half the marching budget per window: Adam 500, L-BFGS up to 1000,
    /// 1000 domain points (boundary and initial points unchanged).</summary>
    public static PinnSettings HalfMarchingBudget(PinnSettings marching) =>
        marching with
        {
            Schedule = marching.Schedule with { AdamIterations = 500, LbfgsIterations = 1000 },
            Sampling = marching.Sampling with { Domain = 1000 },
        };
}
