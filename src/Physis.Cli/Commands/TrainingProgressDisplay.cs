using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Physis.Training;
using Physis.Training.Operators;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Physis.Cli.Commands;

/// <summary>
/// Training progress for physis. On a terminal: Spectre.Console progress bars; for a PINN one per phase with step of
/// total, loss per term, iterations per second and time left, for an operator one over the epochs and one over the
/// current epoch's batches; phase ends and epoch lines are printed above the bars. Otherwise (output redirected to a
/// file, CI, the tests): plain lines every few seconds (<see cref="ConsoleProgress"/>, <see cref="OperatorProgressDisplay"/>),
/// which stay readable in a log. The library knows nothing of Spectre: the displays are its training callbacks.
/// </summary>
internal static class TrainingProgressDisplay
{
    /// <summary>The narrowest terminal that gets bars; a pseudo-terminal without a size (width 0) gets the plain lines.</summary>
    public const int MinimumWidth = 40;

    private static readonly TimeSpan TextInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Bars redraw in place with ANSI escape codes, so they need standard output to be a terminal that has them and is wide
    /// enough for a bar and its figures.
    /// </summary>
    public static bool UseBars(bool outputRedirected, bool ansi, int width) => !outputRedirected && ansi && width >= MinimumWidth;

    /// <summary>Runs PINN training with the display that standard output calls for.</summary>
    public static T Run<T>(TimeSpan plainInterval, Func<ITrainingCallback, T> train) =>
        OnTerminal() ? RunWithBars(AnsiConsole.Console, train) : train(new ConsoleProgress(interactive: false, plainInterval));

    /// <summary>Runs operator training with the display that standard output calls for.</summary>
    public static T RunOperator<T>(Func<IOperatorTrainingCallback, T> train) =>
        OnTerminal() ? RunOperatorWithBars(AnsiConsole.Console, train) : train(new OperatorProgressDisplay());

    /// <summary>Runs PINN training with progress bars drawn on <paramref name="console"/>.</summary>
    public static T RunWithBars<T>(IAnsiConsole console, Func<ITrainingCallback, T> train) =>
        WithBars(console, (context, details) => train(new PinnBars(console, context, details)));

    /// <summary>Runs operator training with progress bars drawn on <paramref name="console"/>.</summary>
    public static T RunOperatorWithBars<T>(IAnsiConsole console, Func<IOperatorTrainingCallback, T> train) =>
        WithBars(console, (context, details) => train(new OperatorBars(console, context, details)));

    private static bool OnTerminal()
    {
        bool redirected = Console.IsOutputRedirected;
        return UseBars(redirected, AnsiConsole.Profile.Capabilities.Ansi, redirected ? 0 : Console.WindowWidth);
    }

    /// <summary>Bars that keep their place until training ends; finished ones leave, their summary line stays above.</summary>
    private static T WithBars<T>(IAnsiConsole console, Func<ProgressContext, ConcurrentDictionary<int, string>, T> run)
    {
        var details = new ConcurrentDictionary<int, string>();
        // The bars hide the cursor, and Ctrl+C ends the process without unwinding: give the terminal its cursor back first.
        ConsoleCancelEventHandler showCursor = (_, _) => console.Cursor.Show(true);
        Console.CancelKeyPress += showCursor;
        try
        {
            return console.Progress()
                .AutoClear(false)
                .HideCompleted(true)
                .Columns(new TaskDescriptionColumn { Alignment = Justify.Left }, new ProgressBarColumn { Width = 30 }, new PercentageColumn(),
                    new DetailsColumn(details))
                .Start(context => run(context, details));
        }
        finally
        {
            Console.CancelKeyPress -= showCursor;
        }
    }

    /// <summary>
    /// A line above the bars, broken at spaces to the terminal's width. Each piece is one text with its line break: when
    /// Spectre wraps a text itself or sends the break on its own (WriteLine), the bars are redrawn glued to its last line.
    /// </summary>
    private static void WriteAbove(IAnsiConsole console, string line)
    {
        int width = Math.Max(MinimumWidth, console.Profile.Width) - 1;
        while (line.Length > width)
        {
            int cut = line.LastIndexOf(' ', width);
            if (cut <= 0) cut = width;
            console.Write(new Text(line[..cut] + "\n"));
            line = line[cut..].TrimStart();
        }
        console.Write(new Text(line + "\n"));
    }

    /// <summary>A bar's figures after it; on a narrow terminal they wrap under themselves.</summary>
    private sealed class DetailsColumn(ConcurrentDictionary<int, string> details) : ProgressColumn
    {
        public override IRenderable Render(RenderOptions options, ProgressTask task, TimeSpan deltaTime) =>
            new Text(details.GetValueOrDefault(task.Id, ""), new Style(Color.Grey));
    }

    /// <summary>Limits how often a bar's figures are formatted: a few times a second, and always when asked to.</summary>
    private sealed class Throttle
    {
        private readonly Stopwatch clock = Stopwatch.StartNew();
        private TimeSpan? last;

        public bool Due(bool always)
        {
            if (!always && last is { } at && clock.Elapsed - at < TextInterval) return false;
            last = clock.Elapsed;
            return true;
        }
    }

    private sealed class PinnBars(IAnsiConsole console, ProgressContext context, ConcurrentDictionary<int, string> details)
        : ITrainingCallback
    {
        private readonly PhaseProgress status = new();
        private readonly Throttle throttle = new();
        private ProgressTask? bar;

        public void OnStep(PinnTrainer trainer, LossRecord record, TrainingPhase phase, int phaseStep)
        {
            status.Observe(phase, phaseStep);
            bool first = bar is null;
            // A resumed phase starts its bar where the run stopped.
            bar ??= context.AddTask(Markup.Escape(phase.Name), maxValue: Math.Max(phase.Iterations, 1)).Value(phaseStep - 1);
            bar.Value = phaseStep;
            if (throttle.Due(first || phaseStep == phase.Iterations)) details[bar.Id] = status.Describe(trainer, record, phase, phaseStep);
        }

        public void OnPhaseEnd(PinnTrainer trainer, PhaseEnd end)
        {
            // L-BFGS may converge before its bound: the finished phase is complete all the same.
            bar?.Value(bar.MaxValue).StopTask();
            bar = null;
            WriteAbove(console, $"{end.Phase} ended at step {end.Step}: {end.Reason}");
            status.EndPhase();
        }
    }

    private sealed class OperatorBars(IAnsiConsole console, ProgressContext context, ConcurrentDictionary<int, string> details)
        : IOperatorTrainingCallback
    {
        private readonly Throttle throttle = new();
        private ProgressTask? epochs;
        private ProgressTask? batches;

        public void OnBatch(int epoch, int batch, int batchCount, double loss)
        {
            // The epoch count arrives with the first finished epoch; until then only the batch bar runs.
            batches ??= context.AddTask($"epoch {epoch}", maxValue: batchCount);
            batches.Value = batch;
            if (throttle.Due(batch == 1 || batch == batchCount))
                details[batches.Id] = string.Create(CultureInfo.InvariantCulture, $"batch {batch}/{batchCount}  loss {loss:0.000E+00}");
        }

        public void OnEpoch(EpochRecord record, int epochCount)
        {
            batches?.Value(batches.MaxValue).StopTask();
            batches = null;
            epochs ??= context.AddTask("epochs", maxValue: epochCount).Value(record.Epoch - 1);
            epochs.Value = record.Epoch;
            details[epochs.Id] = string.Create(CultureInfo.InvariantCulture,
                $"{record.Epoch}/{epochCount} epochs  left ~{TimeSpan.FromSeconds((epochCount - record.Epoch) * record.Seconds):hh\\:mm\\:ss}");
            WriteAbove(console, OperatorProgressDisplay.Describe(record, epochCount));
        }

        public void OnRecovery(RecoveryRecord recovery)
        {
            // The epoch starts again from its first batch.
            batches?.StopTask();
            batches = null;
            WriteAbove(console, OperatorProgressDisplay.Describe(recovery));
        }
    }
}
