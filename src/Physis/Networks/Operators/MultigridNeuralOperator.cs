using Physis.Infrastructure;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Networks.Operators;

/// <summary>How an MgNO treats the edge of the grid; the convolution padding carries the boundary condition.</summary>
public enum MultigridBoundary
{
    /// <summary>
    /// Homogeneous Dirichlet data on a grid that includes the boundary nodes (nodes at i/(n-1)): the operator works on the
    /// n-2 interior nodes per axis with zero padding and the output is exactly zero on the boundary.
    /// </summary>
    Dirichlet,

    /// <summary>A periodic grid without its right end (nodes at i/n): circular padding on the whole grid.</summary>
    Periodic,
}

/// <summary>Architecture of a multigrid neural operator ("mgno", <see cref="MultigridNeuralOperator"/>).</summary>
public sealed record MgnoSettings : OperatorArchitecture
{
    /// <summary>Number of spatial axes, 1 or 2.</summary>
    public int Dimension { get; init; } = 2;
    public int InChannels { get; init; } = 1;
    public int OutChannels { get; init; } = 1;
    /// <summary>Hidden channels of every layer.</summary>
    public int Channels { get; init; } = 32;
    /// <summary>MgNO layers, each one V-cycle linear operator plus a bias function and GELU (none after the last).</summary>
    public int Layers { get; init; } = 5;
    /// <summary>Multigrid levels per V-cycle; 1 means no coarsening, plain smoothing.</summary>
    public int Levels { get; init; } = 4;
    /// <summary>Smoothing steps per level on the way down.</summary>
    public int Smoothing { get; init; } = 1;
    public MultigridBoundary Boundary { get; init; } = MultigridBoundary.Dirichlet;
    /// <summary>Points per axis of the training data; the bias functions live on this grid.</summary>
    public required int[] TrainingGrid { get; init; }

    public override void Validate()
    {
        if (Dimension is not (1 or 2)) throw new ArgumentException($"MgNO works on 1 or 2 spatial axes; got {Dimension}.");
        if (InChannels <= 0 || OutChannels <= 0)
            throw new ArgumentException($"MgNO input and output channel counts must be positive; got {InChannels} and {OutChannels}.");
        if (Channels <= 0) throw new ArgumentException($"Channels (the MgNO width) must be positive; got {Channels}.");
        if (Layers <= 0) throw new ArgumentException($"Layers must be positive; got {Layers}.");
        // 30 levels would already need a billion points per axis; the cap keeps 2^(levels - 1) in range.
        if (Levels is <= 0 or > 30) throw new ArgumentException($"Levels must lie in 1 to 30; got {Levels}.");
        if (Smoothing <= 0) throw new ArgumentException($"Smoothing must be positive; got {Smoothing}.");
        if (!Enum.IsDefined(Boundary)) throw new ArgumentException($"Boundary must be dirichlet or periodic; got {Boundary}.");
        if (TrainingGrid is null || TrainingGrid.Length != Dimension)
            throw new ArgumentException($"The MgNO training grid needs {Dimension} sizes (one per axis); "
                + $"got [{string.Join(", ", TrainingGrid ?? [])}].");
        if (ResolutionProblem([.. TrainingGrid.Select(n => (long)n)]) is { } problem) throw new ArgumentException($"Training grid: {problem}");
    }

    public override nn.Module Create(int seed, Device? device = null, ScalarType dtype = ScalarType.Float32) =>
        new MultigridNeuralOperator(this, seed, dtype, device);

    public override long EstimateParameters()
    {
        double taps = Math.Pow(3, Dimension), nodes = WorkingNodes(TrainingGrid);
        // A^l enters a residual after a first smoothing step, or before restricting (MultigridVCycle).
        int operators = Smoothing > 1 ? Levels : Levels - 1;
        double count = 0;
        for (int l = 0; l < Layers; l++)
        {
            double input = l == 0 ? InChannels : Channels, output = l == Layers - 1 ? OutChannels : Channels;
            count += taps * ((Levels * Smoothing + operators) * input * output + (Levels - 1) * (input * input + output * output))
                + output * nodes;   // the bias function on the training grid
        }
        return MemoryBudget.Saturated(count);
    }

    public override long EstimateActivations(IReadOnlyList<int> grid, int batch)
    {
        // Each coarser level has 2^-d of the nodes: all levels together at most 1 / (1 - 2^-d) times the finest.
        double levels = 0;
        for (int l = 0; l < Levels; l++) levels += Math.Pow(2, -Dimension * l);
        // Per level and smoothing step a smoothed field, a residual and its operator image; then the restricted residual,
        // and per layer the prolongations, the bias sum and the GELU.
        double perLayer = Channels * WorkingNodes(grid) * ((3.0 * Smoothing + 4) * levels + 3);
        return MemoryBudget.Saturated(batch * Layers * perLayer);
    }

    /// <summary>Nodes the V-cycles work on: the interior of a Dirichlet grid, the whole of a periodic one.</summary>
    private double WorkingNodes(IReadOnlyList<int> grid) =>
        grid.Aggregate(1.0, (a, n) => a * Math.Max(1, Boundary == MultigridBoundary.Dirichlet ? n - 2 : n));

    /// <summary>
    /// The most levels (at most <paramref name="limit"/>) whose coarsest level keeps at least <paramref name="coarsest"/>
    /// points per axis on this grid, so one V-cycle reaches across the whole domain: the default of <see cref="Levels"/>.
    /// </summary>
    public static int DeepestLevels(IReadOnlyList<int> grid, MultigridBoundary boundary, int coarsest = 4, int limit = 10)
    {
        int levels = 1;
        while (levels < limit && grid.All(n => boundary == MultigridBoundary.Periodic
                   ? n % (1 << levels) == 0 && n >> levels >= coarsest
                   : (n - 2 + (1 << levels) - 1) >> levels >= coarsest))
            levels++;
        return levels;
    }

    /// <summary>Why a V-cycle with these settings cannot run on this grid, or null when it can.</summary>
    internal string? ResolutionProblem(IReadOnlyList<long> grid)
    {
        string sizes = string.Join(" x ", grid);
        if (grid.Count != Dimension) return $"this MgNO has {Dimension} spatial axes; got a grid of {sizes}.";
        long coarsening = 1L << (Levels - 1);
        if (Boundary == MultigridBoundary.Periodic)
        {
            // Stride-2 levels of a periodic grid stay periodic (and shifts by 2^(levels-1) commute with the cycle) only
            // if every level has an even size; the coarsest keeps at least 2 points.
            if (grid.All(n => n % coarsening == 0 && n / coarsening >= 2)) return null;
            return $"an MgNO with {Levels} levels on a periodic grid needs a multiple of {coarsening} points per axis, at least {2 * coarsening}; "
                + $"got {sizes}. Use fewer Levels or another grid.";
        }
        // Each level maps m interior points to ceil(m / 2), so the coarsest has ceil(m / 2^(levels-1)) and keeps at
        // least 2 when m > 2^(levels-1).
        long smallest = coarsening + 1 + 2;
        if (grid.All(n => n >= smallest)) return null;
        return $"an MgNO with {Levels} levels on a Dirichlet grid (boundary nodes included) needs at least {smallest} points per axis "
            + $"({smallest - 2} interior), so that its coarsest level keeps 2 interior points; got {sizes}. Use fewer Levels or a finer grid.";
    }
}

/// <summary>
/// Multigrid neural operator (He, Liu and Xu, ICLR 2024): layers v -> GELU(W v + b) (no GELU after the last), where W is
/// a linear operator between channels parameterised by one multi-channel multigrid V-cycle (<see cref="MultigridVCycle"/>)
/// and b a learnable bias function on the grid. No lifting or projection: the first layer maps the input channels to
/// <see cref="MgnoSettings.Channels"/>, the last maps them to the output channels. Input [B, in, n1(, n2)], output
/// [B, out, n1(, n2)], on any grid that <see cref="CheckResolution"/> accepts (zero-shot evaluation at other resolutions;
/// the bias functions are interpolated linearly).
/// </summary>
public sealed class MultigridNeuralOperator : nn.Module<Tensor, Tensor>, IGridOperator
{
    /// <summary>
    /// Scale of the uniform ±scale/sqrt(fan in) initialisation of every convolution. sqrt(3) gives each weight variance
    /// 1/fan in, so one convolution keeps the RMS of a white field. PyTorch's default (scale 1) shrinks each convolution's
    /// output by 1/sqrt(3), and the chains of them in five V-cycles vanish: fresh 5-layer, 4-level, 32-channel MgNOs map
    /// unit random inputs to outputs of RMS 0.005 (64 periodic) and 0.0055 (85 x 85 Dirichlet); scale 1.5 gave 0.1 to
    /// 0.2, scale 2 gave 50 to 450. With sqrt(3): 1.2 (85 x 85 Dirichlet; 0.45 with 2 levels, 1.06 with 6), 3.2 and 3.1
    /// (64 and 1024 periodic 1D), 1.25 (64 x 64 periodic, 6 levels).
    /// </summary>
    internal static readonly double InitialisationScale = Math.Sqrt(3);

    private readonly ModuleList<MultigridVCycle> cycles = new();
    private readonly ParameterList biases = new();
    private readonly long[] trainingWorkingGrid;

    public MultigridNeuralOperator(MgnoSettings settings, int seed = 0, ScalarType dtype = ScalarType.Float32, Device? device = null)
        : base(nameof(MultigridNeuralOperator))
    {
        settings.Validate();
        Settings = settings;
        trainingWorkingGrid = WorkingGrid([.. settings.TrainingGrid.Select(n => (long)n)]);
        using var generator = new Generator((ulong)seed);
        for (int l = 0; l < settings.Layers; l++)
        {
            int inChannels = l == 0 ? settings.InChannels : settings.Channels;
            int outChannels = l == settings.Layers - 1 ? settings.OutChannels : settings.Channels;
            cycles.Add(new MultigridVCycle(inChannels, outChannels, settings.Dimension, settings.Levels, settings.Smoothing, settings.Boundary,
                InitialisationScale, generator, dtype, device));
            // Zero: i.i.d. draws per node would be rough noise that interpolates badly to other grids; data shape it.
            biases.Add(new Parameter(zeros([outChannels, .. trainingWorkingGrid], dtype: dtype, device: device ?? CPU)));
        }
        RegisterComponents();
    }

    public MgnoSettings Settings { get; }
    public int Dimension => Settings.Dimension;
    internal IReadOnlyList<MultigridVCycle> Cycles => [.. cycles];
    /// <summary>The bias of a layer on the training grid's working nodes [channels, m1, ..., md].</summary>
    internal Tensor LayerBias(int layer) => biases[layer];

    /// <summary>Throws an <see cref="ArgumentException"/> naming the grids that work unless the V-cycles can run on this one.</summary>
    public void CheckResolution(IReadOnlyList<long> grid)
    {
        if (Settings.ResolutionProblem(grid) is { } problem) throw new ArgumentException(char.ToUpperInvariant(problem[0]) + problem[1..]);
    }

    public override Tensor forward(Tensor x)
    {
        int d = Dimension;
        if (x.dim() != d + 2 || x.shape[1] != Settings.InChannels)
            throw new ArgumentException($"This MgNO takes [batch, {Settings.InChannels}, {string.Join(", ", Enumerable.Repeat("n", d))}]; "
                + $"got [{string.Join(", ", x.shape)}].");
        long[] grid = [.. x.shape.Skip(2)];
        CheckResolution(grid);
        var h = x;
        // Dirichlet: drop the boundary values (they do not enter an interior stencil) and work on the interior nodes.
        if (Settings.Boundary == MultigridBoundary.Dirichlet)
            for (int j = 0; j < d; j++) h = h.narrow(2 + j, 1, grid[j] - 2);
        long[] working = [.. h.shape.Skip(2)];
        for (int l = 0; l < cycles.Count; l++)
        {
            h = cycles[l].forward(h) + Bias(l, working);
            if (l < cycles.Count - 1) h = nn.functional.gelu(h);
        }
        return Settings.Boundary == MultigridBoundary.Dirichlet ? nn.functional.pad(h, [.. Enumerable.Repeat(1L, 2 * d)]) : h;
    }

    private long[] WorkingGrid(long[] grid) => Settings.Boundary == MultigridBoundary.Dirichlet ? [.. grid.Select(n => n - 2)] : grid;

    /// <summary>Layer <paramref name="layer"/>'s bias function on the working nodes of the current grid.</summary>
    private Tensor Bias(int layer, long[] working)
    {
        var bias = biases[layer];
        if (working.SequenceEqual(trainingWorkingGrid)) return bias;
        int d = Dimension;
        var mode = d == 1 ? InterpolationMode.Linear : InterpolationMode.Bilinear;
        if (Settings.Boundary == MultigridBoundary.Dirichlet)
        {
            // Like every hidden field (zero padding), the bias is a piecewise-linear function that vanishes on the
            // boundary: add the boundary zeros, interpolate vertex grid to vertex grid (align corners), keep the interior.
            var closed = nn.functional.pad(bias.unsqueeze(0), [.. Enumerable.Repeat(1L, 2 * d)]);
            var fine = nn.functional.interpolate(closed, [.. working.Select(m => m + 2)], mode: mode, align_corners: true);
            for (int j = 0; j < d; j++) fine = fine.narrow(2 + j, 1, working[j]);
            return fine.squeeze(0);
        }
        // Periodic nodes i/n on [0, 1): repeating the node at 0 as the node at 1 gives a vertex grid on [0, 1], where
        // align-corners interpolation is exact linear interpolation of the periodic function; then drop that end again.
        var wrapped = nn.functional.pad(bias.unsqueeze(0), [.. Enumerable.Repeat(new[] { 0L, 1L }, d).SelectMany(p => p)], PaddingModes.Circular);
        var periodic = nn.functional.interpolate(wrapped, [.. working.Select(m => m + 1)], mode: mode, align_corners: true);
        for (int j = 0; j < d; j++) periodic = periodic.narrow(2 + j, 0, working[j]);
        return periodic.squeeze(0);
    }
}

/// <summary>
/// One multi-channel multigrid V-cycle, the linear operator W of an MgNO layer, applied to f with c_in channels: on each
/// level l (f^1 = f, u = 0) smoothing steps u += S^{l,i} * (f^l - A^l * u), restriction of the residual
/// f^{l+1} = R^l *_2 (f^l - A^l * u) to the next level, and on the way up u^l += P^l *_2 u^{l+1}. A^l (c_out -> c_in) and
/// S^{l,i} (c_in -> c_out) are 3-point (1D) or 3 x 3 (2D) convolutions, R^l (c_in -> c_in) a stride-2 convolution and
/// P^l (c_out -> c_out) a stride-2 transposed convolution, all learnable and without bias.
/// </summary>
internal sealed class MultigridVCycle : nn.Module<Tensor, Tensor>
{
    private readonly Parameter?[] operators;
    private readonly Parameter[][] smoothers;
    private readonly Parameter[] restrictions, prolongations;
    private readonly MultigridBoundary boundary;

    public MultigridVCycle(int inChannels, int outChannels, int dimension, int levels, int smoothing, MultigridBoundary boundary,
        double scale, Generator generator, ScalarType dtype, Device? device)
        : base(nameof(MultigridVCycle))
    {
        this.boundary = boundary;
        operators = new Parameter?[levels];
        smoothers = new Parameter[levels][];
        restrictions = new Parameter[levels - 1];
        prolongations = new Parameter[levels - 1];
        Parameter Kernel(string name, int rows, int columns)
        {
            long[] shape = [rows, columns, .. Enumerable.Repeat(3L, dimension)];
            // PyTorch's default for convolutions: uniform on ±1/sqrt(fan in), fan in = columns x 3^d.
            double bound = scale / Math.Sqrt(columns * Math.Pow(3, dimension));
            Tensor sample;
            using (NewDisposeScope())
                sample = ((rand(shape, dtype: ScalarType.Float64, generator: generator) * 2 - 1) * bound)
                    .to(dtype, device ?? CPU).DetachFromDisposeScope();
            var parameter = new Parameter(sample);
            register_parameter(name, parameter);
            return parameter;
        }
        for (int l = 0; l < levels; l++)
        {
            smoothers[l] = new Parameter[smoothing];
            for (int i = 0; i < smoothing; i++) smoothers[l][i] = Kernel($"smoother_{l}_{i}", outChannels, inChannels);
            // A^l only enters a residual: after a first smoothing step, or before restricting to a coarser level. A
            // parameter that never enters the output would get no gradient.
            if (smoothing > 1 || l < levels - 1) operators[l] = Kernel($"operator_{l}", inChannels, outChannels);
            if (l < levels - 1)
            {
                restrictions[l] = Kernel($"restriction_{l}", inChannels, inChannels);
                prolongations[l] = Kernel($"prolongation_{l}", outChannels, outChannels);
            }
        }
    }

    internal IReadOnlyList<Parameter?> Operators => operators;
    internal IReadOnlyList<Parameter[]> Smoothers => smoothers;
    internal IReadOnlyList<Parameter> Restrictions => restrictions;
    internal IReadOnlyList<Parameter> Prolongations => prolongations;
    internal MultigridBoundary Boundary => boundary;

    public override Tensor forward(Tensor f)
    {
        int levels = smoothers.Length;
        var corrections = new Tensor[levels];
        for (int l = 0; l < levels; l++)
        {
            Tensor? u = null;
            foreach (var smoother in smoothers[l])
                u = u is null
                    ? MultigridTransfer.Convolve(f, smoother, boundary)
                    : u + MultigridTransfer.Convolve(f - MultigridTransfer.Convolve(u, operators[l]!, boundary), smoother, boundary);
            corrections[l] = u!;
            if (l < levels - 1)
                f = MultigridTransfer.Restrict(f - MultigridTransfer.Convolve(u!, operators[l]!, boundary), restrictions[l], boundary);
        }
        for (int l = levels - 2; l >= 0; l--)
            corrections[l] = corrections[l]
                + MultigridTransfer.Prolong(corrections[l + 1], prolongations[l], [.. corrections[l].shape.Skip(2)], boundary);
        return corrections[0];
    }
}

/// <summary>
/// The three kinds of convolution in a multigrid V-cycle, for fields [B, c, n] or [B, c, n1, n2] and kernels
/// [out, in, 3] or [out, in, 3, 3] without bias. The boundary sets the padding: zeros (homogeneous Dirichlet data) or
/// circular (periodic). Restriction and prolongation with the same kernel are adjoint: &lt;R x, y&gt; = &lt;x, P y&gt;.
/// </summary>
public static class MultigridTransfer
{
    /// <summary>Same-size convolution (smoothing S and operator A): n -> n per axis.</summary>
    public static Tensor Convolve(Tensor x, Tensor kernel, MultigridBoundary boundary) => boundary == MultigridBoundary.Periodic
        ? GridConvolution.Convolve(Pad(x, 1, 1, PaddingModes.Circular), kernel)
        : GridConvolution.Convolve(x, kernel, padding: 1);

    /// <summary>
    /// Restriction R, a stride-2 convolution whose coarse node j sits on fine node 2j: n -> ceil(n / 2) per axis
    /// (Dirichlet) or n -> n / 2 for even n (periodic).
    /// </summary>
    public static Tensor Restrict(Tensor x, Tensor kernel, MultigridBoundary boundary) => boundary == MultigridBoundary.Periodic
        ? GridConvolution.Convolve(Pad(x, 1, 1, PaddingModes.Circular), kernel, stride: 2)
        : GridConvolution.Convolve(x, kernel, stride: 2, padding: 1);

    /// <summary>
    /// Prolongation P, the stride-2 transposed convolution adjoint to <see cref="Restrict"/> with the same kernel, from m
    /// coarse nodes to <paramref name="fine"/> nodes per axis: 2m - 1 or 2m (Dirichlet, by output padding), 2m (periodic).
    /// </summary>
    public static Tensor Prolong(Tensor coarse, Tensor kernel, IReadOnlyList<long> fine, MultigridBoundary boundary)
    {
        long[] coarseGrid = [.. coarse.shape.Skip(2)];
        long[] outputPadding = [.. fine.Select((n, j) => n - (2 * coarseGrid[j] - 1))];
        if (coarseGrid.Length != fine.Count || outputPadding.Any(p => p is not (0 or 1))
            || (boundary == MultigridBoundary.Periodic && outputPadding.Any(p => p != 1)))
            throw new ArgumentException($"A {boundary} prolongation cannot map a grid of {string.Join(" x ", coarseGrid)} to one of "
                + $"{string.Join(" x ", fine)}.");
        if (boundary == MultigridBoundary.Dirichlet) return GridConvolution.ConvolveTransposed(coarse, kernel, 2, 1, outputPadding);
        // Periodic: coarse node j feeds fine nodes 2j - 1, 2j, 2j + 1. Appending coarse node 0 after the last makes the
        // plain transposed convolution produce fine nodes -1 to 2m + 1 with the wrapped contributions; keep 0 to 2m - 1.
        var result = GridConvolution.ConvolveTransposed(Pad(coarse, 0, 1, PaddingModes.Circular), kernel, 2, 0, new long[fine.Count]);
        for (int j = 0; j < fine.Count; j++) result = result.narrow(2 + j, 1, fine[j]);
        return result;
    }

    private static Tensor Pad(Tensor x, long before, long after, PaddingModes mode) =>
        nn.functional.pad(x, [.. Enumerable.Repeat(new[] { before, after }, (int)x.dim() - 2).SelectMany(p => p)], mode);
}
