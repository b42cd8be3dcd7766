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
/// Directions are processed in chunks: each chunk replicates the points once per direction and takes all its second
/// derivatives in two backward passes, trading memory for fewer passes.
/// </summary>
public sealed class LaplacianEstimator
{
    // At most this many input entries (directions x points x d) per chunk.
    private const long ChunkElements = 1L << 22;

    private readonly Generator _generator;

    public LaplacianEstimator(LaplacianEstimatorOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;
        _generator = new Generator(unchecked((ulong)options.Seed));
    }

    public LaplacianEstimatorOptions Options { get; }

    /// <summary>The Laplacian of <paramref name="function"/> at each row of <paramref name="points"/> [n, d], as [n].</summary>
    /// <remarks>Each call draws new directions: successive calls are independent estimates.</remarks>
    public Tensor Estimate(Func<Tensor, Tensor> function, Tensor points)
    {
        ArgumentNullException.ThrowIfNull(function);
        ArgumentNullException.ThrowIfNull(points);
        if (points.dim() != 2 || points.shape[0] < 1 || points.shape[1] < 1)
            throw new ArgumentException($"Points must be a non-empty [n, d] tensor; got shape [{string.Join(", ", points.shape)}].", nameof(points));
        var d = points.shape[1];
        switch (Options.Kind)
        {
            case LaplacianEstimatorKind.Exact:
                return CoordinateSum(function, points, arange(d, ScalarType.Int64), useJet: false);
            case LaplacianEstimatorKind.Sdgd:
            case LaplacianEstimatorKind.StdeSparse:
                var k = Options.Directions;
                if (k > d)
                    throw new ArgumentException($"{Options.Kind} draws {k} coordinates without replacement but the points have only {d}; "
                        + $"use at most {d} directions.");
                var coordinates = randperm(d, generator: _generator)[..k];
                return CoordinateSum(function, points, coordinates, Options.Kind == LaplacianEstimatorKind.StdeSparse) * ((double)d / k);
            default:
                return ProbeMean(function, points);
        }
    }

    /// <summary>The sum over the given coordinates i of d^2 u / dx_i^2, shared by every point.</summary>
    private static Tensor CoordinateSum(Func<Tensor, Tensor> function, Tensor points, Tensor coordinates, bool useJet)
    {
        long n = points.shape[0], d = points.shape[1];
        return DirectionSum(function, points, coordinates.shape[0], useJet, (start, size) => nn.functional
            .one_hot(coordinates.narrow(0, start, size), d).to(points.dtype).to(points.device).unsqueeze(1).expand(size, n, d));
    }

    /// <summary>The mean over K independent probes per point of v^T H v.</summary>
    private Tensor ProbeMean(Func<Tensor, Tensor> function, Tensor points)
    {
        long n = points.shape[0], d = points.shape[1], count = Options.Directions;
        return DirectionSum(function, points, count, Options.Kind == LaplacianEstimatorKind.StdeDense, (_, size) =>
        {
            long[] shape = [size, n, d];
            var probes = Options.Probe == ProbeDistribution.Gaussian
                ? randn(shape, ScalarType.Float64, generator: _generator)
                : randint(0, 2, shape, ScalarType.Float64, generator: _generator) * 2 - 1;
            return probes.to(points.dtype).to(points.device);
        }) / count;
    }

    /// <summary>
    /// The sum of v^T H v over <paramref name="count"/> directions, in chunks of at most <see cref="ChunkElements"/>
    /// input entries; <paramref name="directions"/> gives the [size, n, d] directions of the chunk starting at a position.
    /// </summary>
    private static Tensor DirectionSum(Func<Tensor, Tensor> function, Tensor points, long count, bool useJet,
        Func<long, long, Tensor> directions)
    {
        long chunk = Math.Clamp(ChunkElements / (points.shape[0] * points.shape[1]), 1, count);
        Tensor? sum = null;
        for (long start = 0; start < count; start += chunk)
        {
            var size = Math.Min(chunk, count - start);
            var part = SecondDerivatives(function, points, directions(start, size), useJet).sum(dim: 0);
            sum = sum is null ? part : sum + part;
        }
        return sum!;
    }

    /// <summary>
    /// v^T H(x) v for directions [c, n, d] at the points [n, d], as [c, n]: either as the Hessian-vector product
    /// grad(grad u . v) . v or, with <paramref name="useJet"/>, as the second derivative of t -> u(x + t v) at t = 0.
    /// </summary>
    private static Tensor SecondDerivatives(Func<Tensor, Tensor> function, Tensor points, Tensor directions, bool useJet)
    {
        long c = directions.shape[0], n = points.shape[0], d = points.shape[1];
        var flat = directions.reshape(c * n, d);
        var replicated = points.detach().unsqueeze(0).expand(c, n, d).reshape(c * n, d);
        Tensor second;
        if (useJet)
        {
            var t = zeros([c * n, 1], points.dtype, points.device, requires_grad: true);
            var values = Values(function, replicated + t * flat, c * n);
            var first = Gradient(values.sum(), t);
            second = first is null ? zeros([c * n], points.dtype, points.device) : (Gradient(first.sum(), t) ?? zeros_like(first)).reshape(c * n);
        }
        else
        {
            var x = replicated.clone().requires_grad_(true);
            var values = Values(function, x, c * n);
            var gradient = Gradient(values.sum(), x);
            var product = gradient is null ? null : Gradient((gradient * flat).sum(), x);
            second = product is null ? zeros([c * n], points.dtype, points.device) : (product * flat).sum(dim: 1);
        }
        return second.reshape(c, n);
    }

    private static Tensor Values(Func<Tensor, Tensor> function, Tensor input, long rows)
    {
        var values = function(input);
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
