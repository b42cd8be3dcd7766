using Physis.Differentiation;
using Physis.Networks.Layers;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks.Embeddings;

/// <summary>
/// Physics-informed Gaussians (Kang et al., "PIG: Physics-Informed Gaussians as Adaptive Parametric Mesh
/// Representations"): <see cref="Gaussians"/> Gaussian functions G_i(x) = exp(-1/2 sum_d ((x_d - mu_id) / s_id)^2)
/// with trainable centres mu and widths s, each carrying a trainable feature vector f_i of length
/// <see cref="Features"/>; the embedding is sum_i G_i(x) f_i, which a small MLP then maps to the solution.
/// </summary>
public sealed record GaussianFeatureOptions(int Gaussians, int Features) : EmbeddingOptions
{
    /// <summary>One width per Gaussian (true) or one per Gaussian and coordinate (false).</summary>
    public bool Isotropic { get; init; }
    /// <summary>Initial width of every Gaussian, in coordinate units.</summary>
    public double InitialWidth { get; init; } = 0.1;
    /// <summary>Box in which the centres start, uniformly at random; default [-1, 1] per coordinate.</summary>
    public IReadOnlyList<double>? Lower { get; init; }
    public IReadOnlyList<double>? Upper { get; init; }

    public override void Validate(int inputs)
    {
        if (Gaussians <= 0) throw new ArgumentException($"Gaussian features: the number of Gaussians must be positive, got {Gaussians}.");
        if (Features <= 0) throw new ArgumentException($"Gaussian features: the feature length must be positive, got {Features}.");
        if (!double.IsFinite(InitialWidth) || InitialWidth <= 0)
            throw new ArgumentException($"Gaussian features: the initial width must be positive and finite, got {InitialWidth}.");
        if ((Lower is null) != (Upper is null))
            throw new ArgumentException("Gaussian features: give both Lower and Upper corners of the centre box, or neither.");
        if (Lower is null || Upper is null) return;
        if (Lower.Count != inputs || Upper.Count != inputs)
            throw new ArgumentException($"Gaussian features: the centre box has {Lower.Count} and {Upper.Count} bounds, "
                + $"but the input has {inputs} coordinates.");
        for (int d = 0; d < inputs; d++)
            if (!(double.IsFinite(Lower[d]) && double.IsFinite(Upper[d]) && Lower[d] < Upper[d]))
                throw new ArgumentException($"Gaussian features: coordinate {d} has centre bounds [{Lower[d]}, {Upper[d]}]; "
                    + "each needs finite lower < upper.");
    }

    public override int Outputs(int inputs) => Features;

    // Per Gaussian: a centre, one width (isotropic) or one per input, and its feature weights.
    public override (double Outputs, double Parameters) Size(double inputs) =>
        (Features, Gaussians * (inputs * (Isotropic ? 1 : 2) + (Isotropic ? 1 : 0) + Features));

    public override string ToString() =>
        FormattableString.Invariant($"Gaussian features ({Gaussians} Gaussians, {Features} features each, ")
        + FormattableString.Invariant($"{(Isotropic ? "isotropic" : "per-coordinate")} width {InitialWidth})");

    public override InputEmbedding Create(int inputs, LayerFactory layers) => new GaussianFeatures(this, inputs, layers);
}

public sealed class GaussianFeatures : InputEmbedding
{
    private readonly Parameter centres, logWidths, features;

    public GaussianFeatures(GaussianFeatureOptions options, int inputs, LayerFactory layers)
        : base(nameof(GaussianFeatures), inputs, options.Features)
    {
        options.Validate(inputs);
        int n = options.Gaussians;
        Tensor initialCentres;
        using (var scope = NewDisposeScope())
        {
            // Initial values in float64; the parameters themselves are created outside the scope, which would dispose them.
            var lower = tensor(options.Lower?.ToArray() ?? Enumerable.Repeat(-1.0, inputs).ToArray(), dtype: ScalarType.Float64);
            var upper = tensor(options.Upper?.ToArray() ?? Enumerable.Repeat(1.0, inputs).ToArray(), dtype: ScalarType.Float64);
            var unit = rand([n, inputs], dtype: ScalarType.Float64, generator: layers.Generator);
            initialCentres = (lower + unit * (upper - lower)).MoveToOuterDisposeScope();
        }
        using var c = initialCentres;
        using var w = full([n, options.Isotropic ? 1 : inputs], Math.Log(options.InitialWidth), dtype: ScalarType.Float64);
        using var f = randn([n, options.Features], dtype: ScalarType.Float64, generator: layers.Generator);
        centres = layers.Parameter(c);
        logWidths = layers.Parameter(w);
        features = layers.Parameter(f);
        register_parameter("centres", centres);
        register_parameter("log_widths", logWidths);
        register_parameter("features", features);
    }

    /// <summary>Centres mu [gaussians, inputs].</summary>
    public Tensor Centres => centres;
    /// <summary>Widths s [gaussians, inputs] or [gaussians, 1] (isotropic).</summary>
    public Tensor Widths() => logWidths.exp();
    /// <summary>Feature vectors f [gaussians, features].</summary>
    public Tensor FeatureVectors => features;

    public override Tensor forward(Tensor x)
    {
        CheckInput(x);
        var scaled = (x.unsqueeze(1) - centres.unsqueeze(0)) / logWidths.exp().unsqueeze(0);   // [n, gaussians, d]
        var values = (scaled.Squared().sum(2) * -0.5).exp();                                    // [n, gaussians]
        return values.matmul(features);
    }
}
