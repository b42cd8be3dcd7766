namespace Physis.Geometry;

/// <summary>
/// The box [Min, Max] in any dimension: the common ground of <see cref="Interval"/>, <see cref="Rectangle"/> and <see cref="Box"/>.
/// </summary>
public abstract class AxisAlignedBox : Geometry
{
    private readonly double[] _min, _max;
    // Each face's share of the boundary, accumulated over faces ordered (axis 0 low, axis 0 high, axis 1 low, ...). A face
    // normal to axis i measures Volume / side_i, so shares are proportional to 1 / side_i: O(d) work, and no overflow of
    // the measure itself in thousands of dimensions.
    private readonly double[] _cumulativeFaceShare;

    private protected AxisAlignedBox(double[] min, double[] max)
    {
        ArgumentNullException.ThrowIfNull(min);
        ArgumentNullException.ThrowIfNull(max);
        if (min.Length == 0 || min.Length != max.Length)
            throw new ArgumentException($"The corners of a {GetType().Name} need the same, positive number of coordinates; "
                + $"got {min.Length} and {max.Length}.");
        for (var i = 0; i < min.Length; i++)
            if (!double.IsFinite(min[i]) || !double.IsFinite(max[i]) || !(min[i] < max[i]))
                throw new ArgumentException($"A {GetType().Name} needs finite min < max in every coordinate; "
                    + $"coordinate {i} has min {min[i]} and max {max[i]}.");
        _min = (double[])min.Clone();
        _max = (double[])max.Clone();
        Bounds = new BoundingBox((double[])min.Clone(), (double[])max.Clone());

        _cumulativeFaceShare = new double[2 * Dimension];
        var inverseSides = 0.0;
        for (var face = 0; face < 2 * Dimension; face++)
        {
            inverseSides += 1 / (max[face / 2] - min[face / 2]);
            _cumulativeFaceShare[face] = inverseSides;
        }
        for (var face = 0; face < 2 * Dimension; face++)
            _cumulativeFaceShare[face] /= inverseSides;
        _cumulativeFaceShare[^1] = 1;
        BoundaryMeasure = Dimension == 1 ? 2 : Bounds.Volume * inverseSides;
    }

    public override int Dimension => _min.Length;

    public override BoundingBox Bounds { get; }

    public override double BoundaryMeasure { get; }

    public double Volume => Bounds.Volume;

    public override bool Contains(ReadOnlySpan<double> point)
    {
        CheckDimension(point);
        for (var i = 0; i < Dimension; i++)
            if (!(point[i] >= _min[i] - Tolerance && point[i] <= _max[i] + Tolerance))
                return false;
        return true;
    }

    public override bool OnBoundary(ReadOnlySpan<double> point) => Contains(point) && NearestFace(point).Distance <= Tolerance;

    public override double[] Normal(ReadOnlySpan<double> boundaryPoint)
    {
        if (!OnBoundary(boundaryPoint))
            throw NotOnBoundary(boundaryPoint);
        var normal = new double[Dimension];
        var (axis, high, _) = NearestFace(boundaryPoint);
        normal[axis] = high ? 1 : -1;
        return normal;
    }

    protected internal override int InteriorUnitDimension => Dimension;

    protected internal override bool TryMapInterior(ReadOnlySpan<double> unit, Span<double> point)
    {
        for (var i = 0; i < Dimension; i++)
            point[i] = _min[i] + unit[i] * (_max[i] - _min[i]);
        return true;
    }

    protected internal override int BoundaryUnitDimension => Math.Max(Dimension - 1, 1);

    /// <summary>
    /// The first coordinate picks a face with probability proportional to its measure and, rescaled
    /// within that face's share, becomes the first coordinate on the face; this keeps the stratification of
    /// low-discrepancy points instead of spending a coordinate on the choice.
    /// </summary>
    protected internal override bool TryMapBoundary(ReadOnlySpan<double> unit, Span<double> point, Span<double> normal)
    {
        var target = unit[0];
        var face = Array.BinarySearch(_cumulativeFaceShare, target);
        face = face >= 0 ? face + 1 : ~face; // the first face whose cumulative share exceeds the target
        face = Math.Min(face, _cumulativeFaceShare.Length - 1);
        var lower = face == 0 ? 0 : _cumulativeFaceShare[face - 1];
        var withinFace = Math.Min(Math.Max(target - lower, 0) / (_cumulativeFaceShare[face] - lower), Math.BitDecrement(1.0));

        int axis = face / 2, next = 0;
        var high = face % 2 == 1;
        for (var i = 0; i < Dimension; i++)
        {
            normal[i] = 0;
            if (i == axis)
                continue;
            var u = next == 0 ? withinFace : unit[next];
            next++;
            point[i] = _min[i] + u * (_max[i] - _min[i]);
        }
        point[axis] = high ? _max[axis] : _min[axis];
        normal[axis] = high ? 1 : -1;
        return true;
    }

    private (int Axis, bool High, double Distance) NearestFace(ReadOnlySpan<double> point)
    {
        (int Axis, bool High, double Distance) nearest = (0, false, double.PositiveInfinity);
        for (var i = 0; i < Dimension; i++)
        {
            double low = Math.Abs(point[i] - _min[i]), high = Math.Abs(point[i] - _max[i]);
            if (low < nearest.Distance)
                nearest = (i, false, low);
            if (high < nearest.Distance)
                nearest = (i, true, high);
        }
        return nearest;
    }
}

/// <summary>The interval [a, b] of the real line.</summary>
public sealed class Interval(double a, double b) : AxisAlignedBox([a], [b])
{
    public double A => Bounds.Min[0];

    public double B => Bounds.Max[0];

    /// <summary>The two end points alternately (a, b, a, ...), with normals -1 and +1, so that even two points cover both ends.</summary>
    public override BoundarySample SampleBoundary(int count, PointSampler sampler)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        ArgumentNullException.ThrowIfNull(sampler);
        var points = new double[count, 1];
        var normals = new double[count, 1];
        for (var i = 0; i < count; i++)
        {
            points[i, 0] = i % 2 == 0 ? A : B;
            normals[i, 0] = i % 2 == 0 ? -1 : 1;
        }
        return new BoundarySample(points, normals);
    }
}

/// <summary>The rectangle [xMin, xMax] x [yMin, yMax].</summary>
public sealed class Rectangle(double xMin, double yMin, double xMax, double yMax) : AxisAlignedBox([xMin, yMin], [xMax, yMax])
{
    public double XMin => Bounds.Min[0];
    public double YMin => Bounds.Min[1];
    public double XMax => Bounds.Max[0];
    public double YMax => Bounds.Max[1];
}

/// <summary>The box [min, max] in any dimension.</summary>
public sealed class Box(double[] min, double[] max) : AxisAlignedBox(min, max)
{
    /// <summary>The cube [lo, hi]^dimension.</summary>
    public static Box Hypercube(int dimension, double lo, double hi)
    {
        if (dimension < 1)
            throw new ArgumentOutOfRangeException(nameof(dimension), dimension, "A hypercube needs a dimension of at least 1.");
        return new Box(Enumerable.Repeat(lo, dimension).ToArray(), Enumerable.Repeat(hi, dimension).ToArray());
    }
}
