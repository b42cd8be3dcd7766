using Physis.Differentiation.Taylor;
using Physis.Networks.Layers;
using Physis.Problems;
using static TorchSharp.torch;

namespace Physis.Networks.Embeddings;

/// <summary>A coordinate on which the solution has period <see cref="Period"/>, represented by <see cref="Harmonics"/> harmonics.</summary>
public sealed record PeriodicCoordinate(int Coordinate, double Period, int Harmonics = 1);

/// <summary>
/// Makes a network exactly periodic (Dong and Ni 2021): each listed coordinate x with period P becomes
/// cos(k 2 pi x / P), sin(k 2 pi x / P) for k = 1..K, so every function of the features, and every derivative of it,
/// repeats with period P; the other coordinates pass through. A periodic boundary condition then holds by
/// construction and needs no loss term.
/// </summary>
public sealed record PeriodicEmbeddingOptions(IReadOnlyList<PeriodicCoordinate> Coordinates) : EmbeddingOptions
{
    // A factory rather than a second constructor, so that JSON (settings.json of a run) has one constructor to bind.
    public static PeriodicEmbeddingOptions Of(PdeProblem problem, string coordinate, double period, int harmonics = 1) =>
        Of(problem.Terms.CoordinateIndex(coordinate), period, harmonics);

    /// <summary>One periodic coordinate, by its index among the network's inputs.</summary>
    public static PeriodicEmbeddingOptions Of(int coordinate, double period, int harmonics = 1) =>
        new([new PeriodicCoordinate(coordinate, period, harmonics)]);

    public override void Validate(int inputs)
    {
        if (Coordinates is null || Coordinates.Count == 0) throw new ArgumentException("Periodic embedding: list at least one periodic coordinate.");
        ValidateCoordinates("Periodic embedding", Coordinates.Select(c => c.Coordinate), inputs);
        foreach (var c in Coordinates)
        {
            if (!double.IsFinite(c.Period) || c.Period <= 0)
                throw new ArgumentException($"Periodic embedding: the period of coordinate {c.Coordinate} must be positive and "
                    + $"finite, got {c.Period}.");
            if (c.Harmonics <= 0)
                throw new ArgumentException($"Periodic embedding: coordinate {c.Coordinate} needs at least one harmonic, got {c.Harmonics}.");
        }
    }

    public override int Outputs(int inputs) => inputs + (Coordinates?.Sum(c => 2 * c.Harmonics - 1) ?? 0);

    public override (double Outputs, double Parameters) Size(double inputs) => (inputs + (Coordinates?.Sum(c => 2.0 * c.Harmonics - 1) ?? 0), 0);

    public override string ToString() =>
        "periodic (" + string.Join("; ", Coordinates.Select(c =>
            FormattableString.Invariant($"coordinate {c.Coordinate}: P = {c.Period}, K = {c.Harmonics}"))) + ")";

    public override InputEmbedding Create(int inputs, LayerFactory layers) => new PeriodicEmbedding(this, inputs, layers);
}

/// <summary>Output: for each input coordinate in order, either its 2K harmonics (cosines, then sines) or the coordinate itself.</summary>
public sealed class PeriodicEmbedding : InputEmbedding, ITaylorLayer
{
    private readonly PeriodicCoordinate?[] periodic;
    private readonly Tensor?[] wavenumbers;

    public PeriodicEmbedding(PeriodicEmbeddingOptions options, int inputs, LayerFactory layers)
        : base(nameof(PeriodicEmbedding), inputs, options.Outputs(inputs))
    {
        options.Validate(inputs);
        periodic = new PeriodicCoordinate?[inputs];
        wavenumbers = new Tensor?[inputs];
        foreach (var c in options.Coordinates)
        {
            periodic[c.Coordinate] = c;
            // k 2 pi / P for k = 1..K, a row [1, K] that multiplies the column x [n, 1].
            var k = Enumerable.Range(1, c.Harmonics).Select(j => j * 2 * Math.PI / c.Period).ToArray();
            wavenumbers[c.Coordinate] = tensor(k, [1, c.Harmonics], dtype: layers.DType, device: layers.Device ?? CPU);
        }
    }

    public IReadOnlyList<PeriodicCoordinate?> Periodic => periodic;
    /// <summary>Per input coordinate, its wavenumbers [1, K] (null for a coordinate that passes through).</summary>
    internal IReadOnlyList<Tensor?> Wavenumbers => wavenumbers;

    public Jet Forward(Jet x)
    {
        var parts = new List<Jet>();
        for (int i = 0; i < Inputs; i++)
        {
            var column = x.Narrow(i, 1);
            if (wavenumbers[i] is not { } k)
            {
                parts.Add(column);
                continue;
            }
            var phase = column.Linear(k.t(), null);
            parts.Add(ActivationDerivatives.Cosine(phase));
            parts.Add(Activation.Sin.Apply(phase));
        }
        return Jet.Concat(parts);
    }

    public override Tensor forward(Tensor x)
    {
        CheckInput(x);
        var parts = new List<Tensor>();
        for (int i = 0; i < Inputs; i++)
        {
            var column = x[.., i..(i + 1)];
            if (wavenumbers[i] is not { } k) { parts.Add(column); continue; }
            var phase = column * k;
            parts.Add(phase.cos());
            parts.Add(phase.sin());
        }
        return cat(parts, 1);
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) foreach (var k in wavenumbers) k?.Dispose();
        base.Dispose(disposing);
    }
}
