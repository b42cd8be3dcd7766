using Physis.Infrastructure;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks.Operators;

/// <summary>
/// Architecture of a Fourier neural operator ("fno") with dense spectral weights; the number of entries in
/// <see cref="Modes"/> sets the spatial dimension. <see cref="TfnoSettings"/> ("tfno") factorises the spectral weights.
/// </summary>
public record FnoSettings : OperatorArchitecture
{
    public required int[] Modes { get; init; }
    public int Width { get; init; } = 64;
    public int Layers { get; init; } = 4;
    public int InChannels { get; init; } = 1;
    public int OutChannels { get; init; } = 1;
    /// <summary>Hidden width of the two-layer pointwise projection to the output.</summary>
    public int ProjectionWidth { get; init; } = 128;
    /// <summary>Zero padding appended to each spatial axis, as a fraction of its size, so non-periodic data need not wrap around.</summary>
    public double Padding { get; init; }
    /// <summary>Append the grid coordinates (in [0, 1] per axis) to the input channels.</summary>
    public bool PositionalFeatures { get; init; } = true;
    /// <summary>Dense for an "fno"; Tucker or CP for a "tfno" (<see cref="TfnoSettings"/>).</summary>
    public SpectralFactorisation Factorisation { get; init; } = SpectralFactorisation.Dense;
    /// <summary>Parameters of a factorised spectral weight relative to the dense one.</summary>
    public double RankRatio { get; init; } = 1.0;

    public override void Validate()
    {
        if (Modes is null || Modes.Length == 0 || Modes.Any(m => m <= 0))
            throw new ArgumentException($"Modes needs a positive count per dimension; got [{string.Join(", ", Modes ?? [])}].");
        if (Width <= 0) throw new ArgumentException($"Width must be positive; got {Width}.");
        if (Layers <= 0) throw new ArgumentException($"Layers must be positive; got {Layers}.");
        if (InChannels <= 0 || OutChannels <= 0)
            throw new ArgumentException($"InChannels and OutChannels must be positive; got {InChannels} and {OutChannels}.");
        if (ProjectionWidth <= 0) throw new ArgumentException($"ProjectionWidth must be positive; got {ProjectionWidth}.");
        if (!(Padding >= 0 && Padding <= 1)) throw new ArgumentException($"Padding is a fraction in [0, 1]; got {Padding}.");
        ValidateFactorisation();
    }

    /// <summary>An "fno" keeps its spectral weights dense; <see cref="TfnoSettings"/> checks the factorisation instead.</summary>
    protected virtual void ValidateFactorisation()
    {
        if (Factorisation != SpectralFactorisation.Dense)
            throw new ArgumentException($"An fno has dense spectral weights; got Factorisation {Factorisation}. "
                + "A factorised FNO is a tfno (TfnoSettings).");
    }

    public override nn.Module Create(int seed, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        new FourierNeuralOperator(this, seed, dtype, device);

    /// <summary>
    /// <see cref="Modes"/> from neuraloperator's n_modes, the total count of frequencies kept per axis: an even total M on an
    /// axis but the last keeps -M/2 .. M/2 - 1, which is M/2 here; on the last axis, which the real FFT halves, it keeps
    /// 0 .. floor(M/2), which is floor(M/2) + 1 here. An odd total on an axis but the last (neuraloperator then keeps
    /// -(M-1)/2 .. (M-1)/2) has no equal here and is refused.
    /// </summary>
    public static int[] ModesFromTotal(IReadOnlyList<int> totals)
    {
        if (totals.Count == 0 || totals.Any(m => m <= 0))
            throw new ArgumentException($"ModesTotal needs a positive count per dimension; got [{string.Join(", ", totals)}].");
        for (int j = 0; j < totals.Count - 1; j++)
            if (totals[j] % 2 != 0)
                throw new ArgumentException($"ModesTotal {totals[j]} on axis {j}: an axis but the last keeps as many negative as non-negative "
                    + "frequencies here, so its total must be even (neuraloperator keeps one more frequency for an odd total).");
        return [.. totals.Select((m, j) => j < totals.Count - 1 ? m / 2 : m / 2 + 1)];
    }

    public override long EstimateParameters()
    {
        double width = Width, lifted = InChannels + (PositionalFeatures ? Modes.Length : 0);
        double pointwise = (lifted + 1) * width + Layers * (width + 1) * width
            + (width + 1) * ProjectionWidth + (ProjectionWidth + 1.0) * OutChannels;
        return MemoryBudget.Saturated(pointwise + Layers * SpectralParameters());
    }

    public override long EstimateActivations(IReadOnlyList<int> grid, int batch)
    {
        double points = grid.Aggregate(1.0, (a, n) => a * n);
        double padded = grid.Aggregate(1.0, (a, n) => a * (n + Math.Round(Padding * n)));
        double width = Width, lifted = InChannels + (PositionalFeatures ? Modes.Length : 0);
        // Per Fourier layer about six fields of Width channels: its input, the spectrum, the inverse transform, the skip,
        // their sum and the GELU; then the projection's hidden field, its GELU and the output.
        double perSample = points * (lifted + width) + Layers * 6 * width * padded + points * (width + 2.0 * ProjectionWidth + OutChannels);
        return MemoryBudget.Saturated(batch * perSample);
    }

    /// <summary>
    /// Each spectral weight starts as a dense complex draw in float64 that is scaled and converted (about five times the
    /// dense weight's float32 values at once); a Tucker factorisation then decomposes it.
    /// </summary>
    public override long EstimateConstruction() =>
        Factorisation == SpectralFactorisation.Cp ? 0 : MemoryBudget.Saturated(5 * DenseSpectralParameters());

    /// <summary>Real values of one layer's dense spectral weight: Width x Width complex entries per retained mode.</summary>
    private double DenseSpectralParameters() => 2.0 * Width * Width * ModeShape().Aggregate(1.0, (a, k) => a * k);

    /// <summary>Retained modes per axis: 2m on every axis but the last (positive and negative frequencies), m on the last.</summary>
    private double[] ModeShape() => [.. Modes.Select((m, j) => j < Modes.Length - 1 ? 2.0 * m : m)];

    /// <summary>Real values of one layer's spectral weights; a factorisation keeps about RankRatio of the dense ones.</summary>
    private double SpectralParameters()
    {
        double dense = DenseSpectralParameters();
        // The tensor's axis sizes [Width, Width, K1, ..., Kd]: a rank-one term has one (complex) value per index of each.
        double axes = 2.0 * Width + ModeShape().Sum();
        return Factorisation switch
        {
            SpectralFactorisation.Dense => dense,
            SpectralFactorisation.Cp => 2 * Math.Max(1, Math.Round(RankRatio * dense / 2 / axes)) * axes,
            _ => Math.Max(RankRatio * dense, 2 * (axes + 1)),
        };
    }
}

/// <summary>
/// Architecture of a tensor-factorised FNO ("tfno"): an FNO whose spectral weights are a Tucker or CP factorisation with
/// <see cref="FnoSettings.RankRatio"/> of the dense weights' parameters (defaults: Tucker, 0.1).
/// </summary>
public sealed record TfnoSettings : FnoSettings
{
    public TfnoSettings()
    {
        Factorisation = SpectralFactorisation.Tucker;
        RankRatio = 0.1;
    }

    protected override void ValidateFactorisation()
    {
        if (Factorisation == SpectralFactorisation.Dense || !Enum.IsDefined(Factorisation))
            throw new ArgumentException($"A tfno factorises its spectral weights: Factorisation must be tucker or cp; got {Factorisation}.");
        if (!(RankRatio > 0 && RankRatio <= 1)) throw new ArgumentException($"RankRatio must lie in (0, 1]; got {RankRatio}.");
    }
}

/// <summary>
/// Fourier neural operator: a pointwise lifting of the input (and grid coordinates) to <see cref="FnoSettings.Width"/>
/// channels, Fourier layers v -> GELU(K v + W v) with K a <see cref="SpectralConvolution"/> and W a pointwise linear skip
/// (no GELU after the last), and a pointwise two-layer projection. Input [B, in, n1, ..., nd], output [B, out, n1, ..., nd],
/// at any resolution that resolves the retained modes (zero-shot super-resolution).
/// </summary>
public sealed class FourierNeuralOperator : nn.Module<Tensor, Tensor>, IGridOperator
{
    private readonly PointwiseLinear lifting, projectionHidden, projectionOut;
    private readonly ModuleList<SpectralConvolution> spectral = new();
    private readonly ModuleList<PointwiseLinear> skips = new();

    public FourierNeuralOperator(FnoSettings settings, int seed = 0, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base(nameof(FourierNeuralOperator))
    {
        settings.Validate();
        Settings = settings;
        using var generator = new Generator((ulong)seed);
        int d = settings.Modes.Length;
        lifting = new PointwiseLinear(settings.InChannels + (settings.PositionalFeatures ? d : 0), settings.Width, generator, dtype, device);
        for (int l = 0; l < settings.Layers; l++)
        {
            spectral.Add(new SpectralConvolution(settings.Width, settings.Width, settings.Modes, settings.Factorisation, settings.RankRatio,
                generator, dtype, device));
            skips.Add(new PointwiseLinear(settings.Width, settings.Width, generator, dtype, device));
        }
        projectionHidden = new PointwiseLinear(settings.Width, settings.ProjectionWidth, generator, dtype, device);
        projectionOut = new PointwiseLinear(settings.ProjectionWidth, settings.OutChannels, generator, dtype, device);
        RegisterComponents();
    }

    public FnoSettings Settings { get; }
    public int Dimension => Settings.Modes.Length;
    public IReadOnlyList<SpectralConvolution> SpectralLayers => [.. spectral];
    internal PointwiseLinear Lifting => lifting;
    internal IReadOnlyList<PointwiseLinear> Skips => [.. skips];
    internal PointwiseLinear ProjectionHidden => projectionHidden;
    internal PointwiseLinear ProjectionOut => projectionOut;

    /// <summary>Throws a clear error unless this model can evaluate on a grid of these sizes.</summary>
    public void CheckResolution(IReadOnlyList<long> grid) => spectral[0].CheckResolution(grid);

    /// <summary>The output with grid features linspace(0, 1, n) per axis.</summary>
    public override Tensor forward(Tensor x) => forward(x, null);

    /// <param name="coordinates">The grid's coordinates per axis as grid features (null: linspace(0, 1, n)).</param>
    public Tensor forward(Tensor x, IReadOnlyList<Tensor>? coordinates)
    {
        int d = Dimension;
        if (x.dim() != d + 2 || x.shape[1] != Settings.InChannels)
            throw new ArgumentException($"This FNO takes [batch, {Settings.InChannels}, {string.Join(", ", Enumerable.Repeat("n", d))}]; "
                + $"got [{string.Join(", ", x.shape)}].");
        long[] grid = [.. x.shape.Skip(2)];
        CheckResolution(grid);
        var h = Settings.PositionalFeatures ? cat([x, GridFeatures(x.shape[0], grid, x.dtype, x.device, coordinates)], 1) : x;
        h = lifting.forward(h);
        long[] padding = [.. grid.Select(n => (long)Math.Round(Settings.Padding * n))];
        if (padding.Any(p => p > 0))
            h = nn.functional.pad(h, [.. padding.Reverse().SelectMany(p => new[] { 0L, p })]);
        for (int l = 0; l < spectral.Count; l++)
        {
            h = spectral[l].forward(h) + skips[l].forward(h);
            if (l < spectral.Count - 1) h = nn.functional.gelu(h);
        }
        for (int j = 0; j < d; j++)
            if (padding[j] > 0) h = h.narrow(2 + j, 0, grid[j]);
        return projectionOut.forward(nn.functional.gelu(projectionHidden.forward(h)));
    }

    /// <summary>The coordinates along each axis (linspace(0, 1, n) when none are given), broadcast to [B, d, n1, ..., nd].</summary>
    internal static Tensor GridFeatures(long batch, long[] grid, ScalarType dtype, Device device, IReadOnlyList<Tensor>? coordinates = null)
    {
        int d = grid.Length;
        if (coordinates is not null && (coordinates.Count != d || coordinates.Select(c => c.numel()).Where((n, j) => n != grid[j]).Any()))
            throw new ArgumentException($"The grid coordinates have [{string.Join(", ", coordinates.Select(c => c.numel()))}] points per axis; "
                + $"the input has [{string.Join(", ", grid)}].");
        var features = new Tensor[d];
        for (int j = 0; j < d; j++)
        {
            long[] shape = [.. Enumerable.Repeat(1L, d)];
            shape[j] = grid[j];
            var axis = coordinates?[j].to(dtype, device) ?? linspace(0, 1, grid[j], dtype: dtype, device: device);
            features[j] = axis.reshape(shape).expand(grid);
        }
        return stack(features, 0).unsqueeze(0).expand([batch, d, .. grid]);
    }
}

/// <summary>
/// A linear map on the channel axis applied at every grid point (a 1 x 1 convolution): [B, in, ...] -> [B, out, ...].
/// PyTorch's default Linear initialisation, uniform on ±1/sqrt(in), drawn from the given generator.
/// </summary>
public sealed class PointwiseLinear : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight, bias;

    public PointwiseLinear(int inChannels, int outChannels, Generator generator, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base(nameof(PointwiseLinear))
    {
        double bound = 1 / Math.Sqrt(inChannels);
        weight = new Parameter(Uniform([outChannels, inChannels], bound, generator, dtype, device));
        bias = new Parameter(Uniform([outChannels], bound, generator, dtype, device));
        RegisterComponents();
    }

    /// <summary>The weight [out, in] and bias [out].</summary>
    internal Tensor Weight => weight;
    internal Tensor Bias => bias;

    public override Tensor forward(Tensor x)
    {
        // A kernel-1 convolution over the flattened grid: measured three times faster (forward and backward) than a
        // broadcast batched matmul, whose weight gradient reduces a [B, out, in] intermediate.
        long[] shape = [.. x.shape];
        var flat = nn.functional.conv1d(x.reshape(shape[0], shape[1], -1), weight.unsqueeze(-1), bias);
        shape[1] = weight.shape[0];
        return flat.reshape(shape);
    }

    internal static Tensor Uniform(long[] shape, double bound, Generator generator, ScalarType dtype, Device? device)
    {
        using var scope = NewDisposeScope();
        var sample = (rand(shape, dtype: ScalarType.Float64, generator: generator) * 2 - 1) * bound;
        return sample.to(dtype, device ?? CPU).DetachFromDisposeScope();
    }
}
