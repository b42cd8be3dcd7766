namespace Physis.Geometry;

/// <summary>
/// Constructive solid geometry: a Boolean combination of two regions of equal dimension. Interior points are
/// drawn from the bounding box and kept if inside; boundary points are drawn from both operands' boundaries
/// in proportion to their measures and kept where they lie on the boundary of the result.
/// </summary>
public abstract class CsgGeometry : Geometry
{
    private double _boundaryMeasure = double.NaN;

    private protected CsgGeometry(Geometry first, Geometry second)
    {
        ArgumentNullException.ThrowIfNull(first);
        ArgumentNullException.ThrowIfNull(second);
        if (first.Dimension != second.Dimension)
            throw new ArgumentException($"{GetType().Name} needs two geometries of the same dimension; "
                + $"got {first.Dimension} and {second.Dimension}.");
        First = first;
        Second = second;
    }

    public Geometry First { get; }

    public Geometry Second { get; }

    public override int Dimension => First.Dimension;

    /// <summary>
    /// Estimated (the result's boundary has no closed form in general) from 4096 low-discrepancy candidates on the operands'
    /// boundaries; used to weight this region against others when it is itself an operand.
    /// </summary>
    public override double BoundaryMeasure
    {
        get
        {
            if (double.IsNaN(_boundaryMeasure))
            {
                const int candidates = 4096;
                var method = BoundaryUnitDimension <= PointSampler.MaxSobolDimension ? SamplingMethod.Sobol : SamplingMethod.Halton;
                var units = new PointSampler(method, seed: 0).UnitCube(candidates, BoundaryUnitDimension);
                Span<double> unit = stackalloc double[BoundaryUnitDimension];
                var point = new double[Dimension];
                var normal = new double[Dimension];
                var kept = 0;
                for (var i = 0; i < candidates; i++)
                {
                    for (var k = 0; k < unit.Length; k++)
                        unit[k] = units[i, k];
                    if (TryMapBoundary(unit, point, normal))
                        kept++;
                }
                _boundaryMeasure = BoundaryCandidateMeasure * kept / candidates;
            }
            return _boundaryMeasure;
        }
    }

    public override bool OnBoundary(ReadOnlySpan<double> point)
    {
        bool onFirst = First.OnBoundary(point), onSecond = Second.OnBoundary(point);
        if (onFirst && onSecond)
            return KeepsCoincidentBoundary(SameOrientation(First.Normal(point), Second.Normal(point)));
        return (onFirst && KeepsFirstBoundary(point)) || (onSecond && KeepsSecondBoundary(point));
    }

    public override double[] Normal(ReadOnlySpan<double> boundaryPoint)
    {
        if (!OnBoundary(boundaryPoint))
            throw NotOnBoundary(boundaryPoint);
        if (First.OnBoundary(boundaryPoint))
            return First.Normal(boundaryPoint);
        var normal = Second.Normal(boundaryPoint);
        OrientSecondNormal(normal);
        return normal;
    }

    /// <summary>Whether a boundary point of <see cref="First"/> is on the boundary of the result.</summary>
    private protected abstract bool KeepsFirstBoundary(ReadOnlySpan<double> point);

    /// <summary>Whether a boundary point of <see cref="Second"/> is on the boundary of the result.</summary>
    private protected abstract bool KeepsSecondBoundary(ReadOnlySpan<double> point);

    /// <summary>
    /// Whether a piece where both boundaries coincide is on the boundary of the result, given whether the two
    /// outward normals agree there (such a piece is sampled once, from <see cref="First"/>, with its normal).
    /// </summary>
    private protected abstract bool KeepsCoincidentBoundary(bool sameOrientation);

    /// <summary>Whether the outside of <see cref="Second"/> is the inside of the result (difference).</summary>
    private protected virtual bool FlipsSecondNormals => false;

    protected internal override int InteriorUnitDimension => Dimension;

    protected internal override bool TryMapInterior(ReadOnlySpan<double> unit, Span<double> point) => TryMapInteriorByRejection(unit, point);

    protected internal override double BoundaryCandidateMeasure => First.BoundaryCandidateMeasure + Second.BoundaryCandidateMeasure;

    protected internal override int BoundaryUnitDimension => Math.Max(First.BoundaryUnitDimension, Second.BoundaryUnitDimension);

    /// <summary>
    /// The first coordinate picks an operand in proportion to its candidate measure and, rescaled, becomes that
    /// operand's first coordinate; the candidate is kept where it lies on the boundary of the result.
    /// </summary>
    protected internal override bool TryMapBoundary(ReadOnlySpan<double> unit, Span<double> point, Span<double> normal)
    {
        double firstMeasure = First.BoundaryCandidateMeasure, total = BoundaryCandidateMeasure;
        var target = unit[0] * total;
        var fromFirst = target < firstMeasure;
        var operand = fromFirst ? First : Second;
        Span<double> operandUnit = stackalloc double[operand.BoundaryUnitDimension];
        unit[..operandUnit.Length].CopyTo(operandUnit);
        var rescaled = fromFirst ? target / firstMeasure : (target - firstMeasure) / (total - firstMeasure);
        operandUnit[0] = Math.Clamp(rescaled, 0, Math.BitDecrement(1.0));
        if (!operand.TryMapBoundary(operandUnit, point, normal))
            return false;
        var other = fromFirst ? Second : First;
        if (other.OnBoundary(point))
            return fromFirst && KeepsCoincidentBoundary(SameOrientation(normal, other.Normal(point)));
        if (fromFirst)
            return KeepsFirstBoundary(point);
        if (!KeepsSecondBoundary(point))
            return false;
        OrientSecondNormal(normal);
        return true;
    }

    private void OrientSecondNormal(Span<double> normal)
    {
        if (FlipsSecondNormals)
            for (var i = 0; i < normal.Length; i++)
                normal[i] = -normal[i];
    }

    private static bool SameOrientation(ReadOnlySpan<double> a, ReadOnlySpan<double> b)
    {
        var dot = 0.0;
        for (var i = 0; i < a.Length; i++)
            dot += a[i] * b[i];
        return dot > 0;
    }
}

/// <summary>Points in either region.</summary>
public sealed class Union : CsgGeometry
{
    public Union(Geometry first, Geometry second) : base(first, second) =>
        Bounds = new BoundingBox(
            first.Bounds.Min.Zip(second.Bounds.Min, Math.Min).ToArray(),
            first.Bounds.Max.Zip(second.Bounds.Max, Math.Max).ToArray());

    public override BoundingBox Bounds { get; }

    public override bool Contains(ReadOnlySpan<double> point) => First.Contains(point) || Second.Contains(point);

    private protected override bool KeepsFirstBoundary(ReadOnlySpan<double> point) => !Second.ContainsStrictly(point);

    private protected override bool KeepsSecondBoundary(ReadOnlySpan<double> point) => !First.ContainsStrictly(point);

    // Facing the same way: a shared outer boundary. Facing each other: the seam where the regions touch is inside.
    private protected override bool KeepsCoincidentBoundary(bool sameOrientation) => sameOrientation;
}

/// <summary>Points in both regions.</summary>
public sealed class Intersection : CsgGeometry
{
    public Intersection(Geometry first, Geometry second) : base(first, second)
    {
        var min = first.Bounds.Min.Zip(second.Bounds.Min, Math.Max).ToArray();
        var max = first.Bounds.Max.Zip(second.Bounds.Max, Math.Min).ToArray();
        for (var i = 0; i < min.Length; i++)
            if (!(min[i] < max[i]))
                throw new ArgumentException($"The intersection is empty: the bounding boxes of the two geometries do not overlap in coordinate {i}.");
        Bounds = new BoundingBox(min, max);
    }

    public override BoundingBox Bounds { get; }

    public override bool Contains(ReadOnlySpan<double> point) => First.Contains(point) && Second.Contains(point);

    private protected override bool KeepsFirstBoundary(ReadOnlySpan<double> point) => Second.Contains(point);

    private protected override bool KeepsSecondBoundary(ReadOnlySpan<double> point) => First.Contains(point);

    // Facing the same way: a shared boundary of both. Facing each other: the regions only touch there.
    private protected override bool KeepsCoincidentBoundary(bool sameOrientation) => sameOrientation;
}

/// <summary>Points of the first region that are not strictly inside the second (the result is closed).</summary>
public sealed class Difference(Geometry first, Geometry second) : CsgGeometry(first, second)
{
    public override BoundingBox Bounds => First.Bounds;

    public override bool Contains(ReadOnlySpan<double> point)
    {
        if (!First.Contains(point) || Second.ContainsStrictly(point)) return false;
        if (!First.OnBoundary(point) || !Second.OnBoundary(point)) return true;
        // On both boundaries: the point belongs to the difference when some nearby point is inside the first region and
        // outside the second; otherwise it went with the second (the outer edges of a square cut from a square's corner).
        double step = 4 * Math.Max(First.Tolerance, Second.Tolerance);
        var probe = new double[point.Length];
        for (int code = 0; code < (int)Math.Pow(3, point.Length); code++)
        {
            for (int i = 0, rest = code; i < probe.Length; i++, rest /= 3) probe[i] = point[i] + (rest % 3 - 1) * step;
            if (First.ContainsStrictly(probe) && !Second.Contains(probe)) return true;
        }
        return false;
    }

    private protected override bool KeepsFirstBoundary(ReadOnlySpan<double> point) => !Second.ContainsStrictly(point);

    private protected override bool KeepsSecondBoundary(ReadOnlySpan<double> point) => First.Contains(point);

    // Facing the same way: the second region removes the first on both sides of the piece. Facing each other: the
    // second region only touches the first from outside, so the first's boundary stays.
    private protected override bool KeepsCoincidentBoundary(bool sameOrientation) => !sameOrientation;

    private protected override bool FlipsSecondNormals => true;
}
