namespace Physis.Tests.Geometry;

using Physis.Geometry;

public class BallTests
{
    // Failure probability allowed for each statistical bound below.
    private const double Alpha = 1e-9;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(7)]
    [InlineData(1000)]
    public void RadiusDistributionIsTheVolumeFraction(int dimension)
    {
        // For a uniform point of the ball, P(r <= s) = (s / R)^d, so (r / R)^d is uniform on [0, 1]. The
        // Dvoretzky-Kiefer-Wolfowitz inequality P(sup |F_n - F| > eps) <= 2 exp(-2 n eps^2) gives the bound.
        const int count = 2000;
        var center = Enumerable.Range(0, dimension).Select(i => 0.1 * (i % 3)).ToArray();
        var ball = new Ball(center, 1.5);
        var points = ball.SampleInterior(count, new PointSampler(SamplingMethod.Uniform, seed: dimension));
        GeometryAssert.InteriorSamples(ball, points, count);
        var uniform = Enumerable.Range(0, count)
            .Select(i => Math.Pow(Distance(points, i, center) / 1.5, dimension)).Order().ToArray();
        var ks = Enumerable.Range(0, count).Max(i => Math.Max((i + 1.0) / count - uniform[i], uniform[i] - (double)i / count));
        Assert.True(ks <= Math.Sqrt(Math.Log(2 / Alpha) / (2 * count)), $"Kolmogorov-Smirnov distance {ks}");
    }

    [Theory]
    [InlineData(SamplingMethod.Uniform)]
    [InlineData(SamplingMethod.Halton)]
    public void DirectionsHaveMeanZero(SamplingMethod method)
    {
        // Each coordinate of a uniform point on the unit sphere of R^d has mean 0 and variance 1/d; the mean of n points is
        // within 6 standard errors 6 / sqrt(n d) by the central limit theorem (probability about 2e-9 per coordinate).
        const int dimension = 10, count = 4000;
        var sample = Ball.Unit(dimension).SampleBoundary(count, new PointSampler(method, seed: 3));
        for (var j = 0; j < dimension; j++)
            Assert.InRange(GeometryAssert.Column(sample.Points, j).Average(), -6 / Math.Sqrt(count * dimension), 6 / Math.Sqrt(count * dimension));
    }

    [Theory]
    [MemberData(nameof(DiskAndPolygonTests.Methods), MemberType = typeof(DiskAndPolygonTests))]
    public void SamplesAreInsideAndOnTheSphereWithRadialNormals(SamplingMethod method)
    {
        var ball = new Ball([1, -2, 0.5], 0.5);
        var sampler = new PointSampler(method, seed: 4);
        GeometryAssert.InteriorSamples(ball, ball.SampleInterior(300, sampler), 300);
        var boundary = ball.SampleBoundary(200, sampler);
        GeometryAssert.BoundarySamples(ball, boundary, 200);
        for (var i = 0; i < 200; i++)
            Assert.Equal(0.5, Distance(boundary.Points, i, [1, -2, 0.5]), 12);
    }

    [Fact]
    public void SamplesInOneHundredThousandDimensions()
    {
        // Twelve candidates of 100,002 unit coordinates are mapped on every core (the parallel fill); they must be the
        // same points on every call and lie in the ball.
        const int dimension = 100_000;
        var ball = Ball.Unit(dimension);
        var interior = ball.SampleInterior(12, new PointSampler(SamplingMethod.Uniform, seed: 5));
        GeometryAssert.InteriorSamples(ball, interior, 12);
        Assert.Equal(interior, ball.SampleInterior(12, new PointSampler(SamplingMethod.Uniform, seed: 5)));
        var boundary = ball.SampleBoundary(11, new PointSampler(SamplingMethod.Uniform, seed: 6));
        GeometryAssert.BoundarySamples(ball, boundary, 11);
        var origin = new double[dimension];
        for (var i = 0; i < 11; i++)
            Assert.Equal(1.0, Distance(boundary.Points, i, origin), 12);
        // Almost all of the volume of a high-dimensional ball is near its sphere: P(r < 0.999) = 0.999^d < 1e-43.
        for (var i = 0; i < 12; i++)
            Assert.InRange(Distance(interior, i, origin), 0.999, 1.0);
    }

    [Fact]
    public void SameSeedGivesTheSamePoints()
    {
        var ball = Ball.Unit(5);
        var a = ball.SampleInterior(50, new PointSampler(SamplingMethod.Uniform, seed: 6));
        var b = ball.SampleInterior(50, new PointSampler(SamplingMethod.Uniform, seed: 6));
        Assert.Equal(a, b);
    }

    [Fact]
    public void BoundaryMeasureIsTheSphereArea()
    {
        Assert.Equal(2, Ball.Unit(1).BoundaryMeasure, 12);
        Assert.Equal(2 * Math.PI * 3, new Ball([0, 0], 3).BoundaryMeasure, 12);
        Assert.Equal(4 * Math.PI * 4, new Ball([1, 1, 1], 2).BoundaryMeasure, 12);
        Assert.Equal(2 * Math.PI * Math.PI, Ball.Unit(4).BoundaryMeasure, 12); // the 3-sphere
    }

    [Fact]
    public void MembershipNormalsAndErrors()
    {
        var ball = new Ball([0, 0, 0, 0], 2);
        Assert.True(ball.Contains([1, 1, 1, 1]));
        Assert.True(ball.OnBoundary([1, 1, 1, 1]));
        Assert.False(ball.Contains([1, 1, 1, 1.01]));
        Assert.True(ball.ContainsStrictly([0.5, 0, 0, 0]));
        Assert.Equal([0.5, 0.5, 0.5, 0.5], ball.Normal([1, 1, 1, 1]));
        Assert.Throws<ArgumentException>(() => ball.Normal([0, 0, 0, 0]));
        Assert.Throws<ArgumentException>(() => ball.Contains([0, 0]));
        Assert.Throws<ArgumentException>(() => new Ball([0, 0], 0));
        Assert.Throws<ArgumentException>(() => new Ball([], 1));
        Assert.Throws<ArgumentException>(() => new Ball([double.NaN], 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => Ball.Unit(0));
    }

    [Fact]
    public void HypercubeBoundarySamplingScalesToOneHundredThousandDimensions()
    {
        // The face shares are set up in O(d), so this is quick; a face normal to axis i holds the points with x_i = +-1.
        var cube = Box.Hypercube(100_000, -1, 1);
        var sample = cube.SampleBoundary(3, new PointSampler(SamplingMethod.Uniform, seed: 7));
        for (var i = 0; i < 3; i++)
        {
            var row = GeometryAssert.Row(sample.Points, i);
            Assert.True(cube.OnBoundary(row));
            Assert.Equal(1, row.Count(x => Math.Abs(x) == 1));
        }
    }

    private static double Distance(double[,] points, int row, double[] center) =>
        Math.Sqrt(Enumerable.Range(0, center.Length).Sum(k => (points[row, k] - center[k]) * (points[row, k] - center[k])));
}
