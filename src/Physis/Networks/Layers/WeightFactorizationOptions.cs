namespace Physis.Networks.Layers;

/// <summary>
/// Random weight factorisation (Wang, Wang, Perdikaris 2022): every dense weight is trained as W = diag(exp(s)) V, with
/// one scale s per output unit drawn from N(<see cref="Mean"/>, <see cref="StandardDeviation"/>^2) and V = W / exp(s),
/// so at construction the network computes exactly the function of its unfactorised twin.
/// </summary>
public sealed record WeightFactorizationOptions(double Mean = 0.5, double StandardDeviation = 0.1)
{
    public override string ToString() => FormattableString.Invariant($"weight factorisation (s ~ N({Mean}, {StandardDeviation}^2))");

    public void Validate()
    {
        if (!double.IsFinite(Mean) || Math.Abs(Mean) > 10)
            throw new ArgumentException("Weight factorisation: the mean of the log-scales must be finite and at most 10 in size (exp(10) "
                + $"already scales a weight by 22026), got {Mean}. Typical: 0.5 or 1.");
        if (!double.IsFinite(StandardDeviation) || StandardDeviation < 0)
            throw new ArgumentException("Weight factorisation: the standard deviation of the log-scales must be finite and non-negative, "
                + $"got {StandardDeviation}. Typical: 0.1.");
    }
}
