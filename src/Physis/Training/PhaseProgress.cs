using System.Diagnostics;
using System.Globalization;

namespace Physis.Training;

/// <summary>
/// The state of the training phase in progress as text: step of total, loss with each term, iterations per second and time
/// left, measured from the first step of the phase that this object saw (a resumed run does not count its earlier steps).
/// Progress displays (<see cref="ConsoleProgress"/>, the physis command's bars) share it, so they show the same figures.
/// </summary>
public sealed class PhaseProgress
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private string? phaseName;
    private TimeSpan phaseStart;
    private int phaseFirstStep;

    /// <summary>Notes a step; a display calls it at every step, so the rate counts from its phase's first step.</summary>
    public void Observe(TrainingPhase phase, int phaseStep)
    {
        if (phaseName != phase.Name) (phaseName, phaseStart, phaseFirstStep) = (phase.Name, clock.Elapsed, phaseStep - 1);
    }

    /// <summary>For example <c>120/2000  loss 5.434E-001  [pde 1.46E-003 initial_u 5.39E-001]  312.4 it/s  left 6s</c>.</summary>
    public string Describe(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep)
    {
        Observe(phase, phaseStep);
        double seconds = (clock.Elapsed - phaseStart).TotalSeconds;
        double rate = seconds > 0 ? (phaseStep - phaseFirstStep) / seconds : 0;
        string left = rate > 0 ? ConsoleProgress.Format(TimeSpan.FromSeconds((phase.Iterations - phaseStep) / rate)) : "?";
        string terms = string.Join(" ", trainer.LossTermNames.Zip(record.Terms, (n, v) => $"{n} {v.ToString("E2", CultureInfo.InvariantCulture)}"));
        // L-BFGS stops when it converges, so its iteration count is a bound.
        string limit = phase is LbfgsPhase ? "at most " : "";
        return string.Create(CultureInfo.InvariantCulture,
            $"{phaseStep}/{phase.Iterations}  loss {record.Total:E3}  [{terms}]  {rate:F1} it/s  left {limit}{left}");
    }

    /// <summary>After a phase ends: the next one starts its clock afresh, even under the same name (time windows).</summary>
    public void EndPhase() => phaseName = null;
}
