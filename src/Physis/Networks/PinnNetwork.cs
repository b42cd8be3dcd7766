using Physis.Differentiation.Taylor;
using Physis.Geometry;
using Physis.Networks.Embeddings;
using Physis.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks;

/// <summary>
/// A PINN network assembled from <see cref="NetworkOptions"/>: input embeddings, then an architecture, then an optional
/// <see cref="Networks.OutputTransform"/> (hard constraints). Every part is built from tensor operations, so derivatives
/// of any order with respect to the inputs flow through it, and all state is registered parameters or buffers, so the
/// trainer's checkpoints save and restore it.
/// </summary>
public sealed class PinnNetwork : nn.Module<Tensor, Tensor>, ITaylorFunction
{
    private readonly ModuleList<InputEmbedding> embeddings = new();
    private readonly InputScaling? scaling;
    private readonly nn.Module<Tensor, Tensor> body;

    public PinnNetwork(int inputs, int outputs, NetworkOptions options, int seed = 0, ScalarType dtype = ScalarType.Float32,
                       Device? device = null, OutputTransform? outputTransform = null, BoundingBox? inputBox = null) : base(nameof(PinnNetwork))
    {
        options.Validate(inputs, outputs);
        if (inputBox is not null && options.Embeddings.Count > 0)
            throw new ArgumentException("Input scaling maps the coordinates to [-1, 1] before the network, but embeddings take them in their own "
                + "units (periods, interface positions): use one or the other.");
        if (inputBox is not null && inputBox.Dimension != inputs)
            throw new ArgumentException($"The input box has {inputBox.Dimension} coordinates, the network {inputs} inputs.");
        scaling = inputBox is null ? null : new InputScaling(inputBox, dtype, device);
        using var layers = new LayerFactory(seed, dtype, device, options.Initializer, options.WeightFactorization);
        int features = inputs;
        foreach (var embedding in options.Embeddings)
        {
            embeddings.Add(embedding.Create(features, layers));
            features = embedding.Outputs(features);
        }
        body = options.Architecture.Create(features, outputs, options.Activation, layers);
        Inputs = inputs;
        Outputs = outputs;
        Features = features;
        Options = options;
        DType = dtype;
        OutputTransform = outputTransform;
        register_module("embeddings", embeddings);
        register_module("body", body);
        if (scaling is not null) register_module("scaling", scaling);
    }

    public int Inputs { get; }
    public int Outputs { get; }
    /// <summary>The number of features the embeddings produce (the architecture's input width).</summary>
    public int Features { get; }
    public NetworkOptions Options { get; }
    public ScalarType DType { get; }
    public IReadOnlyList<InputEmbedding> Embeddings => [.. embeddings];
    /// <summary>The architecture's layers (for example a <see cref="Architectures.PirateNet"/>).</summary>
    public nn.Module<Tensor, Tensor> Body => body;
    public OutputTransform? OutputTransform { get; set; }
    internal InputScaling? Scaling => scaling;

    /// <summary>The embedded features [n, <see cref="Features"/>] of points [n, <see cref="Inputs"/>].</summary>
    public Tensor Embed(Tensor x)
    {
        if (x.dim() != 2 || x.shape[1] != Inputs)
            throw new ArgumentException($"The network expects points [n, {Inputs}], got [{string.Join(", ", x.shape)}].");
        var h = scaling?.forward(x) ?? x;
        foreach (var embedding in embeddings) h = embedding.forward(h);
        return h;
    }

    /// <summary>The network output before the output transform.</summary>
    public Tensor RawOutput(Tensor x) => body.forward(Embed(x));

    /// <summary>Null when every embedding and the architecture push jets and no output transform is set; otherwise what does not.</summary>
    public string? TaylorUnsupported =>
        OutputTransform is not null ? "its output transform (hard constraints)"
        : embeddings.FirstOrDefault(e => e is not ITaylorLayer) is { } embedding ? $"its {embedding.GetType().Name} embedding"
        : body is not ITaylorLayer ? $"its {body.GetType().Name} architecture"
        : null;

    public Jet Forward(Jet input)
    {
        var h = scaling?.Forward(input) ?? input;
        foreach (var embedding in embeddings) h = ((ITaylorLayer)embedding).Forward(h);
        return ((ITaylorLayer)body).Forward(h);
    }

    public override Tensor forward(Tensor x)
    {
        var y = RawOutput(x);
        return OutputTransform is null ? y : OutputTransform(x, y);
    }
}
