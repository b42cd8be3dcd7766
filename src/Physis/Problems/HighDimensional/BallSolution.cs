using Physis.Differentiation;
using Physis.Geometry;
using static TorchSharp.torch;

namespace Physis.Problems.HighDimensional;

/// <summary>The equations L u = g of the STDE benchmarks on the unit ball, with u = 0 on the sphere.</summary>
public enum BallEquation
{
    /// <summary>Laplace operator: L u = Delta u.</summary>
    Poisson,

    /// <summary>L u = Delta u + u - u^3.</summary>
    AllenCahn,

    /// <summary>L u = Delta u + sin u.</summary>
    SineGordon,
}

/// <summary>
/// An exact solution u(x) = (1 - |x|^2) S(x) on the unit ball of R^d (Hu et al., SDGD; Shi et al., STDE), zero on the sphere,
/// with its Laplacian in closed form, so the source g = L u of each <see cref="BallEquation"/> is known without autograd.
/// Values, Laplacians and sources cost O(d) per point.
/// </summary>
public abstract class BallSolution
{
    private readonly double[] _coefficients;

    private protected BallSolution(double[] coefficients, int dimension)
    {
        _coefficients = (double[])coefficients.Clone();
        Dimension = dimension;
    }

    public int Dimension { get; }

    // Entries of points per chunk of Source(equation, tensor).
    private const long SourceChunkElements = 1L << 22;

    /// <summary>The coefficients c_i of the sum S.</summary>
    public IReadOnlyList<double> Coefficients => _coefficients;

    public Ball Domain => Ball.Unit(Dimension);

    public double Value(ReadOnlySpan<double> x)
    {
        CheckDimension(x);
        return (1 - SquaredNorm(x)) * Sum(x, _coefficients, Span<double>.Empty, out _);
    }

    /// <summary>Delta u = (1 - |x|^2) Delta S - 4 x . grad S - 2 d S, from the product rule with Delta (1 - |x|^2) = -2 d.</summary>
    public double Laplacian(ReadOnlySpan<double> x)
    {
        CheckDimension(x);
        var gradient = new double[Dimension];
        var sum = Sum(x, _coefficients, gradient, out var sumLaplacian);
        var radial = 0.0;
        for (var i = 0; i < Dimension; i++)
            radial += x[i] * gradient[i];
        return (1 - SquaredNorm(x)) * sumLaplacian - 4 * radial - 2 * Dimension * sum;
    }

    /// <summary>The source g = L u of the equation at <paramref name="x"/>.</summary>
    public double Source(BallEquation equation, ReadOnlySpan<double> x)
    {
        var laplacian = Laplacian(x);
        var u = Value(x);
        return equation switch
        {
            BallEquation.Poisson => laplacian,
            BallEquation.AllenCahn => laplacian + u - u * u * u,
            BallEquation.SineGordon => laplacian + Math.Sin(u),
            _ => throw new ArgumentException($"Unknown equation {(int)equation}; use one of {string.Join(", ", Enum.GetNames<BallEquation>())}.",
                nameof(equation)),
        };
    }

    /// <summary>u at each row of points [n, d] as [n], with torch operations, so it can be differentiated or used in a loss.</summary>
    public Tensor Evaluate(Tensor points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.dim() != 2 || points.shape[1] != Dimension)
            throw new ArgumentException($"Points must be [n, {Dimension}]; got shape [{string.Join(", ", points.shape)}].", nameof(points));
        var c = tensor(_coefficients, points.dtype, points.device);
        return (1 - points.Squared().sum(dim: 1)) * (Terms(points) * c).sum(dim: 1);
    }

    /// <summary>
    /// The source g = L u of the equation at each row of points [n, d] as [n], with torch operations in O(n d): the
    /// training loss reads it at fresh points every step, where the per-point <see cref="Source(BallEquation, ReadOnlySpan{double})"/>
    /// would be too slow.
    /// </summary>
    public Tensor Source(BallEquation equation, Tensor points)
    {
        ArgumentNullException.ThrowIfNull(points);
        if (points.dim() != 2 || points.shape[1] != Dimension)
            throw new ArgumentException($"Points must be [n, {Dimension}]; got shape [{string.Join(", ", points.shape)}].", nameof(points));
        // A few rows at a time: the terms' intermediates are [rows, d] each, a dozen of them, which at d = 10^6 would be
        // gigabytes for a batch of 100 points.
        long rows = Math.Max(1, SourceChunkElements / Dimension);
        if (points.shape[0] > rows)
        {
            var parts = new List<Tensor>();
            for (long start = 0; start < points.shape[0]; start += rows)
            {
                using var scope = NewDisposeScope();
                parts.Add(Source(equation, points.narrow(0, start, Math.Min(rows, points.shape[0] - start))).MoveToOuterDisposeScope());
            }
            return cat(parts, 0);
        }
        var c = tensor(_coefficients, points.dtype, points.device);
        var (sum, radial, sumLaplacian) = TermSums(points, c);
        var factor = 1 - points.Squared().sum(dim: 1);
        var u = factor * sum;
        var laplacian = factor * sumLaplacian - 4 * radial - 2 * Dimension * sum;
        return equation switch
        {
            BallEquation.Poisson => laplacian,
            BallEquation.AllenCahn => laplacian + u - u * u * u,
            BallEquation.SineGordon => laplacian + u.sin(),
            _ => throw new ArgumentException($"Unknown equation {(int)equation}; use one of {string.Join(", ", Enum.GetNames<BallEquation>())}.",
                nameof(equation)),
        };
    }

    /// <summary>
    /// S(x) = sum_i c_i s_i(x); with a non-empty <paramref name="gradient"/> also grad S (written into it) and Delta S.
    /// </summary>
    private protected abstract double Sum(ReadOnlySpan<double> x, double[] c, Span<double> gradient, out double laplacian);

    /// <summary>The terms s_i at each point, [n, number of coefficients].</summary>
    private protected abstract Tensor Terms(Tensor points);

    /// <summary>S, x . grad S and Delta S at each point, each [n], for the coefficients <paramref name="c"/>.</summary>
    private protected abstract (Tensor Sum, Tensor Radial, Tensor Laplacian) TermSums(Tensor points, Tensor c);

    /// <summary>Independent standard normal coefficients, as the STDE benchmarks draw them, from a seeded generator.</summary>
    private protected static double[] StandardNormals(int count, long seed)
    {
        var random = new Xoshiro256(seed);
        var values = new double[count];
        for (var i = 0; i < count; i += 2)
        {
            // Box-Muller: 1 - u lies in (0, 1], so the logarithm is finite.
            var r = Math.Sqrt(-2 * Math.Log(1 - random.NextDouble()));
            var (sin, cos) = Math.SinCos(2 * Math.PI * random.NextDouble());
            values[i] = r * cos;
            if (i + 1 < count)
                values[i + 1] = r * sin;
        }
        return values;
    }

    private void CheckDimension(ReadOnlySpan<double> x)
    {
        if (x.Length != Dimension)
            throw new ArgumentException($"A point of {x.Length} coordinates was given to a {Dimension}-dimensional solution.", nameof(x));
    }

    private static double SquaredNorm(ReadOnlySpan<double> x)
    {
        var sum = 0.0;
        foreach (var v in x)
            sum += v * v;
        return sum;
    }
}

/// <summary>
/// The inseparable two-body solution: S(x) = sum_{i=1}^{d-1} c_i sin(x_i + cos(x_{i+1}) + x_{i+1} cos(x_i)), d >= 2.
/// </summary>
public sealed class TwoBodySolution : BallSolution
{
    /// <param name="coefficients">c_1 .. c_{d-1}; the dimension is one more than their number</param>
    public TwoBodySolution(double[] coefficients) : base(Checked(coefficients, 2), coefficients.Length + 1)
    {
    }

    /// <summary>Standard normal coefficients, as in the STDE benchmarks, drawn from <paramref name="seed"/>.</summary>
    public static TwoBodySolution Random(int dimension, long seed) =>
        new(StandardNormals(CheckedDimension(dimension, 2) - 1, seed));

    private protected override double Sum(ReadOnlySpan<double> x, double[] c, Span<double> gradient, out double laplacian)
    {
        gradient.Clear();
        double sum = 0;
        laplacian = 0;
        for (var i = 0; i + 1 < x.Length; i++)
        {
            double a = x[i], b = x[i + 1];
            var (sinA, cosA) = Math.SinCos(a);
            var (sinB, cosB) = Math.SinCos(b);
            var (sin, cos) = Math.SinCos(a + cosB + b * cosA);
            sum += c[i] * sin;
            if (gradient.IsEmpty)
                continue;
            // theta = a + cos b + b cos a: theta_a = 1 - b sin a, theta_b = cos a - sin b, theta_aa = -b cos a, theta_bb = -cos b.
            double thetaA = 1 - b * sinA, thetaB = cosA - sinB;
            gradient[i] += c[i] * cos * thetaA;
            gradient[i + 1] += c[i] * cos * thetaB;
            laplacian += c[i] * (-sin * (thetaA * thetaA + thetaB * thetaB) + cos * (-b * cosA - cosB));
        }
        return sum;
    }

    private protected override Tensor Terms(Tensor points)
    {
        var d = Dimension;
        Tensor a = points[.., ..(d - 1)], b = points[.., 1..];
        return (a + b.cos() + b * a.cos()).sin();
    }

    private protected override (Tensor Sum, Tensor Radial, Tensor Laplacian) TermSums(Tensor points, Tensor c)
    {
        var d = Dimension;
        Tensor a = points[.., ..(d - 1)], b = points[.., 1..];
        // sin and cos of every coordinate once: those of b are those of a shifted by one (d is large, transcendentals dominate).
        Tensor sinX = points.sin(), cosX = points.cos();
        Tensor sinA = sinX[.., ..(d - 1)], cosA = cosX[.., ..(d - 1)], sinB = sinX[.., 1..], cosB = cosX[.., 1..];
        var theta = a + cosB + b * cosA;
        Tensor sin = theta.sin(), cos = theta.cos();
        Tensor thetaA = 1 - b * sinA, thetaB = cosA - sinB;
        var radial = (c * cos * (a * thetaA + b * thetaB)).sum(dim: 1);
        var laplacian = (c * (-sin * (thetaA.Squared() + thetaB.Squared()) - cos * (b * cosA + cosB))).sum(dim: 1);
        return ((c * sin).sum(dim: 1), radial, laplacian);
    }

    private static double[] Checked(double[] coefficients, int minimumDimension)
    {
        ArgumentNullException.ThrowIfNull(coefficients);
        CheckedDimension(coefficients.Length + minimumDimension - 1, minimumDimension);
        return coefficients;
    }

    private static int CheckedDimension(int dimension, int minimum) => dimension >= minimum
        ? dimension
        : throw new ArgumentException($"This solution needs a dimension of at least {minimum}; got {dimension}.", nameof(dimension));
}

/// <summary>The three-body solution: S(x) = sum_{i=1}^{d-2} c_i exp(x_i x_{i+1} x_{i+2}), d >= 3.</summary>
public sealed class ThreeBodySolution : BallSolution
{
    /// <param name="coefficients">c_1 .. c_{d-2}; the dimension is two more than their number</param>
    public ThreeBodySolution(double[] coefficients) : base(Checked(coefficients), coefficients.Length + 2)
    {
    }

    /// <summary>Standard normal coefficients, as in the STDE benchmarks, drawn from <paramref name="seed"/>.</summary>
    public static ThreeBodySolution Random(int dimension, long seed)
    {
        if (dimension < 3)
            throw new ArgumentException($"The three-body solution needs a dimension of at least 3; got {dimension}.", nameof(dimension));
        return new(StandardNormals(dimension - 2, seed));
    }

    private protected override double Sum(ReadOnlySpan<double> x, double[] c, Span<double> gradient, out double laplacian)
    {
        gradient.Clear();
        double sum = 0;
        laplacian = 0;
        for (var i = 0; i + 2 < x.Length; i++)
        {
            double a = x[i], b = x[i + 1], e = x[i + 2];
            var term = c[i] * Math.Exp(a * b * e);
            sum += term;
            if (gradient.IsEmpty)
                continue;
            // d/da exp(abe) = be exp(abe) and d^2/da^2 = (be)^2 exp(abe); likewise for b and e.
            gradient[i] += term * b * e;
            gradient[i + 1] += term * a * e;
            gradient[i + 2] += term * a * b;
            laplacian += term * (b * e * (b * e) + a * e * (a * e) + a * b * (a * b));
        }
        return sum;
    }

    private protected override Tensor Terms(Tensor points)
    {
        var d = Dimension;
        return (points[.., ..(d - 2)] * points[.., 1..(d - 1)] * points[.., 2..]).exp();
    }

    private protected override (Tensor Sum, Tensor Radial, Tensor Laplacian) TermSums(Tensor points, Tensor c)
    {
        var d = Dimension;
        Tensor a = points[.., ..(d - 2)], b = points[.., 1..(d - 1)], e = points[.., 2..];
        var term = c * (a * b * e).exp();
        // x . grad of exp(abe) is 3 abe exp(abe); its Laplacian is ((be)^2 + (ae)^2 + (ab)^2) exp(abe).
        var radial = (3 * term * a * b * e).sum(dim: 1);
        var laplacian = (term * ((b * e).Squared() + (a * e).Squared() + (a * b).Squared())).sum(dim: 1);
        return (term.sum(dim: 1), radial, laplacian);
    }

    private static double[] Checked(double[] coefficients)
    {
        ArgumentNullException.ThrowIfNull(coefficients);
        if (coefficients.Length < 1)
            throw new ArgumentException("The three-body solution needs at least one coefficient (a dimension of at least 3).",
                nameof(coefficients));
        return coefficients;
    }
}
