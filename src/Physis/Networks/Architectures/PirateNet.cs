using Physis.Networks.Layers;
using TorchSharp;
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
    private readonly GateEncoders encoders;
    private readonly Dense head;
    private readonly ModuleList<AdaptiveResidualBlock> blocks = new();
    private readonly Activation activation;

    public PirateNet(int inputs, int width, int blocks, double initialAlpha, int outputs, Activation activation, LayerFactory factory)
        : base(nameof(PirateNet))
    {
        this.activation = activation;
        encoders = new GateEncoders(inputs, width, factory);
        for (int b = 0; b < blocks; b++) this.blocks.Add(new AdaptiveResidualBlock(inputs, width, initialAlpha, factory));
        head = factory.Dense(inputs, outputs);
        register_module("encoders", encoders);
        register_module("blocks", this.blocks);
        register_module("head", head);
    }

    /// <summary>The final dense layer, applied to the output of the last block.</summary>
    public Dense Head => head;
    public IReadOnlyList<AdaptiveResidualBlock> Blocks => [.. blocks];
    internal GateEncoders Encoders => encoders;
    internal Activation Activation => activation;

    public override Tensor forward(Tensor x) => head.forward(LastHidden(x));

    /// <summary>The output of the last block, on which the linear head acts (the input features themselves while every alpha is 0).</summary>
    public Tensor LastHidden(Tensor x)
    {
        var (u, v) = encoders.Encode(x, activation);
        var h = x;
        foreach (var block in blocks) h = block.Forward(h, u, v, activation);
        return h;
    }

    /// <summary>
    /// Physics-informed initialisation of PirateNet: sets the head to the least-squares fit of <paramref name="targets"/>
    /// [n, outputs] from the last hidden features at <paramref name="features"/> [n, inputs] (the embedded points), so
    /// that the network starts from, for example, the initial condition. A tiny ridge term keeps the fit defined when
    /// features are collinear. Targets are raw outputs, before any output transform.
    /// </summary>
    public void FitHead(Tensor features, Tensor targets)
    {
        if (targets.dim() != 2 || targets.shape[0] != features.shape[0] || targets.shape[1] != head.Outputs)
            throw new ArgumentException($"PirateNet.FitHead needs targets [{features.shape[0]}, {head.Outputs}], "
                + $"got [{string.Join(", ", targets.shape)}].");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var h = LastHidden(features).to(ScalarType.Float64);
        var design = cat([h, ones(h.shape[0], 1, ScalarType.Float64, h.device)], 1);             // [n, p + 1]
        var normal = design.t().matmul(design);
        double ridge = 1e-10 * Math.Max(normal.diagonal().mean().ToDouble(), 1e-300);
        normal = normal + eye(normal.shape[0], dtype: ScalarType.Float64, device: h.device) * ridge;
        var solution = linalg.solve(normal, design.t().matmul(targets.to(ScalarType.Float64, h.device)));  // [p + 1, outputs]
        var weight = solution[..^1].t().contiguous();
        var bias = solution[^1].contiguous();
        head.Assign(weight, bias);
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
    internal Dense First => first;
    internal Dense Second => second;
    internal Dense Third => third;

    internal Tensor Forward(Tensor x, Tensor u, Tensor v, Activation activation)
    {
        var f = activation.Apply(first.forward(x));
        var z1 = GateEncoders.Mix(f, v, u);   // f * U + (1 - f) * V
        var g = activation.Apply(second.forward(z1));
        var z2 = GateEncoders.Mix(g, v, u);
        var h = activation.Apply(third.forward(z2));
        return x + alpha * (h - x);   // alpha h + (1 - alpha) x
    }
}
