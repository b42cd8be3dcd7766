using Physis.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks.Operators;

/// <summary>Architecture of a latent spectral model ("lsm", <see cref="LatentSpectralModel"/>).</summary>
public sealed record LsmSettings : OperatorArchitecture
{
    /// <summary>Number of spatial axes, 1 or 2.</summary>
    public int Dimension { get; init; } = 2;
    public int InChannels { get; init; } = 1;
    public int OutChannels { get; init; } = 1;
    /// <summary>Channels at the finest scale; each coarser scale doubles them, as in a U-Net, up to <see cref="MaxChannelFactor"/> times.</summary>
    public int Width { get; init; } = 32;
    /// <summary>Levels of the U-shaped hierarchy (1 = a single scale).</summary>
    public int Scales { get; init; } = 4;
    /// <summary>Latent tokens per patch.</summary>
    public int Tokens { get; init; } = 4;
    /// <summary>Trigonometric basis functions of each neural spectral block: sin(pi z), cos(pi z), sin(2 pi z), cos(2 pi z), ...</summary>
    public int Basis { get; init; } = 12;
    /// <summary>Patches per axis at every scale.</summary>
    public int Patches { get; init; } = 4;
    /// <summary>Independent basis operators (channel groups) in each spectral block; must divide the channels of every scale.</summary>
    public int Heads { get; init; } = 1;
    /// <summary>Append the grid coordinates (in [0, 1] per axis) to the input channels.</summary>
    public bool PositionalFeatures { get; init; } = true;
    /// <summary>Hidden width of the two-layer pointwise projection to the output.</summary>
    public int ProjectionWidth { get; init; } = 128;

    /// <summary>
    /// Cap on the channel doubling (the paper's widths run 1, 2, 4, 8, 8 times the first): deep hierarchies, which a
    /// long 1D grid needs so that its coarsest scale spans the domain, then stay affordable.
    /// </summary>
    public const int MaxChannelFactor = 8;

    /// <summary>Channels at scale <paramref name="scale"/> (0 = finest).</summary>
    public int ChannelsAt(int scale) => Width * Math.Min(1 << scale, MaxChannelFactor);

    /// <summary>Every axis is padded to a multiple of this (Patches x 2^(Scales-1)), so each scale splits into whole patches.</summary>
    public int GridMultiple => Patches << (Scales - 1);

    public override void Validate()
    {
        if (Dimension is not (1 or 2)) throw new ArgumentException($"The latent spectral model works on 1 or 2 spatial axes; got {Dimension}.");
        if (InChannels <= 0 || OutChannels <= 0 || ProjectionWidth <= 0)
            throw new ArgumentException("InChannels, OutChannels and ProjectionWidth must be positive; "
                + $"got {InChannels}, {OutChannels} and {ProjectionWidth}.");
        if (Width <= 0) throw new ArgumentException($"Width must be positive; got {Width}.");
        // Channels double per scale and the grid halves: more than 10 levels overflows either long before it helps.
        if (Scales is < 1 or > 10) throw new ArgumentException($"Scales takes 1 to 10 levels; got {Scales}.");
        if (Tokens <= 0) throw new ArgumentException($"Tokens must be positive; got {Tokens}.");
        if (Basis <= 0) throw new ArgumentException($"Basis must be positive; got {Basis}.");
        if (Patches <= 0) throw new ArgumentException($"Patches must be positive; got {Patches}.");
        // The channels of every scale are multiples of Width, so dividing Width divides them all.
        if (Heads <= 0 || Width % Heads != 0)
            throw new ArgumentException($"Heads must be a positive divisor of Width ({Width}), "
                + $"which then divides the channels of every scale; got {Heads}.");
    }

    public override nn.Module Create(int seed, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        new LatentSpectralModel(this, seed, dtype, device);

    public override long EstimateParameters()
    {
        double taps = Math.Pow(3, Dimension), width = Width;
        double count = (InChannels + (PositionalFeatures ? Dimension : 0) + 1.0) * width
            + (width + 1) * ProjectionWidth + (ProjectionWidth + 1.0) * OutChannels;
        for (int l = 0; l < Scales; l++)
        {
            double channels = ChannelsAt(l), group = channels / Heads;
            count += (l == 0 ? width : ChannelsAt(l - 1)) * channels * taps + channels;                     // down convolution
            count += 3 * channels * channels + 2 * channels + Tokens * channels + Heads * Basis * group * group;  // spectral block
            if (l < Scales - 1)
                count += channels * channels + channels + ChannelsAt(l + 1) * channels + channels + channels * channels * taps + channels;
        }
        return MemoryBudget.Saturated(count);
    }

    public override long EstimateActivations(IReadOnlyList<int> grid, int batch)
    {
        int multiple = GridMultiple;
        // The lifted field is padded to a multiple of GridMultiple per axis; each scale halves every axis.
        double points = grid.Aggregate(1.0, (a, n) => a * n);
        double padded = grid.Aggregate(1.0, (a, n) => a * Math.Ceiling((double)n / multiple) * multiple);
        double perSample = points * (InChannels + Dimension + Width) + points * (Width + 2.0 * ProjectionWidth + OutChannels);
        for (int l = 0; l < Scales; l++)
        {
            double nodes = padded * Math.Pow(2, -Dimension * l), channels = ChannelsAt(l);
            // Convolution and GELU (2C), the spectral block's patches, output and residual (3C) with its attention
            // scores and weights both ways (4T), and the decoder's merge, upsampling, sum, convolution and GELU (5C).
            perSample += nodes * (10 * channels + 4.0 * Tokens);
        }
        return MemoryBudget.Saturated(batch * perSample);
    }
}

/// <summary>
/// Latent Spectral Model (Wu et al., ICML 2023): a pointwise lifting of the input (and grid coordinates) to
/// <see cref="LsmSettings.Width"/> channels, a U-shaped hierarchy whose stride-2 convolutions halve the grid and double
/// the channels per scale, a <see cref="NeuralSpectralBlock"/> on the features of every scale in place of the U-Net's skip
/// features, a decoder that upsamples (linear / bilinear), merges with the finer scale's block output and convolves, and a
/// pointwise two-layer projection.
/// Input [B, in, n1(, n2)], output [B, out, n1(, n2)] on any grid with at least <see cref="LsmSettings.GridMultiple"/>
/// points per axis: the lifted field is replicate-padded on the right of each axis to a multiple of it and cropped back.
/// </summary>
public sealed class LatentSpectralModel : nn.Module<Tensor, Tensor>, IGridOperator
{
    private readonly PointwiseLinear lifting, projectionHidden, projectionOut;
    private readonly ModuleList<ConvolutionBlock> down = new(), up = new();
    private readonly ModuleList<PointwiseLinear> skipMerge = new(), coarseMerge = new();
    private readonly ModuleList<NeuralSpectralBlock> spectral = new();

    public LatentSpectralModel(LsmSettings settings, int seed = 0, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base(nameof(LatentSpectralModel))
    {
        settings.Validate();
        Settings = settings;
        using var generator = new Generator((ulong)seed);
        int d = settings.Dimension, width = settings.Width;
        lifting = new PointwiseLinear(settings.InChannels + (settings.PositionalFeatures ? d : 0), width, generator, dtype, device);
        for (int l = 0; l < settings.Scales; l++)
        {
            int channels = settings.ChannelsAt(l);
            // Below the finest scale the block's convolution has stride 2: it halves the grid as it doubles the channels.
            down.Add(new ConvolutionBlock(l == 0 ? width : settings.ChannelsAt(l - 1), channels, d, generator, dtype, device,
                stride: l == 0 ? 1 : 2));
            spectral.Add(new NeuralSpectralBlock(channels, d, settings.Tokens, settings.Basis, settings.Patches, settings.Heads, generator, dtype,
                device));
        }
        // The decoder at scale l: a 1 x 1 map of [block output, upsampled scale l+1 result] (concatenated: C plus the coarser scale's channels) to C,
        // then up[l]'s convolution; a 3 x 3 kernel on the concatenation itself would cost three times the rest of the model.
        // The 1 x 1 map is split by input: it commutes with linear interpolation (weights summing to one), so its coarse
        // part runs on the coarse grid before upsampling, which then moves half the channels.
        for (int l = 0; l < settings.Scales - 1; l++)
        {
            int channels = settings.ChannelsAt(l);
            skipMerge.Add(new PointwiseLinear(channels, channels, generator, dtype, device));
            coarseMerge.Add(new PointwiseLinear(settings.ChannelsAt(l + 1), channels, generator, dtype, device));
            up.Add(new ConvolutionBlock(channels, channels, d, generator, dtype, device));
        }
        projectionHidden = new PointwiseLinear(width, settings.ProjectionWidth, generator, dtype, device);
        projectionOut = new PointwiseLinear(settings.ProjectionWidth, settings.OutChannels, generator, dtype, device);
        RegisterComponents();
    }

    public LsmSettings Settings { get; }
    public int Dimension => Settings.Dimension;
    public IReadOnlyList<NeuralSpectralBlock> SpectralBlocks => [.. spectral];
    internal PointwiseLinear Lifting => lifting;
    internal PointwiseLinear ProjectionHidden => projectionHidden;
    internal PointwiseLinear ProjectionOut => projectionOut;
    internal IReadOnlyList<ConvolutionBlock> Down => [.. down];
    internal IReadOnlyList<ConvolutionBlock> Up => [.. up];
    internal IReadOnlyList<PointwiseLinear> SkipMerge => [.. skipMerge];
    internal IReadOnlyList<PointwiseLinear> CoarseMerge => [.. coarseMerge];

    /// <summary>Throws a clear error unless this model can evaluate on a grid of these sizes.</summary>
    public void CheckResolution(IReadOnlyList<long> grid)
    {
        if (grid.Count != Dimension)
            throw new ArgumentException($"This latent spectral model is {Dimension}-dimensional; "
                + $"got a grid of {grid.Count} axes [{string.Join(", ", grid)}].");
        int multiple = Settings.GridMultiple;
        if (grid.Any(n => n < multiple))
            throw new ArgumentException($"The latent spectral model with {Settings.Patches} patches and {Settings.Scales} scales needs at least " +
                $"{multiple} points per axis (patches x 2^(scales - 1)); got [{string.Join(", ", grid)}].");
    }

    /// <summary>The output with grid features linspace(0, 1, n) per axis.</summary>
    public override Tensor forward(Tensor x) => forward(x, null);

    /// <param name="coordinates">The grid's coordinates per axis as grid features (null: linspace(0, 1, n)).</param>
    public Tensor forward(Tensor x, IReadOnlyList<Tensor>? coordinates)
    {
        int d = Dimension;
        if (x.dim() != d + 2 || x.shape[1] != Settings.InChannels)
            throw new ArgumentException($"This LSM takes [batch, {Settings.InChannels}, {string.Join(", ", Enumerable.Repeat("n", d))}]; "
                + $"got [{string.Join(", ", x.shape)}].");
        long[] grid = [.. x.shape.Skip(2)];
        CheckResolution(grid);
        var h = Settings.PositionalFeatures ? cat([x, FourierNeuralOperator.GridFeatures(x.shape[0], grid, x.dtype, x.device, coordinates)], 1) : x;
        h = lifting.forward(h);
        // Replicate rather than zero padding: the padded strip then continues the field instead of adding an artificial edge.
        int multiple = Settings.GridMultiple;
        long[] padding = [.. grid.Select(n => (multiple - n % multiple) % multiple)];
        if (padding.Any(p => p > 0))
            h = nn.functional.pad(h, [.. padding.Reverse().SelectMany(p => new[] { 0L, p })], PaddingModes.Replicate);

        var skips = new Tensor[Settings.Scales];
        for (int l = 0; l < skips.Length; l++)
        {
            h = down[l].forward(h);
            skips[l] = spectral[l].forward(h);
        }
        h = skips[^1];
        for (int l = skips.Length - 2; l >= 0; l--)
            h = up[l].forward(skipMerge[l].forward(skips[l]) + LsmGrid.Upsample(coarseMerge[l].forward(h), [.. skips[l].shape.Skip(2)]));

        for (int j = 0; j < d; j++)
            if (padding[j] > 0) h = h.narrow(2 + j, 0, grid[j]);
        return projectionOut.forward(nn.functional.gelu(projectionHidden.forward(h)));
    }
}

/// <summary>
/// Neural spectral block of the latent spectral model, on features [B, C, n1(, n2)] whose axes split into
/// <c>patches</c> equal parts each. Per patch of m points (a [C, m] matrix X):
/// <list type="number">
/// <item>token projection: learnable queries Q [T, C] attend over the points, tokens = softmax(Q K / sqrt C) V^T with
/// K = W_k X and V = W_v X (1 x 1 maps), so each token is a convex combination of the points' values;</item>
/// <item>latent spectral operator on each token z (see <see cref="SpectralOperator"/>);</item>
/// <item>attention back: each point x queries the updated tokens, softmax(tokens' W_q x / sqrt C) over the tokens, and
/// receives that combination of them;</item>
/// </list>
/// and the patches are reassembled and added to the input (residual).
/// </summary>
public sealed class NeuralSpectralBlock : nn.Module<Tensor, Tensor>
{
    // The 1 x 1 maps as [out, in] matrices: Encode and Decode apply them on the token side of each product (see there),
    // so no full-grid key, value or query field is ever formed.
    private readonly Parameter keyWeight, valueWeight, valueBias, queryWeight, queryBias;
    // [T, C]
    private readonly Parameter tokenQueries;
    // [Heads, Basis, C / Heads (out), C / Heads (in)]
    private readonly Parameter basisWeights;

    public NeuralSpectralBlock(int channels, int dimension, int tokens, int basis, int patches, int heads, Generator generator,
        ScalarType dtype = ScalarType.Float32, Device? device = null) : base(nameof(NeuralSpectralBlock))
    {
        if (channels <= 0 || tokens <= 0 || basis <= 0 || patches <= 0)
            throw new ArgumentException("Channels, tokens, basis and patches must be positive.");
        if (dimension is not (1 or 2)) throw new ArgumentException($"The neural spectral block works on 1 or 2 spatial axes; got {dimension}.");
        if (heads <= 0 || channels % heads != 0) throw new ArgumentException($"Heads ({heads}) must divide the block's {channels} channels.");
        (Channels, Dimension, Patches, Heads) = (channels, dimension, patches, heads);
        // PyTorch's Linear initialisation, uniform on ±1/sqrt(C).
        Parameter Uniform(long[] shape, double bound) => new(PointwiseLinear.Uniform(shape, bound, generator, dtype, device));
        double linear = 1 / Math.Sqrt(channels);
        keyWeight = Uniform([channels, channels], linear);
        (valueWeight, valueBias) = (Uniform([channels, channels], linear), Uniform([channels], linear));
        (queryWeight, queryBias) = (Uniform([channels, channels], linear), Uniform([channels], linear));
        // Unit-variance token queries: scores of order one, so the tokens start distinct rather than all near the patch mean.
        tokenQueries = Uniform([tokens, channels], Math.Sqrt(3));
        int group = channels / heads;
        basisWeights = Uniform([heads, basis, group, group], 1 / Math.Sqrt(basis * group));
        RegisterComponents();
    }

    public int Channels { get; }
    public int Dimension { get; }
    public int Patches { get; }
    public int Heads { get; }
    public int TokenCount => (int)tokenQueries.shape[0];
    public int BasisCount => (int)basisWeights.shape[1];
    /// <summary>The learnable token queries Q, [T, C].</summary>
    public Parameter TokenQueries => tokenQueries;
    /// <summary>W[h, j] maps channel group h's basis feature j to its update (out x in), [Heads, Basis, C / Heads, C / Heads].</summary>
    public Parameter BasisWeights => basisWeights;
    /// <summary>The key, value and query maps as [out, in] matrices and biases.</summary>
    internal (Tensor Key, Tensor Value, Tensor ValueBias, Tensor Query, Tensor QueryBias) Maps =>
        (keyWeight, valueWeight, valueBias, queryWeight, queryBias);

    /// <summary>The value map v = W_v x + b_v on the last axis: [..., C] to [..., C].</summary>
    public Tensor MapValues(Tensor x) => nn.functional.linear(x, valueWeight, valueBias);

    public override Tensor forward(Tensor x)
    {
        var points = LsmGrid.ToPatches(x, Patches, Dimension);
        var (tokens, _) = Encode(points);
        return x + LsmGrid.FromPatches(Decode(points, SpectralOperator(tokens)), x.shape, Patches, Dimension);
    }

    /// <summary>Patch points [N, C, m] to latent tokens [N, T, C] and the attention weights [N, T, m] (each row sums to one).</summary>
    public (Tensor Tokens, Tensor Weights) Encode(Tensor points)
    {
        // Q (W_k X) = (Q W_k) X. A key bias would add one score to all points of a patch, which the softmax removes: none.
        var weights = matmul(tokenQueries.matmul(keyWeight), points).div(Math.Sqrt(Channels)).softmax(-1);
        // sum_i w_i (W_v x_i + b_v) = W_v (sum_i w_i x_i) + b_v as the weights sum to one: average the points, then map.
        return (MapValues(weights.bmm(points.transpose(1, 2))), weights);
    }

    /// <summary>
    /// The latent spectral operator on tokens [N, T, C]: z + sum_j W_j f_j(z), with f_j applied elementwise and W_j mixing the
    /// channels within each of the Heads groups. The basis is f_0 = sin(pi z), f_1 = cos(pi z), f_2 = sin(2 pi z),
    /// f_3 = cos(2 pi z), ...: function j has frequency (j / 2 + 1) pi, sine for even j and cosine for odd, so Basis 1
    /// is sin(pi z) alone and the default 12 is sines and cosines of pi to 6 pi.
    /// </summary>
    public Tensor SpectralOperator(Tensor tokens)
    {
        long n = tokens.shape[0], t = tokens.shape[1];
        int basis = BasisCount, group = Channels / Heads;
        using var frequency = tensor(Enumerable.Range(0, basis).Select(j => (j / 2 + 1) * Math.PI).ToArray(), dtype: tokens.dtype,
            device: tokens.device);
        // cos(a) = sin(a + pi / 2): one sin call evaluates the whole basis.
        using var phase = tensor(Enumerable.Range(0, basis).Select(j => j % 2 * Math.PI / 2).ToArray(), dtype: tokens.dtype, device: tokens.device);
        var features = sin(tokens.reshape(n, t, Heads, 1, group) * frequency.reshape(basis, 1) + phase.reshape(basis, 1));
        return tokens + einsum("thbi,hboi->tho", features.reshape(n * t, Heads, basis, group), basisWeights).reshape(n, t, Channels);
    }

    /// <summary>Attention back to the patch: points [N, C, m] query tokens [N, T, C]; returns [N, C, m].</summary>
    public Tensor Decode(Tensor points, Tensor tokens)
    {
        // tokens (W_q x + b_q) = (tokens W_q) x + tokens b_q.
        var scores = tokens.matmul(queryWeight).bmm(points) + tokens.matmul(queryBias).unsqueeze(-1);
        var weights = scores.div(Math.Sqrt(Channels)).softmax(1);
        return tokens.transpose(1, 2).bmm(weights);
    }
}

/// <summary>
/// A 3 (or 3 x 3) convolution with zero padding 1 followed by GELU: the per-scale block of the U-shaped hierarchy. One
/// convolution rather than the U-Net's two: convolutions are most of the model's cost (each scale about the same, as
/// channels double while points quarter), and two per block made a default-size training step on 20 samples of 85 x 85
/// 2.7 s of one core rather than 2.1 s; the spectral blocks carry the nonlocal mixing.
/// </summary>
public sealed class ConvolutionBlock : nn.Module<Tensor, Tensor>
{
    private readonly Parameter weight, bias;

    /// <summary>PyTorch's default convolution initialisation: uniform on ±1/sqrt(in 3^d) for weight and bias.</summary>
    public ConvolutionBlock(int inChannels, int outChannels, int dimension, Generator generator, ScalarType dtype = ScalarType.Float32,
        Device? device = null, int stride = 1) : base(nameof(ConvolutionBlock))
    {
        Stride = stride;
        double bound = 1 / Math.Sqrt(inChannels * Math.Pow(3, dimension));
        weight = new Parameter(PointwiseLinear.Uniform([outChannels, inChannels, .. Enumerable.Repeat(3L, dimension)], bound, generator, dtype,
            device));
        bias = new Parameter(PointwiseLinear.Uniform([outChannels], bound, generator, dtype, device));
        RegisterComponents();
    }

    /// <summary>1, or 2 to halve an even grid.</summary>
    public int Stride { get; }
    internal Tensor Weight => weight;
    internal Tensor Bias => bias;

    public override Tensor forward(Tensor x) => nn.functional.gelu(LsmGrid.Convolve(x, weight, bias, Stride));
}

/// <summary>The 1D / 2D dispatch of the latent spectral model's grid operations.</summary>
internal static class LsmGrid
{
    /// <summary>A 3 (3 x 3) convolution with zero padding 1: the grid is kept, or halved (when even) with stride 2.</summary>
    public static Tensor Convolve(Tensor x, Tensor weight, Tensor bias, int stride) => GridConvolution.Convolve(x, weight, bias, stride, padding: 1);

    /// <summary>Linear (bilinear) interpolation to exactly this grid.</summary>
    public static Tensor Upsample(Tensor x, long[] size) => nn.functional.interpolate(x, size,
        mode: size.Length == 1 ? InterpolationMode.Linear : InterpolationMode.Bilinear, align_corners: false);

    /// <summary>[B, C, n1(, n2)] to [B P^d, C, m] with m the points of one patch; patches in row-major order per sample.</summary>
    public static Tensor ToPatches(Tensor x, int patches, int dimension)
    {
        long b = x.shape[0], c = x.shape[1];
        if (x.shape.Skip(2).Any(n => n % patches != 0))
            throw new ArgumentException($"Every axis must split into {patches} equal patches; got the grid [{string.Join(", ", x.shape.Skip(2))}].");
        if (dimension == 1)
            return x.reshape(b, c, patches, -1).permute(0, 2, 1, 3).reshape(b * patches, c, -1);
        long m1 = x.shape[2] / patches, m2 = x.shape[3] / patches;
        return x.reshape(b, c, patches, m1, patches, m2).permute(0, 2, 4, 1, 3, 5).reshape(b * patches * patches, c, m1 * m2);
    }

    /// <summary>The inverse of <see cref="ToPatches"/> for a field of this shape.</summary>
    public static Tensor FromPatches(Tensor points, long[] shape, int patches, int dimension)
    {
        long b = shape[0], c = shape[1];
        if (dimension == 1)
            return points.reshape(b, patches, c, -1).permute(0, 2, 1, 3).reshape(shape);
        long m1 = shape[2] / patches, m2 = shape[3] / patches;
        return points.reshape(b, patches, patches, c, m1, m2).permute(0, 3, 1, 4, 2, 5).reshape(shape);
    }
}
