using Physis.Differentiation.Taylor;
using Physis.Networks.Layers;
using Physis.Problems;
using static TorchSharp.torch;

namespace Physis.Networks.Embeddings;

/// <summary>
/// Random Fourier features (Tancik et al. 2020; Wang, Wang, Perdikaris 2021 for PINNs): a Gaussian matrix B with
/// entries N(0, <see cref="Scale"/>^2) and <see cref="Features"/> rows maps the selected coordinates x to
/// [cos(2 pi B x), sin(2 pi B x)]; coordinates not selected (for example time) follow unchanged.
/// </summary>
/// <param name="Features">number of frequencies m; the embedding outputs 2m features plus the coordinates passed through</param>
/// <param name="Scale">standard deviation sigma of the frequencies; larger resolves finer scales (typical 1 to 10)</param>
public sealed record FourierFeatureOptions(int Features, double Scale) : EmbeddingOptions
{
    /// <summary>Features of the named coordinates of <paramref name="problem"/> (for example "x", "y"), the others passed through.</summary>
    public static FourierFeatureOptions On(PdeProblem problem, int features, double scale, params string[] coordinates) =>
        new(features, scale) { Coordinates = [.. coordinates.Select(problem.Terms.CoordinateIndex)] };

    /// <summary>Indices of the coordinates to embed (for example the spatial ones); null embeds all.</summary>
    public IReadOnlyList<int>? Coordinates { get; init; }
    /// <summary>Whether B is trained with the network; by default it stays fixed.</summary>
    public bool Trainable { get; init; }

    public override void Validate(int inputs)
    {
        if (Features <= 0) throw new ArgumentException($"Fourier features: the number of features must be positive, got {Features}.");
        if (!double.IsFinite(Scale) || Scale <= 0)
            throw new ArgumentException($"Fourier features: the scale sigma must be positive and finite, got {Scale}. Typical: 1 to 10.");
        if (Coordinates is not null)
        {
            if (Coordinates.Count == 0)
                throw new ArgumentException("Fourier features: the coordinate list is empty; leave it null to embed every coordinate.");
            ValidateCoordinates("Fourier features", Coordinates, inputs);
        }
    }

    public override int Outputs(int inputs) => 2 * Features + inputs - (Coordinates?.Count ?? inputs);

    public override (double Outputs, double Parameters) Size(double inputs) =>
        (2.0 * Features + inputs - (Coordinates?.Count ?? inputs), Trainable ? (double)Features * (Coordinates?.Count ?? inputs) : 0);

    public override string ToString() =>
        FormattableString.Invariant($"Fourier features (m = {Features}, sigma = {Scale}")
        + (Coordinates is null ? "" : $", coordinates {string.Join(", ", Coordinates)}")
        + (Trainable ? ", trainable" : "") + ")";

    public override InputEmbedding Create(int inputs, LayerFactory layers) => new FourierFeatures(this, inputs, layers);
}

public sealed class FourierFeatures : InputEmbedding, ITaylorLayer
{
    private readonly Tensor frequencies;
    private readonly Tensor? selected, passed;

    public FourierFeatures(FourierFeatureOptions options, int inputs, LayerFactory layers)
        : base(nameof(FourierFeatures), inputs, options.Outputs(inputs))
    {
        options.Validate(inputs);
        var embedded = options.Coordinates ?? Enumerable.Range(0, inputs).ToList();
        using var b = randn([options.Features, embedded.Count], dtype: ScalarType.Float64, generator: layers.Generator) * options.Scale;
        if (options.Trainable)
        {
            var parameter = layers.Parameter(b);
            register_parameter("frequencies", parameter);
            frequencies = parameter;
        }
        else
        {
            // to() may hand back b itself when nothing changes; the clone outlives b's disposal.
            using var converted = b.to(layers.DType, layers.Device ?? CPU);
            frequencies = converted.clone();
            register_buffer("frequencies", frequencies);
        }
        if (options.Coordinates is not null)
        {
            var device = layers.Device ?? CPU;
            selected = tensor(embedded.Select(c => (long)c).ToArray(), device: device);
            var rest = Enumerable.Range(0, inputs).Except(embedded).Select(c => (long)c).ToArray();
            passed = rest.Length > 0 ? tensor(rest, device: device) : null;
        }
    }

    /// <summary>The frequency matrix B [features, embedded coordinates].</summary>
    public Tensor Frequencies => frequencies;
    /// <summary>The indices of the embedded coordinates and of those passed through; null when every coordinate is embedded.</summary>
    internal Tensor? Selected => selected;
    internal Tensor? Passed => passed;

    public Jet Forward(Jet x)
    {
        var embedded = selected is null ? x : x.Select(selected);
        var phase = embedded.Linear(frequencies * (2 * Math.PI), null);
        List<Jet> parts = [ActivationDerivatives.Cosine(phase), Activation.Sin.Apply(phase)];
        if (passed is not null) parts.Add(x.Select(passed));
        return Jet.Concat(parts);
    }

    public override Tensor forward(Tensor x)
    {
        CheckInput(x);
        var embedded = selected is null ? x : x.index_select(1, selected);
        var phase = embedded.matmul(frequencies.t()) * (2 * Math.PI);
        Tensor[] parts = passed is null ? [phase.cos(), phase.sin()] : [phase.cos(), phase.sin(), x.index_select(1, passed)];
        return cat(parts, 1);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            selected?.Dispose();
            passed?.Dispose();
        }
        base.Dispose(disposing);
    }
}
