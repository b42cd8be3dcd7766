using Physis.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks.Architectures;

/// <summary>
/// PirateNet (Wang, Li, Chen, Perdikaris 2024). With input features p (the embedding), encoders U = act(W_u p + b_u)
/// and V = act(W_v p + b_v); each block maps its input x (same size as p, starting from p) by
/// f = act(W_1 x + b_1), z1 = f * U + (1 - f) * V, g = act(W_2 z1 + b_2), z2 = g * U + (1 - g) * V,
/// h = act(W_3 z2 + b_3), and returns alpha h + (1 - alpha) x with a trainable alpha. At alpha = 0 every block is the
/// identity and the network is its linear head applied to p.
/// </summary>
public sealed class PirateNet : nn.Module<Tensor, Tensor>
{
    private readonly Dense encoderU, encoderV, head;
    private readonly ModuleList<AdaptiveResidualBlock> blocks = new();
    private readonly Activation activation;

    public PirateNet(int inputs, int width, int blocks, double initialAlpha, int outputs, Activation activation, LayerFactory factory) : base(nameof(PirateNet))
    {
        this.activation = activation;
        encoderU = factory.Dense(inputs, width);
        encoderV = factory.Dense(inputs, width);
        for (int b = 0; b < blocks; b++) this.blocks.Add(new AdaptiveResidualBlock(inputs, width, initialAlpha, factory));
        head = factory.Dense(inputs, outputs);
        register_module("encoder_u", encoderU);
        register_module("encoder_v", encoderV);
        register_module("blocks", this.blocks);
        register_module("head", head);
    }

    /// <summary>The final dense layer, applied to the output of the last block.</summary>
    public Dense Head => head;
    public IReadOnlyList<AdaptiveResidualBlock> Blocks => [.. blocks];

    public override Tensor forward(Tensor x)
    {
        var u = activation.Apply(encoderU.forward(x));
        var v = activation.Apply(encoderV.forward(x));
        var h = x;
        foreach (var block in blocks) h = block.Forward(h, u, v, activation);
        return head.forward(h);
    }
}

/// <summary>One gated residual block of a <see cref="PirateNet"/>, with its trainable mixing weight alpha.</summary>
public sealed class AdaptiveResidualBlock : nn.Module
{
    private readonly Dense first, second, third;
    private readonly Parameter alpha;

    internal AdaptiveResidualBlock(int inputs, int width, double initialAlpha, LayerFactory factory) : base(nameof(AdaptiveResidualBlock))
    {
        first = factory.Dense(inputs, width);
        second = factory.Dense(width, width);
        third = factory.Dense(width, inputs);
        using var a = tensor(initialAlpha, ScalarType.Float64);
        alpha = factory.Parameter(a);
        register_module("first", first);
        register_module("second", second);
        register_module("third", third);
        register_parameter("alpha", alpha);
    }

    public Parameter Alpha => alpha;

    internal Tensor Forward(Tensor x, Tensor u, Tensor v, Activation activation)
    {
        var f = activation.Apply(first.forward(x));
        var z1 = v + f * (u - v);
        var g = activation.Apply(second.forward(z1));
        var z2 = v + g * (u - v);
        var h = activation.Apply(third.forward(z2));
        return x + alpha * (h - x);   // alpha h + (1 - alpha) x
    }
}
