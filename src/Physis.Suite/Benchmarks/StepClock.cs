using System.Diagnostics;
using Physis.Infrastructure.Distributed;
using Physis.Training;

namespace Physis.Suite.Benchmarks;

/// <summary>Times the steps of a PINN training run, and the communication inside them when it runs on several ranks.</summary>
internal sealed class StepClock(Communicator? ranks = null) : ITrainingCallback
{
    // The first steps pay for warm-up (allocator, lazily built kernels).
    private const int WarmUp = 2;
    private readonly List<(double Wall, double Communication)> times = [];
    private readonly Stopwatch clock = Stopwatch.StartNew();

    public void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep) =>
        times.Add((clock.Elapsed.TotalSeconds, ranks?.CommunicationTime.TotalSeconds ?? 0));

    /// <summary>The median time between steps after the warm-up.</summary>
    public double SecondsPerStep
    {
        get
        {
            var intervals = times.Skip(WarmUp).Zip(times.Skip(WarmUp + 1), (a, b) => b.Wall - a.Wall).Order().ToList();
            return intervals.Count == 0 ? double.NaN : intervals[intervals.Count / 2];
        }
    }

    /// <summary>The share of the time after the warm-up spent inside collective operations.</summary>
    public double CommunicationShare => times.Count <= WarmUp + 1
        ? double.NaN
        : (times[^1].Communication - times[WarmUp].Communication) / (times[^1].Wall - times[WarmUp].Wall);
}

/// <summary>Summaries of repeated timings.</summary>
internal static class Timings
{
    /// <summary>The median of the finite values (the mean of the middle two for an even count); NaN for none.</summary>
    public static double Median(IEnumerable<double> values)
    {
        var sorted = values.Where(double.IsFinite).Order().ToList();
        return sorted.Count == 0 ? double.NaN
            : sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[sorted.Count / 2 - 1] + sorted[sorted.Count / 2]) / 2;
    }
}
