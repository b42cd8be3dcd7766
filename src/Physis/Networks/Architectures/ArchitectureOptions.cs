using System.Text.Json.Serialization;
using Physis.Networks.Layers;
using static TorchSharp.torch;

namespace Physis.Networks.Architectures;

/// <summary>The layers between the (embedded) input features and the outputs, with validated sizes.</summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(MlpArchitecture), "mlp")]
[JsonDerivedType(typeof(ModifiedMlpArchitecture), "modified_mlp")]
[JsonDerivedType(typeof(ResidualArchitecture), "residual")]
[JsonDerivedType(typeof(PirateNetArchitecture), "pirate_net")]
public abstract record ArchitectureOptions
{
    /// <summary>Throws an <see cref="ArgumentException"/> that names the bad setting and the fix.</summary>
    public abstract void Validate();

    /// <summary>Builds the layers, mapping features [n, inputs] to outputs [n, outputs].</summary>
    public abstract nn.Module<Tensor, Tensor> Create(int inputs, int outputs, Activation activation, LayerFactory layers);

    /// <summary>
    /// The trainable values of the network this builds for <paramref name="inputs"/> features and <paramref name="outputs"/>
    /// outputs, and the sum of its layers' widths (the values one point's forward pass produces), counted without
    /// building it; in floating point, so sizes beyond any array are still counted (memory estimates).
    /// </summary>
    public abstract (double Parameters, double Widths) Size(double inputs, double outputs);

    /// <summary>Weights and biases of a dense layer.</summary>
    protected static double Dense(double inputs, double outputs) => (inputs + 1) * outputs;

    protected static void RequirePositive(string architecture, string what, int value)
    {
        if (value <= 0) throw new ArgumentException($"{architecture}: the {what} must be positive, got {value}.");
    }
}

/// <summary>A plain multilayer perceptron with the given hidden widths.</summary>
public sealed record MlpArchitecture(IReadOnlyList<int> Hidden) : ArchitectureOptions
{
    public override void Validate()
    {
        if (Hidden is null || Hidden.Any(h => h <= 0))
            throw new ArgumentException($"MLP: hidden layer widths must be positive, got [{string.Join(", ", Hidden ?? [])}].");
    }

    public override string ToString() => FormattableString.Invariant($"MLP [{string.Join(", ", Hidden)}]");

    public override nn.Module<Tensor, Tensor> Create(int inputs, int outputs, Activation activation, LayerFactory layers) =>
        new FeedForward(inputs, Hidden, outputs, activation, layers);

    public override (double Parameters, double Widths) Size(double inputs, double outputs)
    {
        double parameters = 0, from = inputs;
        foreach (double to in Hidden.Select(h => (double)h).Append(outputs)) (parameters, from) = (parameters + Dense(from, to), to);
        return (parameters, Hidden.Sum(h => (double)h));
    }
}

/// <summary>The modified MLP of Wang, Teng and Perdikaris (2021): <see cref="Depth"/> hidden
/// layers of <see cref="Width"/> units, each gated by two encoders of the input.</summary>
public sealed record ModifiedMlpArchitecture(int Width, int Depth) : ArchitectureOptions
{
    public override void Validate()
    {
        RequirePositive("Modified MLP", "width", Width);
        RequirePositive("Modified MLP", "depth (number of hidden layers)", Depth);
    }

    public override string ToString() => FormattableString.Invariant($"modified MLP (width {Width}, depth {Depth})");

    public override nn.Module<Tensor, Tensor> Create(int inputs, int outputs, Activation activation, LayerFactory layers) =>
        new ModifiedMlp(inputs, Width, Depth, outputs, activation, layers);

    // Two gate encoders, the hidden layers (the first from the inputs), the head; per layer a gate and a mix.
    public override (double Parameters, double Widths) Size(double inputs, double outputs) =>
        (3 * Dense(inputs, Width) + (Depth - 1) * Dense(Width, Width) + Dense(Width, outputs), (2 + 2.0 * Depth) * Width);
}

/// <summary>An MLP of <see cref="Blocks"/> residual blocks, each <see cref="LayersPerBlock"/>
/// layers of <see cref="Width"/> units with a skip connection around them.</summary>
public sealed record ResidualArchitecture(int Width, int Blocks, int LayersPerBlock = 2) : ArchitectureOptions
{
    public override void Validate()
    {
        RequirePositive("Residual network", "width", Width);
        RequirePositive("Residual network", "number of blocks", Blocks);
        RequirePositive("Residual network", "number of layers per block", LayersPerBlock);
    }

    public override string ToString() => FormattableString.Invariant($"residual MLP (width {Width}, {Blocks} blocks of {LayersPerBlock} layers)");

    public override nn.Module<Tensor, Tensor> Create(int inputs, int outputs, Activation activation, LayerFactory layers) =>
        new ResidualMlp(inputs, Width, Blocks, LayersPerBlock, outputs, activation, layers);

    public override (double Parameters, double Widths) Size(double inputs, double outputs) =>
        (Dense(inputs, Width) + Blocks * LayersPerBlock * Dense(Width, Width) + Dense(Width, outputs), (1 + Blocks * (LayersPerBlock + 1.0)) * Width);
}

/// <summary>
/// PirateNet (Wang et al. 2024): <see cref="Blocks"/> adaptive residual blocks of <see cref="Width"/> units, each mixed
/// into its input by a trainable alpha that starts at <see cref="InitialAlpha"/> (0: the network starts as a linear
/// function of the embedding features).
/// </summary>
public sealed record PirateNetArchitecture(int Width, int Blocks, double InitialAlpha = 0) : ArchitectureOptions
{
    public override void Validate()
    {
        RequirePositive("PirateNet", "width", Width);
        RequirePositive("PirateNet", "number of blocks", Blocks);
        if (!double.IsFinite(InitialAlpha))
            throw new ArgumentException($"PirateNet: the initial alpha must be finite, got {InitialAlpha}. The method starts from 0.");
    }

    public override string ToString() => FormattableString.Invariant($"PirateNet (width {Width}, {Blocks} blocks, initial alpha {InitialAlpha})");

    public override nn.Module<Tensor, Tensor> Create(int inputs, int outputs, Activation activation, LayerFactory layers) =>
        new PirateNet(inputs, Width, Blocks, InitialAlpha, outputs, activation, layers);

    // Two gate encoders; per block three layers (inputs to width to width to inputs) and alpha; a head on the inputs.
    public override (double Parameters, double Widths) Size(double inputs, double outputs) =>
        (2 * Dense(inputs, Width) + Blocks * (Dense(inputs, Width) + Dense(Width, Width) + Dense(Width, inputs) + 1) + Dense(inputs, outputs),
            2.0 * Width + Blocks * (4.0 * Width + 2 * inputs));
}
