using static TorchSharp.torch;

namespace Physis.Training;

/// <summary>
/// One loss term as residuals at its points: the term is sum_p w_p r_p^2 with point weights w, uniform 1/n unless a
/// method (causal training) reweights the points. The residual form serves Gauss-Newton methods and kernel traces.
/// </summary>
internal sealed class TermResidual(Tensor residual, Tensor? pointWeights = null)
{
    /// <summary>Residual at each point, [n].</summary>
    public Tensor Residual => residual;
    public long Count => residual.shape[0];

    /// <summary>Mean square residual: the term as reported in the loss history.</summary>
    public Tensor Raw() => residual.square().mean();

    /// <summary>The term the optimizer minimises (equal to <see cref="Raw"/> without point weights).</summary>
    public Tensor Objective() => pointWeights is null ? Raw() : (residual.square() * pointWeights).sum();

    /// <summary>Residuals scaled so that their squared norm is <see cref="Objective"/>.</summary>
    public Tensor Scaled() => pointWeights is null ? residual / Math.Sqrt(Count) : residual * pointWeights.sqrt();
}
