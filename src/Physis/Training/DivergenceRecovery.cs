namespace Physis.Training;

/// <summary>
/// What a <see cref="PinnTrainer"/> does when the loss stops being finite or explodes: it rolls the network, the
/// problem's parameters, the optimizer's and the methods' state back to the last snapshot (taken at each phase's start
/// and every <see cref="SnapshotEvery"/> iterations), multiplies the optimizer's step by <see cref="StepFactor"/> and
/// goes on, at most <see cref="MaxRetries"/> times in a run; after that it restores the snapshot and throws a
/// <see cref="TrainingDivergedException"/>.
/// </summary>
public sealed record DivergenceRecovery
{
    public int MaxRetries { get; init; } = 3;
    /// <summary>Factor on the step (Adam's learning rate, L-BFGS's first trial step) at each rollback.</summary>
    public double StepFactor { get; init; } = 0.5;
    public int SnapshotEvery { get; init; } = 100;
    /// <summary>
    /// A finite loss above this multiple of the loss at the last snapshot counts as diverged: far beyond what loss
    /// balancing or causal weights do to the total, well short of the overflow that follows.
    /// </summary>
    public double ExplosionFactor { get; init; } = 1e6;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        if (MaxRetries < 0) throw new ArgumentException($"DivergenceRecovery.MaxRetries cannot be negative, got {MaxRetries}.");
        if (!(StepFactor > 0 && StepFactor < 1)) throw new ArgumentException($"DivergenceRecovery.StepFactor must lie in (0, 1), got {StepFactor}.");
        if (SnapshotEvery <= 0) throw new ArgumentException($"DivergenceRecovery.SnapshotEvery must be positive, got {SnapshotEvery}.");
        if (!(ExplosionFactor > 1)) throw new ArgumentException($"DivergenceRecovery.ExplosionFactor must exceed 1, got {ExplosionFactor}.");
    }
}

/// <summary>One rollback: the step whose loss diverged, the step training went back to, and the step factor from then on.</summary>
public sealed record Rollback(int DivergedAtStep, string Phase, double Loss, int ResumedFromStep, double StepScale);

/// <summary>How a phase ended: at its iteration count, when its optimizer stopped (and why), or on a callback's request.</summary>
public sealed record PhaseEnd(string Phase, int Step, string Reason);

/// <summary>The loss diverged again after every retry <see cref="DivergenceRecovery"/> allows; the trainer holds the last good state.</summary>
public sealed class TrainingDivergedException(string message) : Exception(message);
