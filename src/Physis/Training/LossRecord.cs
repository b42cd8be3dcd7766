namespace Physis.Training;

/// <summary>
/// Loss values at one iteration: the weighted total the optimizer saw and each unweighted term (mean square residual),
/// in <see cref="Problems.PdeProblem.LossTermNames"/> order, and the values the training methods in use report.
/// </summary>
public sealed record LossRecord(int Step, string Phase, double Total, double[] Terms)
{
    /// <summary>
    /// Per-iteration values of the training methods, by column name (weight_pde, causal_min_weight, ...); loss.csv gives
    /// each its column.
    /// </summary>
    public IReadOnlyDictionary<string, double> Values { get; init; } = new Dictionary<string, double>();
}

/// <summary>
/// Called after every iteration, for progress display, evaluation or early stopping (<see cref="PinnTrainer.RequestStop"/>).
/// </summary>
public interface ITrainingCallback
{
    void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep);
    /// <summary>After a phase ends, with how it ended.</summary>
    void OnPhaseEnd(PinnTrainer trainer, PhaseEnd end) { }
}
