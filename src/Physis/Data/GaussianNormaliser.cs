using static TorchSharp.torch;

namespace Physis.Data;

/// <summary>
/// Shifts and scales a field to zero mean and unit variance with one mean and one standard deviation over all samples
/// and grid points (not per point), so the same normaliser applies at any resolution. Fitted on the training set only.
/// </summary>
public sealed record GaussianNormaliser(double Mean, double StandardDeviation)
{
    public static GaussianNormaliser Fit(ReadOnlySpan<double> values)
    {
        if (values.Length == 0) throw new ArgumentException("Cannot fit a normaliser to no values.");
        double mean = 0;
        foreach (double v in values) mean += v;
        mean /= values.Length;
        double variance = 0;
        foreach (double v in values) variance += (v - mean) * (v - mean);
        double deviation = Math.Sqrt(variance / values.Length);
        // A constant field would divide by zero; leave its scale alone.
        return new GaussianNormaliser(mean, deviation > 0 ? deviation : 1);
    }

    /// <summary>Scale only (mean 0, root mean square as the deviation), for outputs whose zeros must stay zeros.</summary>
    public static GaussianNormaliser FitScale(ReadOnlySpan<double> values)
    {
        if (values.Length == 0) throw new ArgumentException("Cannot fit a normaliser to no values.");
        double squares = 0;
        foreach (double v in values) squares += v * v;
        double rms = Math.Sqrt(squares / values.Length);
        return new GaussianNormaliser(0, rms > 0 ? rms : 1);
    }

    public Tensor Encode(Tensor x) => (x - Mean) / StandardDeviation;
    public Tensor Decode(Tensor x) => x * StandardDeviation + Mean;
}
