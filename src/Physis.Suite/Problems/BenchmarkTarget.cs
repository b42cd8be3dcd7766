namespace Physis.Suite.Problems;

/// <summary>
/// What a benchmark run of a problem must reach: the metric ("relative L2" against the reference, or the relative error
/// of a learned parameter), its target value (null where the suite only reports the figure), and the published figure
/// it is measured against.
/// </summary>
public sealed record BenchmarkTarget(string Metric, double? Value, string Anchor)
{
    public const string RelativeL2 = "relative L2";
    /// <summary>
    /// Where the judged figure is an estimate derived from each learned parameter rather than the parameter itself (the
    /// Rayleigh quotient of a trained eigenstate): the run reports it under the parameter's name with this suffix.
    /// </summary>
    public string? EstimateSuffix { get; init; }

    /// <summary>The learned parameter a reported name stands for: the name itself, or the name less <see cref="EstimateSuffix"/>.</summary>
    public string ParameterOf(string reported) =>
        EstimateSuffix is { } suffix && reported.EndsWith(suffix, StringComparison.Ordinal) ? reported[..^suffix.Length] : reported;
}
