using Physis.Infrastructure.Configuration;

namespace Physis.Training.Adaptive;

/// <summary>sampling: adaptive: { method: rar, every, candidates, points,
/// max-points }, { method: rad, every, candidates, exponent, offset } or { method: uniform, every }.</summary>
internal sealed class AdaptiveSamplingBinding : TrainingMethodBinding
{
    public override string Section => "sampling";
    public override string Key => "adaptive";
    public override int Order => 30;
    public override IReadOnlyDictionary<Type, string> Types { get; } =
        new Dictionary<Type, string>
        {
            [typeof(ResidualAdaptiveRefinement)] = "rar",
            [typeof(ResidualAdaptiveDistribution)] = "rad",
            [typeof(UniformResampling)] = "uniform"
        };

    public override ITrainingMethodOptions Parse(ConfigNode node)
    {
        var k = node.Mapping("method", "every", "candidates", "points", "max-points", "exponent", "offset");
        if (!k.TryGetValue("method", out var m)) throw node.Error("needs a method: rar, rad or uniform.");
        if (m.Choice("rar", "rad", "uniform") == "uniform")
        {
            foreach (var key in k.Keys.Where(key => key is not ("method" or "every")))
                throw k[key].Error("applies to rar or rad only.");
            return new UniformResampling(k.TryGetValue("every", out var u) ? u.Int(1) : 1);
        }
        int every = k.TryGetValue("every", out var e) ? e.Int(1) : 1000, candidates = k.TryGetValue("candidates", out var c) ? c.Int(1) : 10_000;
        string[] rarOnly = ["points", "max-points"], radOnly = ["exponent", "offset"];
        bool rar = m.Choice("rar", "rad") == "rar";
        foreach (var key in (rar ? radOnly : rarOnly).Where(k.ContainsKey))
            throw k[key].Error($"applies to {(rar ? "rad" : "rar")} only.");
        return rar
            ? new ResidualAdaptiveRefinement(every, candidates, k.TryGetValue("points", out var p) ? p.Int(1) : 10,
                k.TryGetValue("max-points", out var mp) ? mp.Int(1) : null)
            : new ResidualAdaptiveDistribution(every, candidates, k.TryGetValue("exponent", out var x) ? x.Double(positive: false) : 1,
                k.TryGetValue("offset", out var o) ? o.Double(positive: false) : 1);
    }
}
