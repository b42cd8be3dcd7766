using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Training.Optimizers;

/// <summary>Gradients with respect to all trainable parameters as flat vectors, leaving the parameters' grad untouched.</summary>
internal static class ParameterGradients
{
    /// <summary>Gradient of a scalar, flattened over <paramref name="parameters"/>; unused parameters contribute zeros.</summary>
    public static Tensor Of(Tensor scalar, IReadOnlyList<Parameter> parameters, bool retainGraph = true)
    {
        var grads = autograd.grad([scalar], [.. parameters], retain_graph: retainGraph, allow_unused: true);
        return Flatten(grads, parameters);
    }

    /// <summary>Rows of the Jacobian of <paramref name="vector"/> [n] with respect to the parameters: [rows, P], one backward pass per row.</summary>
    public static Tensor JacobianRows(Tensor vector, IReadOnlyList<Parameter> parameters, IReadOnlyList<long> rows)
    {
        var result = new List<Tensor>(rows.Count);
        foreach (long row in rows)
            result.Add(Of(vector[row], parameters, retainGraph: true));
        return stack(result);
    }

    public static IReadOnlyList<long> AllRows(Tensor vector) => Enumerable.Range(0, (int)vector.shape[0]).Select(i => (long)i).ToArray();

    private static Tensor Flatten(IList<Tensor> grads, IReadOnlyList<Parameter> parameters)
    {
        var parts = new List<Tensor>(parameters.Count);
        for (int i = 0; i < parameters.Count; i++)
            parts.Add(grads[i] is { IsInvalid: false } g ? g.reshape(-1) : zeros(parameters[i].numel(), parameters[i].dtype, parameters[i].device));
        return cat(parts);
    }
}
