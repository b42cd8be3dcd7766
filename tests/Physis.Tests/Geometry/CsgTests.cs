namespace Physis.Tests.Geometry;

using Physis.Geometry;

public class CsgTests
{
    public static TheoryData<SamplingMethod> Methods => new(Enum.GetValues<SamplingMethod>());

    private static Geometry SquareMinusDisk => new Rectangle(-1, -1, 1, 1) - new Disk(0, 0, 0.5);

    [Theory]
    [InlineData(1.0, 0.5, false)]   // the removed square's outer edges went with it
    [InlineData(0.5, 1.0, false)]
    [InlineData(1.0, 1.0, false)]
    [InlineData(1.0, 0.0, true)]    // the L's own corners and edges stay
    [InlineData(0.0, 1.0, true)]
    [InlineData(1.0, -0.5, true)]
    [InlineData(0.0, 0.5, true)]    // the re-entrant edges
    [InlineData(0.5, 0.0, true)]
    [InlineData(0.5, 0.5, false)]
    public void AnLShapeHoldsItsClosureAndNotTheCutAwayEdges(double x, double y, bool inside)
    {
        var shape = new Rectangle(-1, -1, 1, 1) - new Rectangle(0, 0, 1, 1);
        Assert.Equal(inside, shape.Contains([x, y]));
    }

    [Fact]
    public void SquareMinusDiskMembership()
    {
        var shape = SquareMinusDisk;
        Assert.IsType<Difference>(shape);
        Assert.False(shape.Contains([0, 0]));
        Assert.True(shape.Contains([0.9, 0.9]));
        Assert.True(shape.Contains([1, 1]));
        Assert.False(shape.Contains([1.1, 0]));
        Assert.True(shape.OnBoundary([0.5, 0]));   // the hole's rim
        Assert.True(shape.OnBoundary([1, 0.2]));
        Assert.False(shape.OnBoundary([0.7, 0.2]));
        Assert.Equal([-1.0, 0], shape.Normal([0.5, 0]), new ToleranceComparer(1e-12)); // points into the hole
        Assert.Equal([1.0, 0], shape.Normal([1, 0.2]));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void DifferenceSamplesHaveOutwardNormalsOnBothRims(SamplingMethod method)
    {
        var shape = SquareMinusDisk;
        var sampler = new PointSampler(method, seed: 1);
        GeometryAssert.InteriorSamples(shape, shape.SampleInterior(500, sampler), 500);
        var boundary = shape.SampleBoundary(1000, sampler);
        GeometryAssert.BoundarySamples(shape, boundary, 1000);
        // The rim of the hole is pi / (8 + pi) of the boundary.
        var onRim = Enumerable.Range(0, 1000).Count(i => Math.Abs(double.Hypot(boundary.Points[i, 0], boundary.Points[i, 1]) - 0.5) < 1e-9);
        var expected = 1000 * Math.PI / (8 + Math.PI);
        Assert.InRange(onRim, expected - 4 * Math.Sqrt(expected), expected + 4 * Math.Sqrt(expected));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void UnionAndIntersectionOfTwoDisksSampleTheirOwnBoundaries(SamplingMethod method)
    {
        var left = new Disk(-0.5, 0, 1);
        var right = new Disk(0.5, 0, 1);
        foreach (var shape in new[] { left | right, left & right })
        {
            var sampler = new PointSampler(method, seed: 2);
            GeometryAssert.InteriorSamples(shape, shape.SampleInterior(400, sampler), 400);
            GeometryAssert.BoundarySamples(shape, shape.SampleBoundary(400, sampler), 400);
        }
    }

    [Fact]
    public void UnionAndIntersectionMembership()
    {
        var left = new Disk(-0.5, 0, 1);
        var right = new Disk(0.5, 0, 1);
        var union = left | right;
        var lens = left & right;
        Assert.IsType<Union>(union);
        Assert.IsType<Intersection>(lens);
        Assert.True(union.Contains([-1.4, 0]) && !lens.Contains([-1.4, 0]));
        Assert.True(union.Contains([0, 0]) && lens.Contains([0, 0]));
        Assert.False(union.OnBoundary([0.5, 0]));  // right disk's rim inside the left disk
        Assert.True(lens.OnBoundary([0.5, 0]));
        Assert.Equal([1.0, 0], lens.Normal([0.5, 0]));
        Assert.Equal([-1.5, -1], union.Bounds.Min);
        Assert.Equal([0.5, 1], lens.Bounds.Max);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void LShapeFromRectanglesWithSharedEdgesHasOnlyItsOwnBoundary(SamplingMethod method)
    {
        // [0,2]^2 minus [1,2]^2 shares two edges with the square it removes; those must vanish, not be sampled.
        var shape = new Rectangle(0, 0, 2, 2) - new Rectangle(1, 1, 2, 2);
        Assert.False(shape.OnBoundary([2, 1.5]));
        Assert.False(shape.OnBoundary([1.5, 2]));
        Assert.True(shape.OnBoundary([1, 1.5]));
        Assert.Equal([1.0, 0], shape.Normal([1, 1.5]));
        var sampler = new PointSampler(method, seed: 8);
        GeometryAssert.InteriorSamples(shape, shape.SampleInterior(400, sampler), 400);
        var boundary = shape.SampleBoundary(800, sampler);
        GeometryAssert.BoundarySamples(shape, boundary, 800);
        Assert.Equal(8, shape.BoundaryMeasure, 0.08);
    }

    [Fact]
    public void UnionOfRectanglesDropsTheSeamAndSamplesSharedEdgesOnce()
    {
        var touching = new Rectangle(0, 0, 1, 1) | new Rectangle(1, 0, 2, 1);
        Assert.False(touching.OnBoundary([1, 0.5])); // the seam is inside
        Assert.Equal(6, touching.BoundaryMeasure, 0.06);

        // Overlapping: the top edge y = 1 is 3 of the perimeter 8, in spite of being an edge of both rectangles on [1, 2].
        var overlapping = new Rectangle(0, 0, 2, 1) | new Rectangle(1, 0, 3, 1);
        var boundary = overlapping.SampleBoundary(1000, new PointSampler(SamplingMethod.Sobol, seed: 9));
        GeometryAssert.BoundarySamples(overlapping, boundary, 1000);
        var top = Enumerable.Range(0, 1000).Where(i => boundary.Points[i, 1] == 1).Select(i => boundary.Points[i, 0]).ToArray();
        Assert.InRange(top.Length, 375 - 8, 375 + 8);
        var onSharedPart = top.Count(x => x is > 1 and < 2);
        Assert.InRange(onSharedPart, top.Length / 3 - 10, top.Length / 3 + 10);
    }

    [Fact]
    public void BoundaryMeasureOfCombinationsIsEstimatedClosely()
    {
        // Two unit squares overlapping in a 0.5 x 1 strip: union [0, 1.5] x [0, 1], intersection and difference 0.5 x 1.
        var a = new Rectangle(0, 0, 1, 1);
        var b = new Rectangle(0.5, 0, 1.5, 1);
        Assert.Equal(5, (a | b).BoundaryMeasure, 0.05);
        Assert.Equal(3, (a & b).BoundaryMeasure, 0.03);
        Assert.Equal(3, (a - b).BoundaryMeasure, 0.03);
    }

    [Fact]
    public void NestedCombinationSpreadsBoundaryPointsByLength()
    {
        // (square minus disk) union a far rectangle: the rectangle's perimeter 4 is 4 / (12 + pi) of the total.
        var shape = SquareMinusDisk | new Rectangle(2, 0, 3, 1);
        var boundary = shape.SampleBoundary(2000, new PointSampler(SamplingMethod.Sobol, seed: 5));
        GeometryAssert.BoundarySamples(shape, boundary, 2000);
        var onFar = Enumerable.Range(0, 2000).Count(i => boundary.Points[i, 0] >= 2);
        var expected = 2000 * 4 / (12 + Math.PI);
        Assert.InRange(onFar, expected * 0.97, expected * 1.03);
    }

    [Fact]
    public void CombinationsOfThreeDimensionalBoxesWork()
    {
        var shape = Box.Hypercube(3, 0, 2) - Box.Hypercube(3, 1, 3);
        var sampler = new PointSampler(SamplingMethod.Halton, seed: 6);
        GeometryAssert.InteriorSamples(shape, shape.SampleInterior(300, sampler), 300);
        GeometryAssert.BoundarySamples(shape, shape.SampleBoundary(300, sampler), 300);
    }

    [Fact]
    public void UnionOfIntervalsHasFourEndPoints()
    {
        var shape = new Interval(0, 1) | new Interval(0.5, 3) | new Interval(4, 5);
        var boundary = shape.SampleBoundary(400, new PointSampler(SamplingMethod.Sobol, seed: 10));
        GeometryAssert.BoundarySamples(shape, boundary, 400);
        var ends = GeometryAssert.Column(boundary.Points, 0).GroupBy(x => x).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal([0.0, 3, 4, 5], ends.Keys.Order());
        Assert.All(ends.Values, c => Assert.InRange(c, 90, 110));
        Assert.False(shape.Contains([3.5]));
    }

    [Fact]
    public void BadCombinationsAreRejected()
    {
        Assert.Contains("same dimension", Assert.Throws<ArgumentException>(() => new Interval(0, 1) | new Disk(0, 0, 1)).Message);
        Assert.Contains("empty", Assert.Throws<ArgumentException>(() => new Disk(0, 0, 1) & new Disk(3, 0, 1)).Message);
        Assert.Throws<ArgumentNullException>(() => new Union(new Disk(0, 0, 1), null!));
        // A sliver of height 1e-6: rejection sampling gives up with a clear message.
        var sliver = new Rectangle(0, 0, 1, 1) - new Rectangle(-1, -1, 2, 1 - 1e-6);
        var error = Assert.Throws<InvalidOperationException>(() => sliver.SampleInterior(10, new PointSampler(SamplingMethod.Uniform, 7)));
        Assert.Contains("tiny fraction", error.Message);
    }

    private sealed class ToleranceComparer(double tolerance) : IEqualityComparer<double>
    {
        public bool Equals(double x, double y) => Math.Abs(x - y) <= tolerance;
        public int GetHashCode(double obj) => 0;
    }
}
