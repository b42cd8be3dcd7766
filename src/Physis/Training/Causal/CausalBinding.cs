using Physis.Infrastructure.Configuration;

namespace Physis.Training.Causal;

/// <summary>training: causal: { chunks, epsilons, threshold }.</summary>
internal sealed class CausalBinding : TrainingMethodBinding
{
    public override string Section => "training";
    public override string Key => "causal";
    public override int Order => 20;
    public override IReadOnlyDictionary<Type, string> Types { get; } = new Dictionary<Type, string> { [typeof(CausalTraining)] = "causal" };

    public override ITrainingMethodOptions Parse(ConfigNode node)
    {
        var c = node.Mapping("chunks", "epsilons", "threshold");
        return new CausalTraining(c.TryGetValue("chunks", out var n) ? n.Int(2) : 32,
            c.TryGetValue("epsilons", out var e) ? [.. e.Sequence().Select(v => v.Double())] : null,
            c.TryGetValue("threshold", out var t) ? t.Double() : 0.99);
    }
}
