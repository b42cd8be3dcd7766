using System.Text.Json.Serialization;
using Physis.Training.Optimizers;

namespace Physis.Training;

/// <summary>The optimizer of the first training phase.</summary>
public enum FirstOptimizer
{
    Adam,
    /// <summary>One Adam scale per loss term.</summary>
    [JsonStringEnumMemberName("multiadam")] MultiAdam,
}

/// <summary>
/// A PINN's optimizer phases: Adam (or MultiAdam), then L-BFGS until it converges or reaches its count, then optionally
/// energy natural gradient (for small networks).
/// </summary>
public sealed record OptimizerSchedule
{
    public FirstOptimizer FirstOptimizer { get; init; } = FirstOptimizer.Adam;
    public int AdamIterations { get; init; } = 15_000;
    public double LearningRate { get; init; } = 1e-3;
    /// <summary>
    /// Adam's learning rate decays linearly from <see cref="LearningRate"/> to 0 over its iterations (the STDE
    /// benchmarks' schedule); false keeps it constant.
    /// </summary>
    public bool LinearDecay { get; init; }
    /// <summary>
    /// The first this many of the Adam iterations keep the problem's trainable parameters (unknown coefficients,
    /// eigenvalues) at their initial values, so the network first fits the equation they give.
    /// </summary>
    public int ParameterHoldIterations { get; init; }
    public int LbfgsIterations { get; init; } = 15_000;
    public int LbfgsHistory { get; init; } = 100;
    /// <summary>Energy natural-gradient iterations after L-BFGS (0: none).</summary>
    public int NaturalGradientIterations { get; init; }

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (AdamIterations < 0) throw new ArgumentException($"AdamIterations cannot be negative, got {AdamIterations}.");
        if (ParameterHoldIterations < 0 || ParameterHoldIterations > AdamIterations)
            throw new ArgumentException("ParameterHoldIterations counts the first Adam iterations, so it must lie in "
                + $"[0, {AdamIterations}] (AdamIterations), got {ParameterHoldIterations}.");
        if (LbfgsIterations < 0) throw new ArgumentException($"LbfgsIterations cannot be negative, got {LbfgsIterations}.");
        if (!Enum.IsDefined(FirstOptimizer)) throw new ArgumentException($"FirstOptimizer must be adam or multiadam, got {FirstOptimizer}.");
        if (NaturalGradientIterations < 0)
            throw new ArgumentException($"NaturalGradientIterations cannot be negative, got {NaturalGradientIterations}.");
        if (AdamIterations + LbfgsIterations + NaturalGradientIterations == 0)
            throw new ArgumentException("Nothing to train: AdamIterations and LbfgsIterations are both 0.");
        if (!(LearningRate > 0) || !double.IsFinite(LearningRate))
            throw new ArgumentException($"LearningRate must be a positive number, got {LearningRate}.");
        if (LbfgsHistory <= 0) throw new ArgumentException($"LbfgsHistory must be positive, got {LbfgsHistory}.");
    }

    /// <summary>
    /// Adam (or MultiAdam), its first <see cref="ParameterHoldIterations"/> as a phase of their own that holds the
    /// problem's parameters (the optimizer's moments start afresh after it), then L-BFGS, then optionally natural gradient.
    /// </summary>
    public IReadOnlyList<TrainingPhase> Phases()
    {
        TrainingPhase First(int iterations) => FirstOptimizer == FirstOptimizer.MultiAdam
            ? new MultiAdamPhase(iterations, LearningRate, Schedule: Decay(iterations))
            : new AdamPhase(iterations, LearningRate, Decay(iterations));
        LearningRateSchedule? Decay(int iterations) =>
            LinearDecay && iterations > 0 ? new LearningRateSchedule.Linear(LearningRate, iterations) : null;
        var phases = new List<TrainingPhase>();
        if (ParameterHoldIterations > 0) phases.Add(First(ParameterHoldIterations) with { HoldsProblemParameters = true });
        phases.Add(First(AdamIterations - ParameterHoldIterations));
        phases.Add(new LbfgsPhase(LbfgsIterations, new LbfgsSettings { History = LbfgsHistory }));
        if (NaturalGradientIterations > 0) phases.Add(new NaturalGradientPhase(NaturalGradientIterations));
        return phases;
    }
}
