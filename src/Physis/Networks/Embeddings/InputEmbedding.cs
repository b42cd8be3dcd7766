using System.Text.Json.Serialization;
using Physis.Networks.Layers;
using static TorchSharp.torch;

namespace Physis.Networks.Embeddings;

/// <summary>A map from network inputs [n, Inputs] to features [n, Outputs], applied before the first dense layer.</summary>
public abstract class InputEmbedding(string name, int inputs, int outputs) : nn.Module<Tensor, Tensor>(name)
{
    public int Inputs { get; } = inputs;
    public int Outputs { get; } = outputs;

    protected void CheckInput(Tensor x)
    {
        if (x.dim() != 2 || x.shape[1] != Inputs)
            throw new ArgumentException($"{GetType().Name} expects points [n, {Inputs}], got [{string.Join(", ", x.shape)}].");
    }
}

/// <summary>
/// The settings of one embedding, validated against the number of coordinates it receives. Embeddings listed in
/// <see cref="NetworkOptions.Embeddings"/> are applied in order, each to the output of the previous one.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "kind")]
[JsonDerivedType(typeof(FourierFeatureOptions), "fourier")]
[JsonDerivedType(typeof(PeriodicEmbeddingOptions), "periodic")]
[JsonDerivedType(typeof(GaussianFeatureOptions), "gaussian")]
[JsonDerivedType(typeof(InterfaceFeatureOptions), "interface")]
public abstract record EmbeddingOptions
{
    /// <summary>Throws an <see cref="ArgumentException"/> that names the bad setting and the fix.</summary>
    public abstract void Validate(int inputs);

    /// <summary>The number of features produced from <paramref name="inputs"/> coordinates.</summary>
    public abstract int Outputs(int inputs);

    /// <summary>
    /// <see cref="Outputs"/> and the trainable values of the embedding, in floating point so that sizes beyond any array
    /// are still counted (memory estimates).
    /// </summary>
    public virtual (double Outputs, double Parameters) Size(double inputs) => (Outputs((int)Math.Min(inputs, int.MaxValue)), 0);

    /// <summary>Builds the embedding; random draws come from <paramref name="layers"/>' generator.</summary>
    public abstract InputEmbedding Create(int inputs, LayerFactory layers);

    /// <summary>Checks a list of coordinate indices: in range, no repeats.</summary>
    protected static void ValidateCoordinates(string what, IEnumerable<int> coordinates, int inputs)
    {
        var list = coordinates.ToList();
        foreach (int c in list)
            if (c < 0 || c >= inputs)
                throw new ArgumentException($"{what}: coordinate index {c} is out of range; "
                    + $"the input has {inputs} coordinate(s), numbered 0 to {inputs - 1}.");
        var repeated = list.GroupBy(c => c).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (repeated.Count > 0) throw new ArgumentException($"{what}: coordinate(s) {string.Join(", ", repeated)} listed more than once.");
    }
}
