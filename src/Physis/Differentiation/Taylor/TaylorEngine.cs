using static TorchSharp.torch;

namespace Physis.Differentiation.Taylor;

/// <summary>
/// Taylor-mode differentiation: the declared derivatives (and those below them) are pushed forward through the
/// network layer by layer as one <see cref="Jet"/>, instead of nested backward passes through the network's graph.
/// The parameter gradient of a loss built from them is one backward pass through that forward. Networks that are an
/// <see cref="ITaylorFunction"/> with nothing unsupported run here; whole Laplacians are the sum of the declared pure
/// second derivatives.
/// </summary>
public sealed class TaylorEngine : IDifferentiationEngine
{
    public const string Name = "taylor";

    /// <summary>Null when <paramref name="network"/> can run on this engine; otherwise why not.</summary>
    public static string? Unsupported(nn.Module<Tensor, Tensor> network) => network is ITaylorFunction function
        ? function.TaylorUnsupported
        : $"{network.GetType().Name} does not propagate Taylor jets";

    public IFieldDerivatives Evaluate(nn.Module<Tensor, Tensor> network, Tensor points, IReadOnlyCollection<DerivativeRequest> required)
    {
        if (Unsupported(network) is { } reason) throw new ArgumentException($"The Taylor engine cannot differentiate this network: {reason}.");
        int d = (int)points.shape[1];
        // A trainer declares the same requirements every step: their layout is worked out once.
        if (!ReferenceEquals(required, lastRequired) || lastLayout!.Orders[0].Dimension != d)
            (lastRequired, lastLayout) = (required, JetLayout.For(required.Select(r => r.Order), d));
        var output = ((ITaylorFunction)network).Forward(Jet.Input(points, lastLayout));
        return new Derivatives(points, output);
    }

    private IReadOnlyCollection<DerivativeRequest>? lastRequired;
    private JetLayout? lastLayout;

    private sealed class Derivatives(Tensor points, Jet output) : IFieldDerivatives
    {
        public Tensor Points => points;

        public Tensor Get(DerivativeRequest request)
        {
            long fields = output.Width;
            if (request.Field < 0 || request.Field >= fields)
                throw new ArgumentException($"Field index {request.Field} is out of range: the network has {fields} outputs.");
            if (!output.Layout.Holds(request.Order))
                throw new InvalidOperationException($"Derivative {request.Order} of field {request.Field} was not among the derivatives "
                    + "declared to the Taylor engine, which computes only those (and the ones below them).");
            // A derivative that vanishes identically, or is the same at every point, still gets one row per point.
            long n = points.shape[0];
            return output[request.Order] is { } component
                ? component[.., request.Field..(request.Field + 1)].expand(n, 1)
                : zeros(n, 1, points.dtype, points.device);
        }

        public Tensor Laplacian(int field)
        {
            int d = (int)points.shape[1];
            Tensor? sum = null;
            for (int c = 0; c < d; c++)
            {
                var term = Get(new DerivativeRequest(field, MultiIndex.Zero(d).Raise(c).Raise(c)));
                sum = sum is null ? term : sum + term;
            }
            return sum!;
        }
    }
}
