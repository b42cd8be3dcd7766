namespace Physis.Geometry;

/// <summary>
/// The closed disk of the given centre and radius: a 2D <see cref="Ball"/> whose points come from the polar map, two
/// unit coordinates per interior point and one per boundary point, so low-discrepancy samplers keep their structure.
/// </summary>
public sealed class Disk(double centerX, double centerY, double radius) : Ball([centerX, centerY], radius)
{
    public double CenterX => Center[0];
    public double CenterY => Center[1];

    public override double BoundaryMeasure => 2 * Math.PI * Radius;

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
}
