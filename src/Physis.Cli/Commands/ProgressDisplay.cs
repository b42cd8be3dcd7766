using System.Diagnostics;
using System.Globalization;
using Physis.Training;

namespace Physis.Cli.Commands;

/// <summary>
/// Training progress: on a terminal one status line redrawn a few times a second; when output is redirected
/// (a log file, CI) a plain line every few seconds, so logs stay readable.
/// </summary>
internal sealed class ProgressDisplay(bool interactive, TimeSpan plainInterval) : ITrainingCallback
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private TimeSpan? lastDraw;
    private string? currentPhase;
    private TimeSpan phaseStart;
    private int phaseFirstStep;

    public void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep)
    {
        var now = clock.Elapsed;
        if (currentPhase != phase.Name)
        {
            if (currentPhase is not null && interactive) Console.WriteLine();
            (currentPhase, phaseStart, phaseFirstStep) = (phase.Name, now, phaseStep - 1);
        }
        bool last = phaseStep == phase.Iterations;
        var interval = interactive ? TimeSpan.FromMilliseconds(250) : plainInterval;
        if (!last && lastDraw is { } drawn && now - drawn < interval) return;
        lastDraw = now;

        double seconds = (now - phaseStart).TotalSeconds;
        double rate = seconds > 0 ? (phaseStep - phaseFirstStep) / seconds : 0;
        string left = rate > 0 ? Format(TimeSpan.FromSeconds((phase.Iterations - phaseStep) / rate)) : "?";
        string terms = string.Join(" ", trainer.LossTermNames.Zip(record.Terms, (n, v) => $"{n} {v.ToString("E2", CultureInfo.InvariantCulture)}"));
        string limit = phase is LbfgsPhase ? "at most " : "";
        string line = string.Create(CultureInfo.InvariantCulture,
            $"{phase.Name} {phaseStep}/{phase.Iterations}  loss {record.Total:E3}  [{terms}]  {rate:F1} it/s  left {limit}{left}");
        if (interactive)
        {
            int width = Console.IsOutputRedirected ? 200 : Math.Max(40, Console.WindowWidth - 1);
            Console.Write("\r" + (line.Length > width ? line[..width] : line.PadRight(width)));
            if (last) Console.WriteLine();
        }
        else Console.WriteLine(line);
    }

    public void Finish()
    {
        if (interactive && currentPhase is not null) Console.WriteLine();
    }

    internal static string Format(TimeSpan t) => t.TotalHours >= 1 ? $"{(int)t.TotalHours}h{t.Minutes:D2}m"
        : t.TotalMinutes >= 1 ? $"{(int)t.TotalMinutes}m{t.Seconds:D2}s"
        : $"{t.Seconds}s";
}
