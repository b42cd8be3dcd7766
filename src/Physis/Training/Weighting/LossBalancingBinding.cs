using Physis.Infrastructure.Configuration;

namespace Physis.Training.Weighting;

/// <summary>training: loss-balancing: { method: gradient-norm, every, alpha, statistic } or { method: ntk, every, subsample, alpha }.</summary>
internal sealed class LossBalancingBinding : TrainingMethodBinding
{
    public override string Section => "training";
    public override string Key => "loss-balancing";
    public override int Order => 10;
    public override IReadOnlyDictionary<Type, string> Types { get; } =
        new Dictionary<Type, string> { [typeof(GradientNormBalancing)] = "gradient_norm", [typeof(NtkBalancing)] = "ntk" };

    public override ITrainingMethodOptions Parse(ConfigNode node)
    {
        var k = node.Mapping("method", "every", "alpha", "statistic", "subsample");
        if (!k.TryGetValue("method", out var m)) throw node.Error("needs a method: gradient-norm or ntk.");
        double Alpha(double fallback) => k.TryGetValue("alpha", out var a) ? a.Double(positive: false) : fallback;
        if (m.Choice("gradient-norm", "ntk") == "ntk")
        {
            if (k.TryGetValue("statistic", out var s)) throw s.Error("applies to gradient-norm balancing only.");
            return new NtkBalancing(k.TryGetValue("every", out var e) ? e.Int(1) : 100,
                k.TryGetValue("subsample", out var n) ? n.Int(1) : 64, Alpha(0));
        }
        if (k.TryGetValue("subsample", out var sub)) throw sub.Error("applies to ntk balancing only.");
        var statistic = k.TryGetValue("statistic", out var st) && st.Choice("max", "mean") == "mean" ? GradientStatistic.Mean : GradientStatistic.Max;
        return new GradientNormBalancing(k.TryGetValue("every", out var ev) ? ev.Int(1) : 10, Alpha(0.9), statistic);
    }
}
