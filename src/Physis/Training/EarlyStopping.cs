using System.Diagnostics;
using System.Globalization;

namespace Physis.Training;

/// <summary>
/// Stops training when a metric has not improved for <see cref="Patience"/> evaluations: by default the total loss at
/// every iteration; give <see cref="Metric"/> to watch something else (the error against a reference, a validation
/// loss) and <see cref="Every"/> to evaluate it every so many iterations. An evaluation improves when it lies below
/// best * (1 - <see cref="MinDelta"/>), so the tolerance is relative, as losses span many orders of magnitude (the
/// metric must not be negative).
/// </summary>
public sealed class EarlyStopping : ITrainingCallback
{
    private int evaluations, sinceBest;
    private bool phaseEnded;

    public EarlyStopping(int patience, double minDelta = 0, Func<PinnTrainer, LossRecord, double>? metric = null, int every = 1,
        string name = "loss")
    {
        if (patience <= 0) throw new ArgumentException($"EarlyStopping: Patience must be positive, got {patience}.");
        if (!(minDelta >= 0 && minDelta < 1)) throw new ArgumentException($"EarlyStopping: MinDelta must lie in [0, 1), got {minDelta}.");
        if (every <= 0) throw new ArgumentException($"EarlyStopping: Every must be positive, got {every}.");
        (Patience, MinDelta, Metric, Every, Name) = (patience, minDelta, metric ?? ((_, record) => record.Total), every, name);
    }

    public int Patience { get; }
    public double MinDelta { get; }
    public Func<PinnTrainer, LossRecord, double> Metric { get; }
    public int Every { get; }
    public string Name { get; }
    /// <summary>The best value of the metric so far and the step it was reached at.</summary>
    public double Best { get; private set; } = double.PositiveInfinity;
    public int BestStep { get; private set; }

    public void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep)
    {
        if (phaseEnded) (Best, BestStep, sinceBest, evaluations, phaseEnded) = (double.PositiveInfinity, 0, 0, 0, false);
        if (evaluations++ % Every != 0) return;
        double value = Metric(trainer, record);
        if (value < Best * (1 - MinDelta))
        {
            (Best, BestStep, sinceBest) = (value, trainer.Step, 0);
            return;
        }
        if (++sinceBest >= Patience)
            trainer.RequestStop(string.Create(CultureInfo.InvariantCulture,
                $"early stopping: {Name} has not improved on {Best:E3} (step {BestStep}) in {Patience} evaluations"));
    }

    /// <summary>Each phase (and each time-marching window, which runs its own phases) is watched afresh.</summary>
    public void OnPhaseEnd(PinnTrainer trainer, PhaseEnd end) => phaseEnded = true;
}

/// <summary>Stops training once the wall time since this budget was created reaches <see cref="Budget"/>.</summary>
public sealed class TimeBudget : ITrainingCallback
{
    private readonly Func<TimeSpan> elapsed;

    /// <param name="clock">the elapsed time (a test's fake clock); by default a stopwatch started now</param>
    public TimeBudget(TimeSpan budget, Func<TimeSpan>? clock = null)
    {
        if (budget < TimeSpan.Zero) throw new ArgumentException($"TimeBudget: the budget cannot be negative, got {budget}.");
        Budget = budget;
        if (clock is null)
        {
            var watch = Stopwatch.StartNew();
            clock = () => watch.Elapsed;
        }
        elapsed = clock;
    }

    public TimeSpan Budget { get; }

    public void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep)
    {
        if (elapsed() >= Budget) trainer.RequestStop($"time budget of {ConsoleProgress.Format(Budget)} reached");
    }
}
