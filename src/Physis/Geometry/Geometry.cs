namespace Physis.Geometry;

/// <summary>
/// A closed region of R^d. Points are plain float64 arrays: a batch of n points is double[n, d].
/// Sampling maps unit-cube points from a <see cref="PointSampler"/> onto the region, so a low-discrepancy
/// sampler gives low-discrepancy collocation points; regions without a direct map reject candidates.
/// </summary>
public abstract class Geometry
{
    // Stop rejection sampling once this many candidates gave fewer than MinAcceptance accepted points.
    private const long AcceptanceCheckAfter = 100_000;
    private const double MinAcceptance = 1e-4;

    private double _tolerance = double.NaN;

    public abstract int Dimension { get; }

    public abstract BoundingBox Bounds { get; }

    /// <summary>
    /// Absolute distance within which a point counts as on the boundary: 1e-9 of the region's size,
    /// plus room for the rounding error of coordinates far from the origin.
    /// </summary>
    public double Tolerance
    {
        get
        {
            if (double.IsNaN(_tolerance))
            {
                double extent = 0, magnitude = 0;
                for (var i = 0; i < Dimension; i++)
                {
                    extent = Math.Max(extent, Bounds.Max[i] - Bounds.Min[i]);
                    magnitude = Math.Max(magnitude, Math.Max(Math.Abs(Bounds.Min[i]), Math.Abs(Bounds.Max[i])));
                }
                _tolerance = 1e-9 * extent + 1e-12 * magnitude;
            }
            return _tolerance;
        }
    }

    /// <summary>Total measure of the boundary: length in 2D, area in 3D, the number of end points in 1D.</summary>
    public abstract double BoundaryMeasure { get; }

    /// <summary>Whether the point is inside or on the boundary (within <see cref="Tolerance"/>).</summary>
    public abstract bool Contains(ReadOnlySpan<double> point);

    /// <summary>Whether the point is within <see cref="Tolerance"/> of the boundary.</summary>
    public abstract bool OnBoundary(ReadOnlySpan<double> point);

    /// <summary>Inside and not on the boundary.</summary>
    public bool ContainsStrictly(ReadOnlySpan<double> point) => Contains(point) && !OnBoundary(point);

    /// <summary>The outward unit normal at a boundary point (at a corner, that of one adjacent face).</summary>
    public abstract double[] Normal(ReadOnlySpan<double> boundaryPoint);

    /// <summary>Exactly <paramref name="count"/> points of the region, [count, Dimension].</summary>
    public virtual double[,] SampleInterior(int count, PointSampler sampler)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(sampler);
        var points = new double[count, Dimension];
        Fill(sampler, InteriorUnitDimension, points, null, (unit, point, _) => TryMapInterior(unit, point), "interior");
        return points;
    }

    /// <summary>Exactly <paramref name="count"/> boundary points, spread in proportion to boundary measure, with outward unit normals.</summary>
    public virtual BoundarySample SampleBoundary(int count, PointSampler sampler)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(sampler);
        var points = new double[count, Dimension];
        var normals = new double[count, Dimension];
        Fill(sampler, BoundaryUnitDimension, points, normals, TryMapBoundary, "boundary");
        return new BoundarySample(points, normals);
    }

    public static Geometry operator |(Geometry a, Geometry b) => new Union(a, b);

    public static Geometry operator &(Geometry a, Geometry b) => new Intersection(a, b);

    public static Geometry operator -(Geometry a, Geometry b) => new Difference(a, b);

    /// <summary>This region times the time interval [t0, t1]; time becomes the last coordinate.</summary>
    public SpaceTime WithTime(double t0, double t1) => new(this, t0, t1);

    /// <summary>How many unit-cube coordinates one interior candidate uses.</summary>
    protected internal abstract int InteriorUnitDimension { get; }

    /// <summary>Maps a unit-cube point to a candidate interior point; false when the candidate is rejected.</summary>
    protected internal abstract bool TryMapInterior(ReadOnlySpan<double> unit, Span<double> point);

    /// <summary>How many unit-cube coordinates one boundary candidate uses (at least 1).</summary>
    protected internal abstract int BoundaryUnitDimension { get; }

    /// <summary>Maps a unit-cube point to a boundary point and its outward normal, uniformly in boundary measure; false when rejected.</summary>
    protected internal abstract bool TryMapBoundary(ReadOnlySpan<double> unit, Span<double> point, Span<double> normal);

    /// <summary>
    /// Measure of the boundary that <see cref="TryMapBoundary"/> draws candidates from, rejected ones included;
    /// a combination of regions weights its operands by this so that accepted points stay uniform.
    /// </summary>
    protected internal virtual double BoundaryCandidateMeasure => BoundaryMeasure;

    /// <summary>Interior map for regions without a direct one: a point of the bounding box, kept if inside.</summary>
    protected bool TryMapInteriorByRejection(ReadOnlySpan<double> unit, Span<double> point)
    {
        for (var i = 0; i < Dimension; i++)
            point[i] = Bounds.Min[i] + unit[i] * (Bounds.Max[i] - Bounds.Min[i]);
        return Contains(point);
    }

    protected void CheckDimension(ReadOnlySpan<double> point)
    {
        if (point.Length != Dimension)
            throw new ArgumentException($"A point of {point.Length} coordinates was given to a {Dimension}-dimensional {GetType().Name}; "
                + $"pass exactly {Dimension} coordinates.", nameof(point));
    }

    protected ArgumentException NotOnBoundary(ReadOnlySpan<double> point) =>
        new($"The point ({string.Join(", ", point.ToArray())}) is not on the boundary of this {GetType().Name}; "
            + "normals exist only at boundary points.", nameof(point));

    private delegate bool CandidateMap(ReadOnlySpan<double> unit, Span<double> point, Span<double> normal);

    // Candidates with at least this many unit coordinates in all are mapped on every core (high dimensions).
    private const long ParallelEntries = 1L << 20;

    /// <summary>
    /// Maps the first <paramref name="rows"/> candidates of <paramref name="batch"/> straight into the rows after
    /// <paramref name="found"/>, in parallel, then closes the gaps of rejected ones in candidate order: the same points
    /// for every thread count. Returns the new count of points found.
    /// </summary>
    private static int FillInParallel(double[,] batch, int rows, double[,] points, double[,]? normals, int found, CandidateMap map)
    {
        int unitDimension = batch.GetLength(1), dimension = points.GetLength(1);
        var accepted = new bool[rows];
        Parallel.For(0, rows, () => (Unit: new double[unitDimension], Point: new double[dimension], Normal: new double[dimension]),
            (r, _, buffers) =>
            {
                for (var k = 0; k < unitDimension; k++)
                    buffers.Unit[k] = batch[r, k];
                accepted[r] = map(buffers.Unit, buffers.Point, buffers.Normal);
                for (var k = 0; k < dimension; k++)
                {
                    points[found + r, k] = buffers.Point[k];
                    if (normals is not null)
                        normals[found + r, k] = buffers.Normal[k];
                }
                return buffers;
            }, _ => { });
        int next = found;
        for (var r = 0; r < rows; r++)
        {
            if (!accepted[r])
                continue;
            if (next != found + r)
                for (var k = 0; k < dimension; k++)
                {
                    points[next, k] = points[found + r, k];
                    if (normals is not null)
                        normals[next, k] = normals[found + r, k];
                }
            next++;
        }
        return next;
    }

    /// <summary>
    /// Draws unit-cube batches, maps each row and keeps the accepted candidates until every row of
    /// <paramref name="points"/> is filled. The first batch has exactly the requested size, so direct maps
    /// use the sampler's point set unchanged (a Latin hypercube stays a Latin hypercube).
    /// </summary>
    private void Fill(PointSampler sampler, int unitDimension, double[,] points, double[,]? normals, CandidateMap map, string part)
    {
        int count = points.GetLength(0), dimension = points.GetLength(1);
        var unit = new double[unitDimension];
        var point = new double[dimension];
        var normal = new double[dimension];
        int found = 0;
        long drawn = 0;
        while (found < count)
        {
            var acceptance = drawn == 0 ? 1.0 : Math.Max(found, 1) / (double)drawn;
            var batchSize = drawn == 0 ? count : (int)Math.Min(1 << 20, Math.Ceiling(1.2 * (count - found) / acceptance) + 16);
            var batch = sampler.UnitCube(batchSize, unitDimension);
            if ((long)Math.Min(batchSize, count - found) * unitDimension >= ParallelEntries)
            {
                found = FillInParallel(batch, Math.Min(batchSize, count - found), points, normals, found, map);
                drawn += batchSize;
                continue;
            }
            for (var r = 0; r < batchSize && found < count; r++)
            {
                for (var k = 0; k < unitDimension; k++)
                    unit[k] = batch[r, k];
                if (!map(unit, point, normal))
                    continue;
                for (var k = 0; k < dimension; k++)
                {
                    points[found, k] = point[k];
                    if (normals is not null)
                        normals[found, k] = normal[k];
                }
                found++;
            }
            drawn += batchSize;
            if (found < count && drawn >= AcceptanceCheckAfter && found < MinAcceptance * drawn)
                throw new InvalidOperationException(
                    $"Only {found} of {drawn} candidate points landed on the {part} of this {GetType().Name}; " +
                    "it is empty or a tiny fraction of its bounding box. Check the shapes and operands of the geometry.");
        }
    }
}
