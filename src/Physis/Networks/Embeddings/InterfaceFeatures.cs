using Physis.Networks.Layers;
using Physis.Problems;
using static TorchSharp.torch;

namespace Physis.Networks.Embeddings;

/// <summary>
/// Interface features for a coefficient that jumps across known points (a potential step, two materials): for each
/// interface c on <see cref="Coordinate"/> the feature (x - c)|x - c|, which is continuous with its first derivative
/// and has a jump of 4 in its second derivative at c. Where the residual -u'' + V u holds on both sides of a jump of
/// V, u'' must jump by [V] u(c); a smooth network cannot make that jump, so it spreads the residual around c and
/// biases the result (the idea of the cusp-capturing PINN of Tseng et al. 2023, one derivative higher). All
/// coordinates pass through; the features follow them.
/// </summary>
/// <param name="Coordinate">index of the coordinate the interfaces lie on</param>
/// <param name="Interfaces">positions c of the interfaces along it</param>
public sealed record InterfaceFeatureOptions(int Coordinate, IReadOnlyList<double> Interfaces) : EmbeddingOptions
{
    /// <summary>Interfaces on the named coordinate of <paramref name="problem"/>.</summary>
    public static InterfaceFeatureOptions On(PdeProblem problem, string coordinate, IReadOnlyList<double> interfaces) =>
        new(problem.Terms.CoordinateIndex(coordinate), interfaces);

    public override void Validate(int inputs)
    {
        ValidateCoordinates("Interface features", [Coordinate], inputs);
        if (Interfaces is null || Interfaces.Count == 0) throw new ArgumentException("Interface features: list at least one interface position.");
        foreach (double c in Interfaces)
            if (!double.IsFinite(c)) throw new ArgumentException($"Interface features: interface positions must be finite, got {c}.");
        if (Interfaces.Distinct().Count() != Interfaces.Count)
            throw new ArgumentException("Interface features: an interface position is listed more than once.");
    }

    public override int Outputs(int inputs) => inputs + (Interfaces?.Count ?? 0);

    public override string ToString() =>
        FormattableString.Invariant($"interface features (coordinate {Coordinate} at {string.Join(", ", Interfaces)})");

    public override InputEmbedding Create(int inputs, LayerFactory layers) => new InterfaceFeatures(this, inputs, layers);
}

public sealed class InterfaceFeatures : InputEmbedding
{
    private readonly int coordinate;
    private readonly Tensor positions;

    public InterfaceFeatures(InterfaceFeatureOptions options, int inputs, LayerFactory layers)
        : base(nameof(InterfaceFeatures), inputs, options.Outputs(inputs))
    {
        options.Validate(inputs);
        coordinate = options.Coordinate;
        positions = tensor(options.Interfaces.ToArray(), [1, options.Interfaces.Count], dtype: layers.DType, device: layers.Device ?? CPU);
    }

    internal int Coordinate => coordinate;
    /// <summary>The interface positions [1, m].</summary>
    internal Tensor Positions => positions;

    public override Tensor forward(Tensor x)
    {
        CheckInput(x);
        var offset = x[.., coordinate..(coordinate + 1)] - positions;
        return cat([x, offset * offset.abs()], 1);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) positions.Dispose();
        base.Dispose(disposing);
    }
}
