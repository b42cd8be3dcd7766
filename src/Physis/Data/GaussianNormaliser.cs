using Physis.Infrastructure.Distributed;
using static TorchSharp.torch;

namespace Physis.Data;

/// <summary>
/// Shifts and scales a field to zero mean and unit variance with one mean and one standard deviation over all samples
/// and grid points (not per point), so the same normaliser applies at any resolution. Fitted on the training set only.
/// </summary>
public sealed record GaussianNormaliser(double Mean, double StandardDeviation)
{
    /// <summary>
    /// Fitted to <paramref name="values"/>, or, with a distributed <paramref name="communicator"/>, to every rank's values
    /// together (sums over the ranks in rank order, so all ranks get the same normaliser).
    /// </summary>
    public static GaussianNormaliser Fit(ReadOnlySpan<double> values, Communicator? communicator = null)
    {
        communicator ??= Communicator.SingleProcess;
        double[] sums = [0, values.Length];
        foreach (double v in values) sums[0] += v;
        communicator.SumInRankOrder(sums);
        if (sums[1] == 0) throw new ArgumentException("Cannot fit a normaliser to no values.");
        double mean = sums[0] / sums[1];
        double[] variance = [0];
        foreach (double v in values) variance[0] += (v - mean) * (v - mean);
        communicator.SumInRankOrder(variance);
        double deviation = Math.Sqrt(variance[0] / sums[1]);
        // A constant field would divide by zero; leave its scale alone.
        return new GaussianNormaliser(mean, deviation > 0 ? deviation : 1);
    }

    /// <summary>
    /// Scale only (mean 0, root mean square as the deviation), for outputs whose zeros must stay zeros; over every rank's
    /// values with a distributed <paramref name="communicator"/>.
    /// </summary>
    public static GaussianNormaliser FitScale(ReadOnlySpan<double> values, Communicator? communicator = null)
    {
        double[] sums = [0, values.Length];
        foreach (double v in values) sums[0] += v * v;
        (communicator ?? Communicator.SingleProcess).SumInRankOrder(sums);
        if (sums[1] == 0) throw new ArgumentException("Cannot fit a normaliser to no values.");
        double rms = Math.Sqrt(sums[0] / sums[1]);
        return new GaussianNormaliser(0, rms > 0 ? rms : 1);
    }

    public Tensor Encode(Tensor x) => (x - Mean) / StandardDeviation;
    public Tensor Decode(Tensor x) => x * StandardDeviation + Mean;
}
