using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Embeddings;
using Physis.Training.Causal;
using Physis.Training.Weighting;

namespace Physis.Problems.Catalog;

/// <summary>
/// The ablation presets of periodic 1D time-dependent problems (x first, t last): each adds one method to the plain
/// MLP of "default", so `physis bench pinn --methods default,fourier,periodic,...` shows each method's effect.
/// </summary>
public static class MethodPresets
{
    public static IReadOnlyDictionary<string, PinnSettings> PeriodicAblation(PinnSettings plain, double period)
    {
        NetworkOptions Network(EmbeddingOptions embedding, int[]? hidden = null) => new()
        {
            Embeddings = [embedding],
            Architecture = new MlpArchitecture(hidden ?? plain.Hidden),
            Activation = plain.Activation,
            Initializer = plain.Initializer,
        };
        var periodic = plain with { Network = Network(PeriodicEmbeddingOptions.Of(0, period, 1)) };
        // Ten time windows in sequence, each a short and easy problem: a quarter of the points and a fifth of the iterations per window.
        var marching = periodic with
        {
            TimeWindows = 10,
            DomainPoints = plain.DomainPoints / 4,
            AdamIterations = plain.AdamIterations / 5,
            LbfgsIterations = plain.LbfgsIterations * 2 / 5,
        };
        return new Dictionary<string, PinnSettings>
        {
            ["default"] = plain,
            ["fourier"] = plain with { Network = Network(new FourierFeatureOptions(32, 1.0) { Coordinates = [0] }) },
            ["periodic"] = periodic,
            ["periodic-causal"] = periodic with { Causal = new CausalTraining(Chunks: 32) },
            ["periodic-balanced"] = periodic with { Balancing = new GradientNormBalancing(Every: 100) },
            ["periodic-multiadam"] = periodic with { FirstOptimizer = "multiadam" },
            ["periodic-marching"] = marching,
            // Each window after the first starts exactly from the previous one's state instead of an initial-condition loss.
            ["periodic-marching-hard"] = marching with { HardWindowStart = true },
            // Energy natural gradient costs one backward pass per residual row: a small network on few points.
            ["periodic-natural-gradient"] = periodic with
            {
                Hidden = [20, 20],
                Network = Network(PeriodicEmbeddingOptions.Of(0, period, 1), [20, 20]),
                DomainPoints = 1000,
                InitialPoints = 128,
                BoundaryPoints = 64,
                AdamIterations = 1000,
                LbfgsIterations = 0,
                NaturalGradientIterations = 200,
            },
        };
    }
}
