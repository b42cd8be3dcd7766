using Physis.Differentiation;
using TorchSharp;
using static TorchSharp.torch;

namespace Physis.Training.Eigen;

/// <summary>
/// A state network made exactly orthogonal to the states found before it: psi = N - sum_k (N, phi_k) / (phi_k, phi_k)
/// phi_k, the inner products being means over fixed quadrature points. A penalty on the overlaps is cheapest to meet by
/// moving the state's mass to where the lower states are small (in a finite well, outside it, onto a state above the
/// barrier); the projection removes that pull, so the residual alone picks the state. The lower networks are held fixed
/// and are not registered as submodules, so neither the optimizer nor the checkpoint sees their weights.
/// </summary>
public sealed class ProjectedState : nn.Module<Tensor, Tensor>
{
    private readonly nn.Module<Tensor, Tensor> network;
    private readonly IReadOnlyList<nn.Module<Tensor, Tensor>> lower;
    private readonly int field;
    private readonly Tensor quadrature;
    private readonly Tensor[] lowerAtQuadrature;
    private readonly double[] lowerNorms;

    /// <param name="quadrature">points [m, d] whose mean is the inner product (the
    /// collocation points, for the same discrete product as the normalisation)</param>
    public ProjectedState(nn.Module<Tensor, Tensor> network, IReadOnlyList<nn.Module<Tensor, Tensor>> lower, int field, Tensor quadrature)
        : base(nameof(ProjectedState))
    {
        this.network = network;
        this.lower = lower;
        this.field = field;
        this.quadrature = quadrature.detach().clone();
        using (no_grad())
        {
            lowerAtQuadrature = lower.Select(phi => Field(phi.forward(this.quadrature)).detach().clone()).ToArray();
            lowerNorms = lowerAtQuadrature.Select(phi => phi.Squared().mean().ToDouble()).ToArray();
        }
        if (lowerNorms.Any(norm => !(norm > 0)))
            throw new ArgumentException("ProjectedState: a lower state vanishes on the quadrature points, "
                + "so there is nothing to project it out with.");
        register_module("network", network);
    }

    private Tensor Field(Tensor y) => y.narrow(1, field, 1);

    public override Tensor forward(Tensor x)
    {
        var y = network.forward(x);
        var psi = Field(y);
        var atQuadrature = Field(network.forward(quadrature));
        for (int k = 0; k < lower.Count; k++)
        {
            var overlap = (atQuadrature * lowerAtQuadrature[k]).mean() / lowerNorms[k];
            psi = psi - overlap * Field(lower[k].forward(x));
        }
        if (y.shape[1] == 1) return psi;
        return cat([y.narrow(1, 0, field), psi, y.narrow(1, field + 1, y.shape[1] - field - 1)], 1);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            quadrature.Dispose();
            foreach (var t in lowerAtQuadrature) t.Dispose();
        }
        base.Dispose(disposing);
    }
}
