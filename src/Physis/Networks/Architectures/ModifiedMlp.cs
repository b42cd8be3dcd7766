using Physis.Differentiation.Taylor;
using Physis.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks.Architectures;

/// <summary>
/// Modified MLP (Wang, Teng, Perdikaris 2021): encoders U = act(W_u x + b_u) and V = act(W_v x + b_v) of the input gate
/// every hidden layer, z = act(W_k h + b_k), h = (1 - z) * U + z * V; a dense head maps the last h to the outputs.
/// </summary>
public sealed class ModifiedMlp : nn.Module<Tensor, Tensor>, ITaylorLayer
{
    private readonly GateEncoders encoders;
    private readonly Dense head;
    private readonly ModuleList<Dense> hidden = new();
    private readonly Activation activation;

    public ModifiedMlp(int inputs, int width, int depth, int outputs, Activation activation, LayerFactory factory) : base(nameof(ModifiedMlp))
    {
        this.activation = activation;
        encoders = new GateEncoders(inputs, width, factory);
        for (int k = 0; k < depth; k++) hidden.Add(factory.Dense(k == 0 ? inputs : width, width));
        head = factory.Dense(width, outputs);
        register_module("encoders", encoders);
        register_module("hidden", hidden);
        register_module("head", head);
    }

    internal GateEncoders Encoders => encoders;
    internal IReadOnlyList<Dense> Hidden => [.. hidden];
    internal Dense Head => head;
    internal Activation Activation => activation;

    public Jet Forward(Jet x)
    {
        var (u, v) = encoders.Encode(x, activation);
        var h = x;
        foreach (var layer in hidden) h = GateEncoders.Mix(activation.Apply(layer.Forward(h)), u, v);
        return head.Forward(h);
    }

    public override Tensor forward(Tensor x)
    {
        var (u, v) = encoders.Encode(x, activation);
        var h = x;
        foreach (var layer in hidden)
        {
            var z = activation.Apply(layer.forward(h));
            h = GateEncoders.Mix(z, u, v);
        }
        return head.forward(h);
    }
}
