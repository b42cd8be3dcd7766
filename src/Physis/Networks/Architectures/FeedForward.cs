using Physis.Differentiation.Taylor;
using Physis.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks.Architectures;

/// <summary>Dense layers with an activation between them and none on the output.</summary>
public sealed class FeedForward : nn.Module<Tensor, Tensor>, ITaylorLayer
{
    private readonly ModuleList<Dense> layers = new();
    private readonly Activation activation;

    public FeedForward(int inputs, IReadOnlyList<int> hidden, int outputs, Activation activation, LayerFactory factory) : base(nameof(FeedForward))
    {
        this.activation = activation;
        int[] widths = [inputs, .. hidden, outputs];
        for (int i = 0; i + 1 < widths.Length; i++) layers.Add(factory.Dense(widths[i], widths[i + 1]));
        register_module("layers", layers);
    }

    public IReadOnlyList<Dense> Layers => [.. layers];
    internal Activation Activation => activation;

    public Jet Forward(Jet x)
    {
        var h = x;
        for (int i = 0; i < layers.Count - 1; i++) h = activation.Apply(layers[i].Forward(h));
        return layers[^1].Forward(h);
    }

    public override Tensor forward(Tensor x)
    {
        var h = x;
        for (int i = 0; i < layers.Count - 1; i++) h = activation.Apply(layers[i].forward(h));
        return layers[^1].forward(h);
    }
}
