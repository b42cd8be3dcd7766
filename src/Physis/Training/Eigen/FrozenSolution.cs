using Physis.Problems;
using static TorchSharp.torch;

namespace Physis.Training.Eigen;

/// <summary>A trained network held fixed, as a term of another problem's expressions (for example an earlier eigenstate).</summary>
public static class FrozenSolution
{
    /// <summary>Output <paramref name="field"/> of <paramref name="network"/> at the evaluation points, with no gradient to its parameters.</summary>
    public static Expr Of(nn.Module<Tensor, Tensor> network, int field, string name) =>
        new Custom(name, context =>
        {
            using var noGrad = no_grad();
            return network.forward(context.Points.detach()).narrow(1, field, 1);
        }, []);
}
