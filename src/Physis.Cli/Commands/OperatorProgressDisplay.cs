using System.Diagnostics;
using System.Globalization;
using Physis.Training.Operators;

namespace Physis.Cli.Commands;

/// <summary>
/// Operator training progress as plain lines, for output that is not a terminal (a file, a pipe, CI): an epoch's line at
/// most every few seconds (and the last epoch's), and every rollback. On a terminal <see cref="TrainingProgressDisplay"/>
/// draws bars and prints the same lines above them.
/// </summary>
internal sealed class OperatorProgressDisplay : IOperatorTrainingCallback
{
    private readonly Stopwatch clock = Stopwatch.StartNew();
    private TimeSpan? lastLine;

    public void OnBatch(int epoch, int batch, int batches, double loss) { }

    public void OnEpoch(EpochRecord record, int epochs)
    {
        if (record.Epoch != epochs && clock.Elapsed - lastLine < TimeSpan.FromSeconds(5)) return;
        lastLine = clock.Elapsed;
        Console.WriteLine(Describe(record, epochs));
    }

    public void OnRecovery(RecoveryRecord recovery) => Console.WriteLine(Describe(recovery));

    /// <summary>An epoch's losses, errors, learning rate and time, with the time the remaining epochs will take at its pace.</summary>
    public static string Describe(EpochRecord record, int epochs)
    {
        double left = (epochs - record.Epoch) * record.Seconds;
        string others = string.Concat((record.OtherTests ?? []).Select(t =>
            FormattableString.Invariant($"  {Path.GetFileName(t.Name)} L2 {t.RelativeL2:0.000E+00} H1 {t.RelativeH1:0.000E+00}")));
        return string.Create(CultureInfo.InvariantCulture,
            $"epoch {record.Epoch}/{epochs}  train loss {record.TrainLoss:0.000E+00}  test rel L2 {record.TestRelativeL2:0.000E+00}  H1 "
            + $"{record.TestRelativeH1:0.000E+00}  MSE {record.TestMeanSquare:0.000E+00}{others}  lr {record.LearningRate:E1}  "
            + $"{record.Seconds:F2} s/epoch  left ~{TimeSpan.FromSeconds(left):hh\\:mm\\:ss}");
    }

    public static string Describe(RecoveryRecord recovery) => string.Create(CultureInfo.InvariantCulture,
        $"epoch {recovery.Epoch} batch {recovery.Batch}: loss {recovery.Loss:G4} ({recovery.Reason}); rolled back to the "
        + $"epoch's start, learning rate x {recovery.RateScale:G4}");
}
