using Physis.Differentiation;
using static TorchSharp.torch;

namespace Physis.Training;

/// <summary>
/// One loss term as residuals at its points: the term is sum_p w_p r_p^2 with point weights w, uniform 1/n unless a
/// method (causal training) reweights the points. The residual form serves Gauss-Newton methods and kernel traces.
/// Under data-parallel training <see cref="Residual"/> holds this rank's points and the sums run over all ranks'.
/// </summary>
public sealed class TermResidual
{
    private readonly RankSums sums;

    internal TermResidual(Tensor residual, long total, RankSums sums)
    {
        (Residual, Total, this.sums) = (residual, total, sums);
    }

    /// <summary>Residual at each of this rank's points, [n].</summary>
    public Tensor Residual { get; }
    /// <summary>The term's points over all ranks (n in a single process).</summary>
    public long Total { get; }
    /// <summary>Weights of this rank's points, [n], summing to about 1 over all ranks; null for the uniform 1/n.</summary>
    public Tensor? PointWeights { get; set; }

    /// <summary>Mean square residual: the term as reported in the loss history.</summary>
    public Tensor Raw() => sums.Sum(Residual.Squared().sum()) / Total;

    /// <summary>The term the optimizer minimises (equal to <see cref="Raw"/> without point weights).</summary>
    public Tensor Objective() => PointWeights is null ? Raw() : sums.Sum((Residual.Squared() * PointWeights).sum());

    /// <summary>This rank's residuals scaled so that their squared norm, summed over ranks, is <see cref="Objective"/>.</summary>
    public Tensor Scaled() => PointWeights is null ? Residual / Math.Sqrt(Total) : Residual * PointWeights.sqrt();
}
