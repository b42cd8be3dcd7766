using System.Diagnostics;
using System.Globalization;
using Physis.Training.Operators;

namespace Physis.Cli.Commands;

/// <summary>
/// Operator training progress: one permanent line per epoch (losses, errors, time); on a terminal the batch in progress is
/// redrawn in place between them. When output is redirected, epochs are printed at most every few seconds (and the last).
/// </summary>
internal sealed class OperatorProgressDisplay(bool interactive) : IOperatorTrainingCallback
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private TimeSpan? lastDraw;

    public void OnBatch(int epoch, int batch, int batches, double loss)
    {
        if (!interactive || clock.Elapsed - lastDraw < TimeSpan.FromMilliseconds(250)) return;
        lastDraw = clock.Elapsed;
        Console.Write(string.Create(CultureInfo.InvariantCulture, $"\repoch {epoch} batch {batch}/{batches}  loss {loss:0.000E+00}").PadRight(60));
    }

    public void OnEpoch(EpochRecord record, int epochs)
    {
        if (!interactive && record.Epoch != epochs && clock.Elapsed - lastDraw < TimeSpan.FromSeconds(5)) return;
        lastDraw = clock.Elapsed;
        double left = (epochs - record.Epoch) * record.Seconds;
        string others = string.Concat((record.OtherTests ?? []).Select(t =>
            FormattableString.Invariant($"  {Path.GetFileName(t.Name)} L2 {t.RelativeL2:0.000E+00} H1 {t.RelativeH1:0.000E+00}")));
        string line = string.Create(CultureInfo.InvariantCulture,
            $"epoch {record.Epoch}/{epochs}  train loss {record.TrainLoss:0.000E+00}  test rel L2 {record.TestRelativeL2:0.000E+00}  H1 "
            + $"{record.TestRelativeH1:0.000E+00}  MSE {record.TestMeanSquare:0.000E+00}{others}  lr {record.LearningRate:E1}  "
            + $"{record.Seconds:F2} s/epoch  left ~{TimeSpan.FromSeconds(left):hh\\:mm\\:ss}");
        Console.WriteLine(interactive ? "\r" + line.PadRight(60) : line);
    }

    public void OnRecovery(RecoveryRecord recovery) => Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
        $"{(interactive ? "\r" : "")}epoch {recovery.Epoch} batch {recovery.Batch}: loss {recovery.Loss:G4} ({recovery.Reason}); rolled back to the "
        + $"epoch's start, learning rate x {recovery.RateScale:G4}"));
}
