using static TorchSharp.torch;

namespace Physis.Differentiation.Taylor;

/// <summary>
/// Taylor mode where it is supported (<see cref="TaylorEngine.Unsupported"/>) and measured faster than nested autograd,
/// autograd elsewhere; <see cref="Chosen"/> says which ran, for the run's record. Where Taylor mode is faster comes from
/// `physis bench engines` (docs/taylor-mode.md), not from this class.
/// </summary>
public sealed class AutomaticEngine : IDifferentiationEngine
{
    private readonly TaylorEngine taylor = new();
    private readonly AutogradEngine autograd = new();
    private IReadOnlyCollection<DerivativeRequest>? lastRequired;
    private bool taylorFaster;

    /// <summary>"taylor" or "autograd": the engine of the last evaluation; null before the first.</summary>
    public string? Chosen { get; private set; }

    /// <summary>Whether Taylor mode is the faster engine for a layout of derivatives (from the measurements above).</summary>
    public static bool TaylorFaster(JetLayout layout) => layout.MaxOrder >= 3 || layout.Orders.Count(o => o.TotalOrder >= 2) >= 2;

    public IFieldDerivatives Evaluate(nn.Module<Tensor, Tensor> network, Tensor points, IReadOnlyCollection<DerivativeRequest> required)
    {
        if (!ReferenceEquals(required, lastRequired))
            (lastRequired, taylorFaster) = (required, TaylorFaster(JetLayout.For(required.Select(r => r.Order), (int)points.shape[1])));
        bool useTaylor = taylorFaster && TaylorEngine.Unsupported(network) is null;
        Chosen = useTaylor ? TaylorEngine.Name : AutogradEngine.Name;
        return useTaylor ? taylor.Evaluate(network, points, required) : autograd.Evaluate(network, points, required);
    }
}
