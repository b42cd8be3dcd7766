using System.Collections.Concurrent;
using Physis.Training;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Physis.Cli.Commands;

/// <summary>
/// PINN training progress for physis. On a terminal: Spectre.Console progress bars, one per phase, with step of total,
/// loss per term, iterations per second and time left, and each phase's end as a line above them. Otherwise (output
/// redirected to a file, CI, the tests): the library's plain <see cref="ConsoleProgress"/> lines every few seconds, which
/// stay readable in a log. The library knows nothing of Spectre: the display is an <see cref="ITrainingCallback"/>.
/// </summary>
internal static class TrainingProgressDisplay
{
    /// <summary>The narrowest terminal that gets bars; a pseudo-terminal without a size (width 0) gets the plain lines.</summary>
    public const int MinimumWidth = 40;

    /// <summary>
    /// Bars redraw in place with ANSI escape codes, so they need standard output to be a terminal that has them and is wide
    /// enough for a bar and its figures.
    /// </summary>
    public static bool UseBars(bool outputRedirected, bool ansi, int width) => !outputRedirected && ansi && width >= MinimumWidth;

    /// <summary>Runs <paramref name="train"/> with the display that standard output calls for.</summary>
    public static T Run<T>(TimeSpan plainInterval, Func<ITrainingCallback, T> train)
    {
        bool redirected = Console.IsOutputRedirected;
        return UseBars(redirected, AnsiConsole.Profile.Capabilities.Ansi, redirected ? 0 : Console.WindowWidth)
            ? RunWithBars(AnsiConsole.Console, train)
            : train(new ConsoleProgress(interactive: false, plainInterval));
    }

    /// <summary>Runs <paramref name="train"/> with progress bars drawn on <paramref name="console"/>.</summary>
    public static T RunWithBars<T>(IAnsiConsole console, Func<ITrainingCallback, T> train)
    {
        var details = new ConcurrentDictionary<int, string>();
        return console.Progress()
            .AutoClear(false)
            .HideCompleted(true)
            .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 30 }, new PercentageColumn(),
                new DetailsColumn(details))
            .Start(context => train(new Bars(console, context, details)));
    }

    /// <summary>The text of <see cref="PhaseProgress"/> after each bar; on a narrow terminal it wraps under itself.</summary>
    private sealed class DetailsColumn(ConcurrentDictionary<int, string> details) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(details.GetValueOrDefault(task.Id, ""), new Style(Color.Grey));
    }

    private sealed class Bars(IAnsiConsole console, ProgressContext context, ConcurrentDictionary<int, string> details)
        : ITrainingCallback
    {
        private static readonly TimeSpan TextInterval = TimeSpan.FromMilliseconds(100);
        private readonly PhaseProgress status = new();
        private readonly System.Diagnostics.Stopwatch clock = System.Diagnostics.Stopwatch.StartNew();
        private ProgressTask? bar;
        private TimeSpan? lastText;

        public void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep)
        {
            status.Observe(phase, phaseStep);
            // A resumed phase starts its bar where the run stopped.
            bar ??= context.AddTask(Markup.Escape(phase.Name), maxValue: Math.Max(phase.Iterations, 1)).Value(phaseStep - 1);
            bar.Value = phaseStep;
            // The bar's value is cheap to set; the text (every loss term) is written a few times a second and at the end.
            var now = clock.Elapsed;
            if (phaseStep != phase.Iterations && lastText is { } written && now - written < TextInterval) return;
            lastText = now;
            details[bar.Id] = status.Describe(trainer, record, phase, phaseStep);
        }

        public void OnPhaseEnd(PinnTrainer trainer, PhaseEnd end)
        {
            if (bar is not null)
            {
                // L-BFGS may converge before its bound: the finished phase leaves the display whole.
                bar.Value = bar.MaxValue;
                bar.StopTask();
            }
            console.WriteLine($"{end.Phase} ended at step {end.Step}: {end.Reason}");
            bar = null;
            status.EndPhase();
        }
    }
}
