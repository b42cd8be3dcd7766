namespace Physis.Differentiation.Taylor;

/// <summary>
/// A network that propagates a <see cref="Jet"/> of its input through itself (Taylor mode), so that
/// <see cref="TaylorEngine"/> gets every derivative a problem asks for from one forward pass.
/// </summary>
public interface ITaylorFunction
{
    /// <summary>Null when this network can propagate jets; otherwise what stops it (for example an output transform).</summary>
    string? TaylorUnsupported { get; }

    /// <summary>The jet of the network's outputs, [K, n, outputs], from the jet of its inputs, [K, n, inputs].</summary>
    Jet Forward(Jet input);
}
