using Physis.Infrastructure.Distributed;
using static TorchSharp.torch;

namespace Physis.Training;

/// <summary>
/// Sums over points that may be spread over ranks (data-parallel training). A sum's value is the sum over every rank's
/// points, the same on all ranks, while its gradient is this rank's part alone: summing the parameter gradients over
/// ranks afterwards (<see cref="SumGradients"/>) then gives the gradient of the single-process loss, however the loss
/// combines the sums.
/// </summary>
internal sealed class RankSums(Communicator ranks)
{
    public Communicator Ranks => ranks;

    /// <summary>The sum over ranks of <paramref name="local"/>, differentiable through this rank's part.</summary>
    public Tensor Sum(Tensor local)
    {
        if (!ranks.IsDistributed) return local;
        // local - local.detach() is exactly zero, so the value is the global sum to the last bit on every rank.
        return SumDetached(local) + (local - local.detach());
    }

    /// <summary>The sum over ranks of <paramref name="local"/>, without a gradient.</summary>
    public Tensor SumDetached(Tensor local)
    {
        if (!ranks.IsDistributed) return local.detach();
        var values = local.detach().to(ScalarType.Float64).cpu().data<double>().ToArray();
        ranks.SumInRankOrder(values);
        return tensor(values, local.shape, local.dtype, local.device);
    }

    /// <summary>Replaces each parameter's gradient by its sum over ranks (a missing gradient counts as zeros).</summary>
    public void SumGradients(IReadOnlyList<Tensor> parameters)
    {
        if (!ranks.IsDistributed) return;
        using var noGrad = no_grad();
        var grads = parameters.Select(p => p.grad is { } g ? g : p.grad = zeros_like(p)).ToArray();
        var sums = SumEach(grads, parameters);
        for (int i = 0; i < grads.Length; i++) grads[i].copy_(sums[i]!);
    }

    /// <summary>Gradients of the parameters (null where a parameter has none on this rank), each summed over ranks.</summary>
    public Tensor?[] SumEach(IReadOnlyList<Tensor?> gradients, IReadOnlyList<Tensor> parameters)
    {
        if (!ranks.IsDistributed) return [.. gradients];
        using var noGrad = no_grad();
        var flat = SumDetached(cat(gradients.Select((g, i) => (g ?? zeros_like(parameters[i])).reshape(-1)).ToArray()));
        var result = new Tensor?[gradients.Count];
        long offset = 0;
        for (int i = 0; i < result.Length; i++)
        {
            result[i] = flat.narrow(0, offset, parameters[i].numel()).view_as(parameters[i]);
            offset += parameters[i].numel();
        }
        return result;
    }
}
