using Physis.Networks.Architectures;
using Physis.Networks.Embeddings;
using Physis.Networks.Layers;

namespace Physis.Networks;

/// <summary>
/// The method choices of a <see cref="PinnNetwork"/>: input embeddings (applied in order), the architecture, the
/// activation, the initializer and optional random weight factorisation of every dense layer. Precision, device and
/// seed are given when the network is built.
/// </summary>
public sealed record NetworkOptions
{
    public IReadOnlyList<EmbeddingOptions> Embeddings { get; init; } = [];
    public ArchitectureOptions Architecture { get; init; } = new MlpArchitecture([64, 64, 64]);
    public Activation Activation { get; init; } = Activation.Tanh;
    public Initializer Initializer { get; init; } = Initializer.GlorotNormal;
    public WeightFactorizationOptions? WeightFactorization { get; init; }
    /// <summary>
    /// Map the inputs from the domain's bounding box to [-1, 1] before the first layer (<see cref="InputScaling"/>);
    /// not with embeddings, which take coordinates in their own units.
    /// </summary>
    public bool ScaleInputs { get; init; }

    /// <summary>A plain MLP of these hidden widths (no embeddings), with the given activation and Glorot-normal weights.</summary>
    public static NetworkOptions Mlp(IReadOnlyList<int> hidden, Activation activation = Activation.Tanh) =>
        new() { Architecture = new MlpArchitecture(hidden), Activation = activation };

    /// <summary>One line for run records and messages, for example "periodic (...) -> PirateNet (...), tanh, glorot_normal".</summary>
    public override string ToString() =>
        string.Join(" -> ", [.. Embeddings.Select(e => e.ToString()), Architecture.ToString()])
        + $", {Activation.ToString().ToLowerInvariant()}, {Initializer}"
        + (WeightFactorization is null ? "" : $", {WeightFactorization}")
        + (ScaleInputs ? ", inputs scaled to the domain" : "");

    /// <summary>Checks every setting for a network with <paramref name="inputs"/> inputs and <paramref name="outputs"/> outputs.</summary>
    public void Validate(int inputs, int outputs)
    {
        if (inputs <= 0 || outputs <= 0)
            throw new ArgumentException($"A network needs at least one input and one output, got {inputs} and {outputs}.");
        if (Embeddings is null) throw new ArgumentException("The embedding list cannot be null; use [] for none.");
        if (Architecture is null) throw new ArgumentException("Choose an architecture, for example new MlpArchitecture([64, 64, 64]).");
        int features = inputs;
        foreach (var embedding in Embeddings)
        {
            embedding.Validate(features);
            features = embedding.Outputs(features);
        }
        Architecture.Validate();
        WeightFactorization?.Validate();
        if (ScaleInputs && Embeddings.Count > 0)
            throw new ArgumentException("NetworkOptions.ScaleInputs maps the coordinates to [-1, 1] before the network, but embeddings take them "
                + "in their own units (periods, interface positions): use one or the other.");
    }
}
