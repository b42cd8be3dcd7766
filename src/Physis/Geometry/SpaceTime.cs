namespace Physis.Geometry;

/// <summary>
/// A spatial region times the time interval [T0, T1]; time is the last coordinate. Its boundary, for
/// sampling and <see cref="Geometry.OnBoundary"/>, is the spatial boundary times the time interval; the
/// initial slice t = T0 is sampled separately by <see cref="SampleInitial"/>.
/// </summary>
public sealed class SpaceTime : Geometry
{
    public SpaceTime(Geometry space, double t0, double t1)
    {
        ArgumentNullException.ThrowIfNull(space);
        if (!double.IsFinite(t0) || !double.IsFinite(t1) || !(t0 < t1))
            throw new ArgumentException($"The time interval needs finite t0 < t1; got [{t0}, {t1}].");
        Space = space;
        T0 = t0;
        T1 = t1;
        Bounds = new BoundingBox([.. space.Bounds.Min, t0], [.. space.Bounds.Max, t1]);
    }

    public Geometry Space { get; }

    public double T0 { get; }

    public double T1 { get; }

    public override int Dimension => Space.Dimension + 1;

    public override BoundingBox Bounds { get; }

    /// <summary>Measure of the spatial boundary times the duration.</summary>
    public override double BoundaryMeasure => Space.BoundaryMeasure * (T1 - T0);

    public override bool Contains(ReadOnlySpan<double> point) => InTimeInterval(point) && Space.Contains(point[..^1]);

    /// <summary>On the spatial boundary at a time in [T0, T1].</summary>
    public override bool OnBoundary(ReadOnlySpan<double> point) => InTimeInterval(point) && Space.OnBoundary(point[..^1]);

    /// <summary>In the space at t = T0.</summary>
    public bool OnInitial(ReadOnlySpan<double> point)
    {
        CheckDimension(point);
        return Math.Abs(point[^1] - T0) <= Tolerance && Space.Contains(point[..^1]);
    }

    /// <summary>The spatial normal with a zero time component.</summary>
    public override double[] Normal(ReadOnlySpan<double> boundaryPoint)
    {
        if (!OnBoundary(boundaryPoint))
            throw NotOnBoundary(boundaryPoint);
        return [.. Space.Normal(boundaryPoint[..^1]), 0.0];
    }

    /// <summary>Points of <see cref="Space"/> at t = T0, [count, Dimension].</summary>
    public double[,] SampleInitial(int count, PointSampler sampler)
    {
        var spatial = Space.SampleInterior(count, sampler);
        var points = new double[count, Dimension];
        for (var i = 0; i < count; i++)
        {
            for (var k = 0; k < Space.Dimension; k++)
                points[i, k] = spatial[i, k];
            points[i, Space.Dimension] = T0;
        }
        return points;
    }

    /// <summary>The spatial boundary times the time interval, with normals whose time component is zero.</summary>
    public BoundarySample SampleSpatialBoundary(int count, PointSampler sampler) => SampleBoundary(count, sampler);

    // Space and time come from one unit-cube point: drawing them in separate calls would pair consecutive
    // stretches of a low-discrepancy sequence, which are strongly correlated.
    protected internal override int InteriorUnitDimension => Space.InteriorUnitDimension + 1;

    protected internal override bool TryMapInterior(ReadOnlySpan<double> unit, Span<double> point)
    {
        point[^1] = T0 + unit[^1] * (T1 - T0);
        return Space.TryMapInterior(unit[..^1], point[..^1]);
    }

    protected internal override double BoundaryCandidateMeasure => Space.BoundaryCandidateMeasure * (T1 - T0);

    protected internal override int BoundaryUnitDimension => Space.BoundaryUnitDimension + 1;

    protected internal override bool TryMapBoundary(ReadOnlySpan<double> unit, Span<double> point, Span<double> normal)
    {
        point[^1] = T0 + unit[^1] * (T1 - T0);
        normal[^1] = 0;
        return Space.TryMapBoundary(unit[..^1], point[..^1], normal[..^1]);
    }

    private bool InTimeInterval(ReadOnlySpan<double> point)
    {
        CheckDimension(point);
        return point[^1] >= T0 - Tolerance && point[^1] <= T1 + Tolerance;
    }
}
