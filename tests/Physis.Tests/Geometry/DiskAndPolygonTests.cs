namespace Physis.Tests.Geometry;

using Physis.Geometry;

public class DiskAndPolygonTests
{
    public static TheoryData<SamplingMethod> Methods => new(Enum.GetValues<SamplingMethod>());

    // L-shape: [0, 2]^2 without the square [1, 2] x [1, 2]; area 3, centroid (5/6, 5/6), perimeter 8.
    private static readonly (double X, double Y)[] LShape = [(0, 0), (2, 0), (2, 1), (1, 1), (1, 2), (0, 2)];

    [Theory]
    [MemberData(nameof(Methods))]
    public void DiskSamplesSatisfyMembershipAndRadialNormals(SamplingMethod method)
    {
        var disk = new Disk(1, -2, 0.5);
        var sampler = new PointSampler(method, seed: 1);
        GeometryAssert.InteriorSamples(disk, disk.SampleInterior(500, sampler), 500);
        var boundary = disk.SampleBoundary(300, sampler);
        GeometryAssert.BoundarySamples(disk, boundary, 300);
        for (var i = 0; i < 300; i++)
            Assert.Equal(0.5, double.Hypot(boundary.Points[i, 0] - 1, boundary.Points[i, 1] + 2), 12);
    }

    [Fact]
    public void DiskInteriorIsUniformInArea()
    {
        // For a uniform point in a disk of radius R, E[r^2] = R^2 / 2 and the mean is the centre.
        var disk = new Disk(0, 0, 2);
        var points = disk.SampleInterior(4096, new PointSampler(SamplingMethod.Sobol, seed: 2));
        var r2 = Enumerable.Range(0, 4096).Average(i => points[i, 0] * points[i, 0] + points[i, 1] * points[i, 1]);
        Assert.Equal(2.0, r2, 2);
        Assert.Equal(0.0, GeometryAssert.Column(points, 0).Average(), 2);
        Assert.Equal(0.0, GeometryAssert.Column(points, 1).Average(), 2);
    }

    [Fact]
    public void DiskMembershipAndErrors()
    {
        var disk = new Disk(0, 0, 1);
        Assert.True(disk.Contains([0.6, 0.8]));
        Assert.True(disk.OnBoundary([0.6, 0.8]));
        Assert.False(disk.Contains([0.8, 0.8]));
        Assert.Equal([0.6, 0.8], disk.Normal([0.6, 0.8]));
        Assert.Equal(2 * Math.PI, disk.BoundaryMeasure, 12);
        Assert.Throws<ArgumentException>(() => new Disk(0, 0, -1));
        Assert.Throws<ArgumentException>(() => new Disk(0, 0, 0));
        Assert.Throws<ArgumentException>(() => new Disk(double.NaN, 0, 1));
    }

    [Fact]
    public void PolygonContainsTheLShapeAndNotItsNotch()
    {
        var shape = new Polygon(LShape);
        Assert.True(shape.Contains([0.5, 0.5]));
        Assert.True(shape.Contains([1.5, 0.5]));
        Assert.True(shape.Contains([0.5, 1.5]));
        Assert.False(shape.Contains([1.5, 1.5]));
        Assert.False(shape.Contains([2.5, 0.5]));
        Assert.False(shape.Contains([-0.1, 1]));
        Assert.True(shape.Contains([1, 1.5]));   // on the inner edge
        Assert.True(shape.OnBoundary([1.5, 1]));
        Assert.False(shape.OnBoundary([0.5, 0.5]));
        Assert.Equal(3, shape.Area, 12);
        Assert.Equal(8, shape.BoundaryMeasure, 12);
        Assert.Equal([0.0, 1], shape.Normal([1.5, 1]));  // the notch's floor faces up, away from the shape
        Assert.Equal([1.0, 0], shape.Normal([1, 1.5]));
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void PolygonSamplesInEitherOrientationHaveOutwardNormals(SamplingMethod method)
    {
        foreach (var vertices in new[] { LShape, LShape.Reverse().ToArray() })
        {
            var shape = new Polygon(vertices);
            var sampler = new PointSampler(method, seed: 3);
            GeometryAssert.InteriorSamples(shape, shape.SampleInterior(400, sampler), 400);
            GeometryAssert.BoundarySamples(shape, shape.SampleBoundary(400, sampler), 400);
        }
    }

    [Fact]
    public void PolygonInteriorIsUniformAndBoundaryUniformInArcLength()
    {
        var shape = new Polygon(LShape);
        var sampler = new PointSampler(SamplingMethod.Sobol, seed: 4);
        var points = shape.SampleInterior(4096, sampler);
        Assert.Equal(5.0 / 6, GeometryAssert.Column(points, 0).Average(), 2);
        Assert.Equal(5.0 / 6, GeometryAssert.Column(points, 1).Average(), 2);

        // The two unit edges of the notch hold 2/8 of the boundary points.
        var boundary = shape.SampleBoundary(1000, sampler);
        var onNotch = Enumerable.Range(0, 1000).Count(i =>
            (boundary.Points[i, 1] == 1 && boundary.Points[i, 0] > 1) || (boundary.Points[i, 0] == 1 && boundary.Points[i, 1] > 1));
        Assert.InRange(onNotch, 245, 255);
    }

    [Fact]
    public void BadPolygonsAreRejected()
    {
        Assert.Contains("at least 3", Assert.Throws<ArgumentException>(() => new Polygon((0, 0), (1, 0))).Message);
        Assert.Contains("self-intersecting", Assert.Throws<ArgumentException>(() => new Polygon((0, 0), (1, 1), (1, 0), (0, 1))).Message);
        Assert.Contains("coincide", Assert.Throws<ArgumentException>(() => new Polygon((0, 0), (1, 0), (1, 1), (0, 0))).Message);
        Assert.Contains("not simple", Assert.Throws<ArgumentException>(() => new Polygon((0, 0), (1, 0), (2, 0))).Message);
        Assert.Contains("fold back", Assert.Throws<ArgumentException>(() => new Polygon((0, 0), (2, 0), (1, 0), (1, 1))).Message);
        Assert.Throws<ArgumentException>(() => new Polygon((0, 0), (1, double.NaN), (0, 1)));
    }
}
