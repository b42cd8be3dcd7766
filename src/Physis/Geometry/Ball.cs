namespace Physis.Geometry;

/// <summary>
/// The closed ball of the given centre and radius in any dimension d >= 1, the domain of the high-dimensional PINN
/// benchmarks (Hu et al., SDGD; Shi et al., STDE). Membership, normals and sampling cost O(d) per point, so
/// d = 100,000 is as practical as d = 3.
/// </summary>
public class Ball : Geometry
{
    private readonly double[] _center;

    public Ball(double[] center, double radius)
    {
        ArgumentNullException.ThrowIfNull(center);
        if (center.Length == 0)
            throw new ArgumentException("The centre of a ball needs at least one coordinate.", nameof(center));
        for (var i = 0; i < center.Length; i++)
            if (!double.IsFinite(center[i]))
                throw new ArgumentException($"The centre of a ball must be finite; coordinate {i} is {center[i]}.", nameof(center));
        if (!double.IsFinite(radius) || !(radius > 0))
            throw new ArgumentException($"The radius of a ball must be positive and finite; got {radius}.", nameof(radius));
        _center = (double[])center.Clone();
        Radius = radius;
        Bounds = new BoundingBox(center.Select(c => c - radius).ToArray(), center.Select(c => c + radius).ToArray());
    }

    /// <summary>The unit ball {|x| &lt;= 1} of R^dimension.</summary>
    public static Ball Unit(int dimension)
    {
        if (dimension < 1)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "A ball needs a dimension of at least 1.");
        return new Ball(new double[dimension], 1);
    }

    public IReadOnlyList<double> Center => _center;

    public double Radius { get; }

    public override int Dimension => _center.Length;

    public override BoundingBox Bounds { get; }

    /// <summary>
    /// The area of the sphere, 2 pi^(d/2) / Gamma(d/2) R^(d-1) (2 end points in 1D), through its logarithm so that large
    /// d underflows to 0 only when the area itself is below the smallest double.
    /// </summary>
    public override double BoundaryMeasure => Math.Exp(LogUnitSphereArea(Dimension) + (Dimension - 1) * Math.Log(Radius));

    public override bool Contains(ReadOnlySpan<double> point) => DistanceFromCenter(point) <= Radius + Tolerance;

    public override bool OnBoundary(ReadOnlySpan<double> point) => Math.Abs(DistanceFromCenter(point) - Radius) <= Tolerance;

    public override double[] Normal(ReadOnlySpan<double> boundaryPoint)
    {
        if (!OnBoundary(boundaryPoint))
            throw NotOnBoundary(boundaryPoint);
        var distance = DistanceFromCenter(boundaryPoint);
        var normal = new double[Dimension];
        for (var i = 0; i < Dimension; i++)
            normal[i] = (boundaryPoint[i] - _center[i]) / distance;
        return normal;
    }

    // Box-Muller turns each pair of unit coordinates into two Gaussians, so a direction uses d rounded up to even.
    private int DirectionUnitDimension => Dimension + Dimension % 2;

    protected internal override int InteriorUnitDimension => DirectionUnitDimension + 1;

    /// <summary>
    /// A Gaussian vector has a uniformly distributed direction; a radius R u^(1/d) has P(r &lt;= s) = (s/R)^d, the fraction
    /// of the volume within s, so the point is uniform in the ball.
    /// </summary>
    protected internal override bool TryMapInterior(ReadOnlySpan<double> unit, Span<double> point)
    {
        if (!TryGaussianDirection(unit[..DirectionUnitDimension], point))
            return false;
        var r = Radius * Math.Pow(unit[DirectionUnitDimension], 1.0 / Dimension);
        for (var i = 0; i < Dimension; i++)
            point[i] = _center[i] + r * point[i];
        return true;
    }

    protected internal override int BoundaryUnitDimension => DirectionUnitDimension;

    protected internal override bool TryMapBoundary(ReadOnlySpan<double> unit, Span<double> point, Span<double> normal)
    {
        if (!TryGaussianDirection(unit, normal))
            return false;
        for (var i = 0; i < Dimension; i++)
            point[i] = _center[i] + Radius * normal[i];
        return true;
    }

    /// <summary>A unit vector from Box-Muller Gaussians; rejected in the probability-zero case of a zero vector.</summary>
    private bool TryGaussianDirection(ReadOnlySpan<double> unit, Span<double> direction)
    {
        var squaredNorm = 0.0;
        for (var i = 0; i < Dimension; i += 2)
        {
            var r = Math.Sqrt(-2 * Math.Log(1 - unit[i])); // 1 - u lies in (0, 1], so the logarithm is finite
            var (sin, cos) = Math.SinCos(2 * Math.PI * unit[i + 1]);
            direction[i] = r * cos;
            squaredNorm += direction[i] * direction[i];
            if (i + 1 < Dimension)
            {
                direction[i + 1] = r * sin;
                squaredNorm += direction[i + 1] * direction[i + 1];
            }
        }
        if (!(squaredNorm > 0))
            return false;
        var inverseNorm = 1 / Math.Sqrt(squaredNorm);
        for (var i = 0; i < Dimension; i++)
            direction[i] *= inverseNorm;
        return true;
    }

    private static double LogUnitSphereArea(int dimension)
    {
        // A(1) = 2, A(2) = 2 pi and A(d) = A(d - 2) 2 pi / (d - 2).
        var log = dimension % 2 == 1 ? Math.Log(2) : Math.Log(2 * Math.PI);
        for (var k = dimension % 2 == 1 ? 3 : 4; k <= dimension; k += 2)
            log += Math.Log(2 * Math.PI / (k - 2));
        return log;
    }

    private double DistanceFromCenter(ReadOnlySpan<double> point)
    {
        CheckDimension(point);
        var sum = 0.0;
        for (var i = 0; i < Dimension; i++)
        {
            var difference = point[i] - _center[i];
            sum += difference * difference;
        }
        return Math.Sqrt(sum);
    }
}
