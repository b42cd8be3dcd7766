namespace Physis.Tests.Geometry;

using Physis.Geometry;

public class BoxGeometryTests
{
    public static TheoryData<SamplingMethod> Methods => new(Enum.GetValues<SamplingMethod>());

    [Theory]
    [MemberData(nameof(Methods))]
    public void IntervalSamplesItsInteriorAndAlternatesEndPoints(SamplingMethod method)
    {
        var interval = new Interval(-1, 2);
        var sampler = new PointSampler(method, seed: 1);
        GeometryAssert.InteriorSamples(interval, interval.SampleInterior(200, sampler), 200);

        var boundary = interval.SampleBoundary(5, sampler);
        GeometryAssert.BoundarySamples(interval, boundary, 5);
        Assert.Equal([-1.0, 2, -1, 2, -1], GeometryAssert.Column(boundary.Points, 0));
        Assert.Equal([-1.0, 1, -1, 1, -1], GeometryAssert.Column(boundary.Normals, 0));
    }

    [Fact]
    public void IntervalMembership()
    {
        var interval = new Interval(0, 1);
        Assert.True(interval.Contains([0.5]));
        Assert.True(interval.Contains([1.0]));
        Assert.False(interval.Contains([1.001]));
        Assert.True(interval.OnBoundary([0.0]));
        Assert.False(interval.OnBoundary([0.5]));
        Assert.Equal(2, interval.BoundaryMeasure);
        Assert.Equal([-1.0], interval.Normal([0.0]));
        Assert.Throws<ArgumentException>(() => interval.Normal([0.5]));
        Assert.Throws<ArgumentException>(() => interval.Contains([0.5, 0.5]));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void RectangleSamplesSatisfyMembershipAndOutwardNormals(SamplingMethod method)
    {
        var rectangle = new Rectangle(-1, 0, 3, 1);
        var sampler = new PointSampler(method, seed: 2);
        GeometryAssert.InteriorSamples(rectangle, rectangle.SampleInterior(500, sampler), 500);
        GeometryAssert.BoundarySamples(rectangle, rectangle.SampleBoundary(500, sampler), 500);
    }

    [Fact]
    public void RectangleBoundaryPointsAreSpreadInProportionToEdgeLength()
    {
        // Edges of length 4, 4, 1, 1: 40 %, 40 %, 10 %, 10 % of the points, and uniform along each edge.
        var rectangle = new Rectangle(-1, 0, 3, 1);
        const int count = 1000;
        var sample = rectangle.SampleBoundary(count, new PointSampler(SamplingMethod.Sobol, seed: 3));
        var bottom = Enumerable.Range(0, count).Where(i => sample.Normals[i, 1] == -1).ToArray();
        var left = Enumerable.Range(0, count).Count(i => sample.Normals[i, 0] == -1);
        Assert.InRange(bottom.Length, 395, 405);
        Assert.InRange(left, 95, 105);
        Assert.Equal(1.0, bottom.Average(i => sample.Points[i, 0]), 2); // mean of x over [-1, 3]
        Assert.Equal(10.0, rectangle.BoundaryMeasure);
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void BoxInFourDimensionsSamplesAllFacesWithOutwardNormals(SamplingMethod method)
    {
        var box = new Box([0, -1, 0, 2], [1, 1, 3, 2.5]);
        var sampler = new PointSampler(method, seed: 4);
        GeometryAssert.InteriorSamples(box, box.SampleInterior(400, sampler), 400);
        var sample = box.SampleBoundary(2000, sampler);
        GeometryAssert.BoundarySamples(box, sample, 2000);

        // Each face gets its share of the total face measure.
        double[] extent = [1, 2, 3, 0.5];
        var total = 2 * Enumerable.Range(0, 4).Sum(a => extent.Where((_, i) => i != a).Aggregate(1.0, (x, y) => x * y));
        Assert.Equal(total, box.BoundaryMeasure, 12);
        for (var axis = 0; axis < 4; axis++)
        {
            var share = extent.Where((_, i) => i != axis).Aggregate(1.0, (x, y) => x * y) / total;
            var onFace = Enumerable.Range(0, 2000).Count(i => sample.Normals[i, axis] == 1);
            Assert.InRange(onFace, 2000 * share - 4 * Math.Sqrt(2000 * share) - 2, 2000 * share + 4 * Math.Sqrt(2000 * share) + 2);
        }
    }

    [Fact]
    public void HypercubeHasTheRightBoundsAndVolume()
    {
        var cube = Box.Hypercube(3, -1, 1);
        Assert.Equal(3, cube.Dimension);
        Assert.Equal(8, cube.Volume);
        Assert.Equal(24, cube.BoundaryMeasure);
        Assert.Equal([-1.0, -1, -1], cube.Bounds.Min);
        Assert.Equal([0.0, 0, 1], cube.Normal([0.2, 0.3, 1]));
    }

    [Fact]
    public void BadBoxesAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new Interval(1, 1));
        Assert.Throws<ArgumentException>(() => new Interval(2, 1));
        Assert.Throws<ArgumentException>(() => new Interval(0, double.PositiveInfinity));
        Assert.Throws<ArgumentException>(() => new Rectangle(0, 1, 1, 0));
        Assert.Throws<ArgumentException>(() => new Box([0, 0], [1]));
        Assert.Throws<ArgumentException>(() => new Box([], []));
        Assert.Throws<ArgumentOutOfRangeException>(() => Box.Hypercube(0, 0, 1));
        var message = Assert.Throws<ArgumentException>(() => new Box([0, 0, 0], [1, 1, -1])).Message;
        Assert.Contains("coordinate 2", message);
    }
}
