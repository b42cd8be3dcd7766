using static TorchSharp.torch;

namespace Physis.Differentiation;

/// <summary>How <see cref="LaplacianEstimator"/> computes or estimates the Laplacian, the trace of the Hessian.</summary>
public enum LaplacianEstimatorKind
{
    /// <summary>All d second derivatives: d Hessian-vector products with the unit vectors.</summary>
    Exact,

    /// <summary>
    /// Stochastic dimension gradient descent (Hu et al.): k of the d coordinates drawn without replacement, their second
    /// derivatives summed and scaled by d/k; Hessian-vector products.
    /// </summary>
    Sdgd,

    /// <summary>Hutchinson's trace estimator: the mean of v^T H v over K random probes v with E[v v^T] = I.</summary>
    Hutchinson,

    /// <summary>
    /// Sparse stochastic Taylor derivative estimator (Shi et al.): the same coordinate sample as SDGD, each second
    /// derivative taken as d^2/dt^2 u(x + t e_i) at t = 0, the quantity a second-order jet along e_i carries.
    /// </summary>
    StdeSparse,

    /// <summary>Dense STDE: the mean of d^2/dt^2 u(x + t v) at t = 0, which is v^T H v, over K random probes v.</summary>
    StdeDense,
}

/// <summary>The names of the estimators on the command line and in files: exact, sdgd, hutchinson, stde-sparse, stde-dense.</summary>
public static class LaplacianEstimatorNames
{
    public static string Name(LaplacianEstimatorKind kind) => kind switch
    {
        LaplacianEstimatorKind.StdeSparse => "stde-sparse",
        LaplacianEstimatorKind.StdeDense => "stde-dense",
        _ => kind.ToString().ToLowerInvariant(),
    };

    /// <summary>The estimator of a name; an unknown name is an <see cref="ArgumentException"/> that lists the known ones.</summary>
    public static LaplacianEstimatorKind Parse(string text, string what)
    {
        foreach (var kind in Enum.GetValues<LaplacianEstimatorKind>())
            if (Name(kind) == text) return kind;
        throw new ArgumentException($"{what} must be exact, sdgd, hutchinson, stde-sparse or stde-dense; got '{text}'.");
    }
}

/// <summary>The distribution of the random probes of <see cref="LaplacianEstimatorKind.Hutchinson"/> and dense STDE.</summary>
public enum ProbeDistribution
{
    /// <summary>Independent +-1 entries: the lowest variance for a fixed Hessian, 2 sum_{i != j} H_ij^2 per probe.</summary>
    Rademacher,

    /// <summary>Independent standard normal entries: variance 2 ||H||_F^2 per probe.</summary>
    Gaussian,
}

/// <summary>
/// The estimator and its size. <paramref name="Directions"/> is k, the coordinates per call, for SDGD and sparse STDE
/// (at most d) and K, the probes per point, for Hutchinson and dense STDE; the exact Laplacian ignores it.
/// <paramref name="Seed"/> seeds the estimator's own generator, so a sequence of calls is reproducible.
/// </summary>
public sealed record LaplacianEstimatorOptions(
    LaplacianEstimatorKind Kind,
    int Directions = 16,
    ProbeDistribution Probe = ProbeDistribution.Rademacher,
    long Seed = 0)
{
    public void Validate()
    {
        if (!Enum.IsDefined(Kind))
            throw new ArgumentException($"Unknown Laplacian estimator {(int)Kind}; "
                + $"use one of {string.Join(", ", Enum.GetNames<LaplacianEstimatorKind>())}.");
        if (!Enum.IsDefined(Probe))
            throw new ArgumentException($"Unknown probe distribution {(int)Probe}; "
                + $"use one of {string.Join(", ", Enum.GetNames<ProbeDistribution>())}.");
        if (Kind != LaplacianEstimatorKind.Exact && Directions < 1)
            throw new ArgumentException($"The {Kind} estimator needs at least one direction; Directions is {Directions}.");
    }
}

/// <summary>
/// Per-point Laplacians, exact or unbiased estimates, of a function u: points [n, d] -> values [n] or [n, 1] whose rows
/// are independent (an MLP, not a network with batch normalisation). Estimates keep their graph (create_graph), so a
/// loss built from them trains the parameters of u; they are not differentiable with respect to the points.
/// Directions are processed in chunks: each chunk moves the points along its directions and takes all its second
/// derivatives in two backward passes, trading memory for fewer passes. Functions with a line form
/// (<see cref="ILineFunction"/>) let the Taylor kinds skip forming the moved points.
/// </summary>
public sealed class LaplacianEstimator
{
    // At most this many entries per chunk (directions x points x d for moved points).
    private const long ChunkElements = 1L << 22;
    // The entries per point and direction assumed for a line form along axes: a wide hidden layer.
    private const long LineEntries = 1024;

    private readonly Generator _generator;

    public LaplacianEstimator(LaplacianEstimatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _generator = new Generator(unchecked((ulong)options.Seed));
    }

    public LaplacianEstimatorOptions Options { get; }

    /// <summary>Restarts the draws at stream <paramref name="stream"/> of this estimator's seed (a training step, say).</summary>
    public void Reseed(long stream)
    {
        // SplitMix64's finaliser spreads neighbouring seeds and streams over unrelated generator states.
        ulong z = unchecked((ulong)Options.Seed * 0x9E3779B97F4A7C15ul + (ulong)stream);
        z = unchecked((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ul);
        z = unchecked((z ^ (z >> 27)) * 0x94D049BB133111EBul);
        _generator.manual_seed(unchecked((long)(z ^ (z >> 31))));
    }

    /// <summary>The Laplacian of <paramref name="function"/> at each row of <paramref name="points"/> [n, d], as [n].</summary>
    /// <remarks>Each call draws new directions: successive calls are independent estimates.</remarks>
    public Tensor Estimate(Func<Tensor, Tensor> function, Tensor points)
    {
        ArgumentNullException.ThrowIfNull(function);
        return Estimate(new PointFunction(function), points);
    }

    /// <summary>
    /// The Laplacian of a function that evaluates itself on lines: the Taylor kinds (sparse and dense STDE) then never
    /// form the moved points, which is what makes them affordable when d is large.
    /// </summary>
    public Tensor Estimate(ILineFunction function, Tensor points)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(points);
        if (points.dim() != 2 || points.shape[0] < 1 || points.shape[1] < 1)
            throw new ArgumentException($"Points must be a non-empty [n, d] tensor; got shape [{string.Join(", ", points.shape)}].", nameof(points));
        var d = points.shape[1];
        var x = points.detach();
        switch (Options.Kind)
        {
            case LaplacianEstimatorKind.Exact:
                return CoordinateSum(function, x, arange(d, ScalarType.Int64, x.device), useJet: false);
            case LaplacianEstimatorKind.Sdgd:
            case LaplacianEstimatorKind.StdeSparse:
                var k = Options.Directions;
                if (k > d)
                    throw new ArgumentException($"{Options.Kind} draws {k} coordinates without replacement but the points have only {d}; "
                        + $"use at most {d} directions.");
                var coordinates = randperm(d, generator: _generator)[..k].to(x.device);
                return CoordinateSum(function, x, coordinates, Options.Kind == LaplacianEstimatorKind.StdeSparse) * ((double)d / k);
            default:
                return ProbeMean(function, x);
        }
    }

    /// <summary>The sum over the given coordinates i of d^2 u / dx_i^2, shared by every point.</summary>
    private static Tensor CoordinateSum(ILineFunction function, Tensor points, Tensor coordinates, bool useJet)
    {
        // A line form along axes never forms the moved points: a direction then costs about a hidden layer per point.
        long n = points.shape[0], entries = useJet && function is not PointFunction ? n * LineEntries : n * points.shape[1];
        return DirectionSum(function, points, coordinates.shape[0], entries, useJet,
            (start, size, t) => PointLines.AlongAxes(points, coordinates.narrow(0, start, size), t));
    }

    /// <summary>The mean over K independent probes per point of v^T H v.</summary>
    private Tensor ProbeMean(ILineFunction function, Tensor points)
    {
        long n = points.shape[0], d = points.shape[1], count = Options.Directions;
        return DirectionSum(function, points, count, n * d, Options.Kind == LaplacianEstimatorKind.StdeDense, (_, size, t) =>
        {
            long[] shape = [size, n, d];
            var probes = Options.Probe == ProbeDistribution.Gaussian
                ? randn(shape, ScalarType.Float64, generator: _generator)
                : randint(0, 2, shape, ScalarType.Float64, generator: _generator) * 2 - 1;
            return PointLines.AlongDirections(points, probes.to(points.dtype).to(points.device), t);
        }) / count;
    }

    /// <summary>
    /// The sum of v^T H v over <paramref name="count"/> directions, in chunks of at most <see cref="ChunkElements"/>
    /// entries (<paramref name="entriesPerDirection"/> each); <paramref name="lines"/> gives the lines of the chunk at a position, for given offsets.
    /// </summary>
    private static Tensor DirectionSum(ILineFunction function, Tensor points, long count, long entriesPerDirection, bool useJet,
        Func<long, long, Tensor, PointLines> lines)
    {
        long n = points.shape[0];
        long chunk = Math.Clamp(ChunkElements / entriesPerDirection, 1, count);
        Tensor? sum = null;
        for (long start = 0; start < count; start += chunk)
        {
            var size = Math.Min(chunk, count - start);
            var t = zeros([size * n, 1], points.dtype, points.device, requires_grad: useJet);
            var part = SecondDerivatives(function, lines(start, size, t), useJet).reshape(size, n).sum(dim: 0);
            sum = sum is null ? part : sum + part;
        }
        return sum!;
    }

    /// <summary>
    /// v^T H(x) v on every line, [c n]: either as the second derivative of t -> u(x + t v) at t = 0 (<paramref name="useJet"/>,
    /// on the function's line form) or as the Hessian-vector product grad(grad u . v) . v at the moved points themselves.
    /// </summary>
    private static Tensor SecondDerivatives(ILineFunction function, PointLines lines, bool useJet)
    {
        var rows = lines.Count;
        var zero = zeros([rows], lines.Points.dtype, lines.Points.device);
        if (useJet)
        {
            var values = Values(function.AlongToSecondOrder(lines), rows);
            var first = Gradient(values.sum(), lines.Offsets);
            return first is null ? zero : (Gradient(first.sum(), lines.Offsets) ?? zeros_like(first)).reshape(rows);
        }
        var n = lines.Points.shape[0];
        var flat = lines.FlatDirections();
        var x = lines.Points.repeat(rows / n, 1).requires_grad_(true);
        var gradient = Gradient(Values(function.Along(PointLines.At(x)), rows).sum(), x);
        var product = gradient is null ? null : Gradient((gradient * flat).sum(), x);
        return product is null ? zero : (product * flat).sum(dim: 1);
    }

    /// <summary>Evaluates a plain function of points on the moved points themselves.</summary>
    private sealed class PointFunction(Func<Tensor, Tensor> function) : ILineFunction
    {
        public Tensor Along(PointLines lines) => function(lines.Materialize());
    }

    private static Tensor Values(Tensor values, long rows)
    {
        if (values.numel() != rows)
            throw new ArgumentException($"The function must give one value per point, [n] or [n, 1]; for {rows} points it gave "
                + $"shape [{string.Join(", ", values.shape)}].");
        return values.reshape(rows);
    }

    /// <summary>The gradient of a scalar, kept differentiable; null when the scalar does not depend on the input.</summary>
    private static Tensor? Gradient(Tensor scalar, Tensor input)
    {
        if (!scalar.requires_grad)
            return null;
        var gradient = autograd.grad([scalar], [input], retain_graph: true, create_graph: true, allow_unused: true)[0];
        return gradient is null || gradient.IsInvalid ? null : gradient;
    }
}
