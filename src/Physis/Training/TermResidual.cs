using Physis.Differentiation;
using static TorchSharp.torch;

namespace Physis.Training;

/// <summary>
/// One loss term as residuals at its points: the term is sum_p w_p r_p^2 with point weights w, uniform 1/n unless a
/// method (causal training) reweights the points. The residual form serves Gauss-Newton methods and kernel traces.
/// </summary>
public sealed class TermResidual(Tensor residual)
{
    /// <summary>Residual at each point, [n].</summary>
    public Tensor Residual => residual;
    public long Count => residual.shape[0];
    /// <summary>Weights of the points, [n], summing to about 1; null for the uniform 1/n.</summary>
    public Tensor? PointWeights { get; set; }

    /// <summary>Mean square residual: the term as reported in the loss history.</summary>
    public Tensor Raw() => residual.Squared().mean();

    /// <summary>The term the optimizer minimises (equal to <see cref="Raw"/> without point weights).</summary>
    public Tensor Objective() => PointWeights is null ? Raw() : (residual.Squared() * PointWeights).sum();

    /// <summary>Residuals scaled so that their squared norm is <see cref="Objective"/>.</summary>
    public Tensor Scaled() => PointWeights is null ? residual / Math.Sqrt(Count) : residual * PointWeights.sqrt();
}
