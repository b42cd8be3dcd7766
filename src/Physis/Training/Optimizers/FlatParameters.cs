using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Training.Optimizers;

/// <summary>The trainable tensors seen as one flat vector, as quasi-Newton methods need them.</summary>
internal sealed class FlatParameters(IReadOnlyList<Parameter> parameters)
{
    public IReadOnlyList<Parameter> Parameters => parameters;
    public long Count { get; } = parameters.Sum(p => p.numel());

    public Tensor Values()
    {
        using var noGrad = no_grad();
        return Concatenate(parameters.Select(p => p.detach().reshape(-1)).ToList());
    }

    /// <summary>The gradient as a flat vector; parameters with no gradient contribute zeros.</summary>
    public Tensor Gradient()
    {
        using var noGrad = no_grad();
        return Concatenate(parameters.Select(p => p.grad is null ? zeros(p.numel(), p.dtype, p.device) : p.grad.reshape(-1)).ToList());
    }

    // cat of a single tensor may return that tensor itself; the flat vector must never alias a parameter or its gradient.
    private static Tensor Concatenate(IList<Tensor> parts) => parts.Count == 1 ? parts[0].clone() : cat(parts);

    /// <summary>Sets the parameters to origin + step * direction.</summary>
    public void SetAlong(Tensor origin, Tensor direction, double step)
    {
        using var noGrad = no_grad();
        long offset = 0;
        foreach (var p in parameters)
        {
            long n = p.numel();
            using var o = origin.narrow(0, offset, n);
            using var d = direction.narrow(0, offset, n);
            using var value = o.add(d, alpha: step);
            p.copy_(value.view_as(p));
            offset += n;
        }
    }

    public void ZeroGradients()
    {
        foreach (var p in parameters) p.grad?.zero_();
    }
}
