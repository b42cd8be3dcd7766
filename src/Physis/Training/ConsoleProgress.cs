using System.Diagnostics;

namespace Physis.Training;

/// <summary>
/// Training progress on the console: on a terminal one status line redrawn a few times a second; when output is
/// redirected (a log file, CI) a plain line every <c>plainInterval</c> (10 s by default), so logs stay readable. Each
/// phase's end is a line of its own with the reason (L-BFGS converged, the iteration count, a stop).
/// </summary>
public sealed class ConsoleProgress(bool? interactive = null, TimeSpan? plainInterval = null, TextWriter? output = null) : ITrainingCallback
{
    private readonly bool interactive = interactive ?? !Console.IsOutputRedirected;
    private readonly TimeSpan plainInterval = plainInterval ?? TimeSpan.FromSeconds(10);
    private readonly TextWriter output = output ?? Console.Out;
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private readonly PhaseProgress status = new();
    private TimeSpan? lastDraw;
    private bool lineOpen;

    public void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep)
    {
        var now = clock.Elapsed;
        status.Observe(phase, phaseStep);
        bool last = phaseStep == phase.Iterations;
        var interval = interactive ? TimeSpan.FromMilliseconds(250) : plainInterval;
        if (!last && lastDraw is { } drawn && now - drawn < interval) return;
        lastDraw = now;

        string line = $"{phase.Name} {status.Describe(trainer, record, phase, phaseStep)}";
        if (interactive)
        {
            int width = Console.IsOutputRedirected ? 200 : Math.Max(40, Console.WindowWidth - 1);
            output.Write("\r" + (line.Length > width ? line[..width] : line.PadRight(width)));
            lineOpen = true;
        }
        else output.WriteLine(line);
    }

    public void OnPhaseEnd(PinnTrainer trainer, PhaseEnd end)
    {
        Finish();
        output.WriteLine($"{end.Phase} ended at step {end.Step}: {end.Reason}");
        status.EndPhase();
    }

    /// <summary>Ends the status line, if one is open (after training that threw).</summary>
    public void Finish()
    {
        if (lineOpen) output.WriteLine();
        lineOpen = false;
    }

    /// <summary>A duration as 1h05m, 3m20s or 42s.</summary>
    public static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m"
        : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:D2}s"
        : $"{t.Seconds}s";
}
