namespace Physis.Geometry;

/// <summary>A simple (not self-intersecting) polygon; vertices in either orientation, without repeating the first.</summary>
public sealed class Polygon : Geometry
{
    private readonly (double X, double Y)[] _vertices;
    private readonly (double X, double Y)[] _edgeNormals; // outward unit normal of edge i (vertex i to vertex i + 1)
    private readonly double[] _cumulativeLength;           // arc length at the end of edge i

    public Polygon(params (double X, double Y)[] vertices)
    {
        ArgumentNullException.ThrowIfNull(vertices);
        if (vertices.Length < 3)
            throw new ArgumentException($"A polygon needs at least 3 vertices; got {vertices.Length}.", nameof(vertices));
        foreach (var (x, y) in vertices)
            if (!double.IsFinite(x) || !double.IsFinite(y))
                throw new ArgumentException($"Polygon vertices must be finite; got ({x}, {y}).", nameof(vertices));
        _vertices = ((double X, double Y)[])vertices.Clone();
        var n = _vertices.Length;

        var twiceArea = 0.0;
        for (var i = 0; i < n; i++)
        {
            var (p, q) = Edge(i);
            if (p == q)
                throw new ArgumentException($"Polygon vertices {i} and {(i + 1) % n} coincide at ({p.X}, {p.Y}); "
                    + "remove the duplicate (do not repeat the first vertex at the end).", nameof(vertices));
            twiceArea += p.X * q.Y - q.X * p.Y;
        }
        CheckSimple(); // a simple polygon has a positive area, so the orientation below is defined

        Area = Math.Abs(twiceArea) / 2;
        var orientation = Math.Sign(twiceArea); // +1 counter-clockwise: outward is to the right of each edge
        _edgeNormals = new (double, double)[n];
        _cumulativeLength = new double[n];
        var length = 0.0;
        for (var i = 0; i < n; i++)
        {
            var (p, q) = Edge(i);
            double dx = q.X - p.X, dy = q.Y - p.Y, edgeLength = double.Hypot(dx, dy);
            _edgeNormals[i] = (orientation * dy / edgeLength, -orientation * dx / edgeLength);
            length += edgeLength;
            _cumulativeLength[i] = length;
        }
        BoundaryMeasure = length;
        Bounds = new BoundingBox(
            [_vertices.Min(v => v.X), _vertices.Min(v => v.Y)],
            [_vertices.Max(v => v.X), _vertices.Max(v => v.Y)]);
    }

    public IReadOnlyList<(double X, double Y)> Vertices => _vertices;

    public double Area { get; }

    public override int Dimension => 2;

    public override BoundingBox Bounds { get; }

    public override double BoundaryMeasure { get; }

    /// <summary>Even-odd rule: a horizontal ray from the point crosses the boundary an odd number of times.</summary>
    public override bool Contains(ReadOnlySpan<double> point)
    {
        if (OnBoundary(point))
            return true;
        double x = point[0], y = point[1];
        var inside = false;
        for (var i = 0; i < _vertices.Length; i++)
        {
            var (p, q) = Edge(i);
            if ((p.Y > y) != (q.Y > y) && x < p.X + (y - p.Y) * (q.X - p.X) / (q.Y - p.Y))
                inside = !inside;
        }
        return inside;
    }

    public override bool OnBoundary(ReadOnlySpan<double> point) => NearestEdge(point).Distance <= Tolerance;

    public override double[] Normal(ReadOnlySpan<double> boundaryPoint)
    {
        var (edge, distance) = NearestEdge(boundaryPoint);
        if (distance > Tolerance)
            throw NotOnBoundary(boundaryPoint);
        return [_edgeNormals[edge].X, _edgeNormals[edge].Y];
    }

    protected internal override int InteriorUnitDimension => 2;

    protected internal override bool TryMapInterior(ReadOnlySpan<double> unit, Span<double> point) => TryMapInteriorByRejection(unit, point);

    protected internal override int BoundaryUnitDimension => 1;

    /// <summary>Uniform in arc length along the closed boundary.</summary>
    protected internal override bool TryMapBoundary(ReadOnlySpan<double> unit, Span<double> point, Span<double> normal)
    {
        var s = unit[0] * BoundaryMeasure;
        var edge = Array.BinarySearch(_cumulativeLength, s);
        edge = edge >= 0 ? Math.Min(edge + 1, _vertices.Length - 1) : Math.Min(~edge, _vertices.Length - 1);
        var start = edge == 0 ? 0 : _cumulativeLength[edge - 1];
        var t = Math.Clamp((s - start) / (_cumulativeLength[edge] - start), 0, 1);
        var (p, q) = Edge(edge);
        point[0] = p.X + t * (q.X - p.X);
        point[1] = p.Y + t * (q.Y - p.Y);
        normal[0] = _edgeNormals[edge].X;
        normal[1] = _edgeNormals[edge].Y;
        return true;
    }

    private ((double X, double Y) P, (double X, double Y) Q) Edge(int i) => (_vertices[i], _vertices[(i + 1) % _vertices.Length]);

    private (int Edge, double Distance) NearestEdge(ReadOnlySpan<double> point)
    {
        CheckDimension(point);
        (int Edge, double Distance) nearest = (0, double.PositiveInfinity);
        for (var i = 0; i < _vertices.Length; i++)
        {
            var (p, q) = Edge(i);
            double dx = q.X - p.X, dy = q.Y - p.Y;
            var t = Math.Clamp(((point[0] - p.X) * dx + (point[1] - p.Y) * dy) / (dx * dx + dy * dy), 0, 1);
            var distance = double.Hypot(point[0] - (p.X + t * dx), point[1] - (p.Y + t * dy));
            if (distance < nearest.Distance)
                nearest = (i, distance);
        }
        return nearest;
    }

    /// <summary>O(n^2) check that no two edges meet except adjacent ones at their shared vertex.</summary>
    private void CheckSimple()
    {
        var n = _vertices.Length;
        for (var i = 0; i < n; i++)
        {
            var (a, b) = Edge(i);
            var (_, c) = Edge((i + 1) % n); // adjacent edge b -> c must not fold back over a -> b
            if (Cross(a, b, c) == 0 && (b.X - a.X) * (c.X - b.X) + (b.Y - a.Y) * (c.Y - b.Y) < 0)
                throw new ArgumentException($"Polygon edges at vertex {(i + 1) % n} ({b.X}, {b.Y}) fold back onto each other; "
                    + "the polygon is not simple.", "vertices");
            for (var j = i + 2; j < n; j++)
            {
                if (i == 0 && j == n - 1)
                    continue; // adjacent through the closing vertex
                var (p, q) = Edge(j);
                if (SegmentsMeet(a, b, p, q))
                    throw new ArgumentException($"Polygon edges {i} and {j} intersect; the polygon is self-intersecting. "
                        + "Order the vertices along the boundary.", "vertices");
            }
        }
    }

    private static double Cross((double X, double Y) o, (double X, double Y) a, (double X, double Y) b) =>
        (a.X - o.X) * (b.Y - o.Y) - (a.Y - o.Y) * (b.X - o.X);

    private static bool SegmentsMeet((double X, double Y) a, (double X, double Y) b, (double X, double Y) c, (double X, double Y) d)
    {
        double d1 = Cross(c, d, a), d2 = Cross(c, d, b), d3 = Cross(a, b, c), d4 = Cross(a, b, d);
        if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0)))
            return true;
        return (d1 == 0 && WithinBox(c, d, a)) || (d2 == 0 && WithinBox(c, d, b))
            || (d3 == 0 && WithinBox(a, b, c)) || (d4 == 0 && WithinBox(a, b, d));
    }

    // For a point collinear with segment p-q: whether it lies on the segment.
    private static bool WithinBox((double X, double Y) p, (double X, double Y) q, (double X, double Y) r) =>
        r.X >= Math.Min(p.X, q.X) && r.X <= Math.Max(p.X, q.X) && r.Y >= Math.Min(p.Y, q.Y) && r.Y <= Math.Max(p.Y, q.Y);
}
