using Physis.Differentiation.Taylor;
using Physis.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks.Architectures;

/// <summary>
/// An input layer to <c>width</c> units, then residual blocks h = h + act(W_L ... act(W_1 h + b_1) ... + b_L), then a
/// dense head. The skip connections keep gradients alive through deep networks.
/// </summary>
public sealed class ResidualMlp : nn.Module<Tensor, Tensor>, ITaylorLayer
{
    private readonly Dense input, head;
    private readonly ModuleList<ModuleList<Dense>> blocks = new();
    private readonly Activation activation;

    public ResidualMlp(int inputs, int width, int blocks, int layersPerBlock, int outputs, Activation activation, LayerFactory factory)
        : base(nameof(ResidualMlp))
    {
        this.activation = activation;
        input = factory.Dense(inputs, width);
        for (int b = 0; b < blocks; b++)
        {
            var block = new ModuleList<Dense>();
            for (int l = 0; l < layersPerBlock; l++) block.Add(factory.Dense(width, width));
            this.blocks.Add(block);
        }
        head = factory.Dense(width, outputs);
        register_module("input", input);
        register_module("blocks", this.blocks);
        register_module("head", head);
    }

    internal Dense Input => input;
    internal IEnumerable<IReadOnlyList<Dense>> Blocks => blocks.Select(b => (IReadOnlyList<Dense>)[.. b]);
    internal Dense Head => head;
    internal Activation Activation => activation;

    public Jet Forward(Jet x)
    {
        var h = activation.Apply(input.Forward(x));
        foreach (var block in blocks)
        {
            var r = h;
            foreach (var layer in block) r = activation.Apply(layer.Forward(r));
            h = h.Add(r);
        }
        return head.Forward(h);
    }

    public override Tensor forward(Tensor x)
    {
        var h = activation.Apply(input.forward(x));
        foreach (var block in blocks)
        {
            var r = h;
            foreach (var layer in block) r = activation.Apply(layer.forward(r));
            h = h + r;
        }
        return head.forward(h);
    }
}
