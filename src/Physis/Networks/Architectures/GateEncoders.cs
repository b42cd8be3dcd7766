using Physis.Differentiation.Taylor;
using Physis.Networks.Layers;
using static TorchSharp.torch;

namespace Physis.Networks.Architectures;

/// <summary>
/// The two input encoders U = act(W_u x + b_u) and V = act(W_v x + b_v) that gate the hidden layers of the modified MLP
/// and of PirateNet, and the gate itself: a hidden activation z mixes them as (1 - z) U + z V.
/// </summary>
public sealed class GateEncoders : nn.Module
{
    private readonly Dense u, v;

    internal GateEncoders(int inputs, int width, LayerFactory factory) : base(nameof(GateEncoders))
    {
        u = factory.Dense(inputs, width);
        v = factory.Dense(inputs, width);
        register_module("u", u);
        register_module("v", v);
    }

    internal Dense U => u;
    internal Dense V => v;

    public (Tensor U, Tensor V) Encode(Tensor x, Activation activation) =>
        (activation.Apply(u.forward(x)), activation.Apply(v.forward(x)));

    /// <summary>The encoders on a jet.</summary>
    public (Jet U, Jet V) Encode(Jet x, Activation activation) => (activation.Apply(u.Forward(x)), activation.Apply(v.Forward(x)));

    /// <summary>(1 - z) a + z b on jets.</summary>
    public static Jet Mix(Jet z, Jet a, Jet b) => a.Add(z.Multiply(b.Subtract(a)));

    /// <summary>(1 - z) * a + z * b, written with one product.</summary>
    public static Tensor Mix(Tensor z, Tensor a, Tensor b) => a + z * (b - a);
}
