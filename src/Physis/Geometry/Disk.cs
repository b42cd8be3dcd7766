namespace Physis.Geometry;

/// <summary>The closed disk of the given centre and radius.</summary>
public sealed class Disk : Geometry
{
    public Disk(double centerX, double centerY, double radius)
    {
        if (!double.IsFinite(centerX) || !double.IsFinite(centerY))
            throw new ArgumentException($"The centre of a disk must be finite; got ({centerX}, {centerY}).");
        if (!double.IsFinite(radius) || !(radius > 0))
            throw new ArgumentException($"The radius of a disk must be positive and finite; got {radius}.", nameof(radius));
        CenterX = centerX;
        CenterY = centerY;
        Radius = radius;
        Bounds = new BoundingBox([centerX - radius, centerY - radius], [centerX + radius, centerY + radius]);
    }

    public double CenterX { get; }
    public double CenterY { get; }
    public double Radius { get; }

    public override int Dimension => 2;

    public override BoundingBox Bounds { get; }

    public override double BoundaryMeasure => 2 * Math.PI * Radius;

    public override bool Contains(ReadOnlySpan<double> point) => DistanceFromCenter(point) <= Radius + Tolerance;

    public override bool OnBoundary(ReadOnlySpan<double> point) => Math.Abs(DistanceFromCenter(point) - Radius) <= Tolerance;

    public override double[] Normal(ReadOnlySpan<double> boundaryPoint)
    {
        if (!OnBoundary(boundaryPoint))
            throw NotOnBoundary(boundaryPoint);
        var distance = DistanceFromCenter(boundaryPoint);
        return [(boundaryPoint[0] - CenterX) / distance, (boundaryPoint[1] - CenterY) / distance];
    }

    protected internal override int InteriorUnitDimension => 2;

    /// <summary>Polar map with r = R sqrt(u), which has constant Jacobian and so keeps the points uniform in area.</summary>
    protected internal override bool TryMapInterior(ReadOnlySpan<double> unit, Span<double> point)
    {
        var r = Radius * Math.Sqrt(unit[0]);
        var (sin, cos) = Math.SinCos(2 * Math.PI * unit[1]);
        point[0] = CenterX + r * cos;
        point[1] = CenterY + r * sin;
        return true;
    }

    protected internal override int BoundaryUnitDimension => 1;

    protected internal override bool TryMapBoundary(ReadOnlySpan<double> unit, Span<double> point, Span<double> normal)
    {
        var (sin, cos) = Math.SinCos(2 * Math.PI * unit[0]);
        point[0] = CenterX + Radius * cos;
        point[1] = CenterY + Radius * sin;
        normal[0] = cos;
        normal[1] = sin;
        return true;
    }

    private double DistanceFromCenter(ReadOnlySpan<double> point)
    {
        CheckDimension(point);
        return double.Hypot(point[0] - CenterX, point[1] - CenterY);
    }
}
