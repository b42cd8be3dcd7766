namespace Physis.Tests.Geometry;

using Physis.Geometry;

public class SpaceTimeTests
{
    public static TheoryData<SamplingMethod> Methods => new(Enum.GetValues<SamplingMethod>());

    [Theory]
    [MemberData(nameof(Methods))]
    public void IntervalTimesTimeSamplesInteriorInitialAndSpatialBoundary(SamplingMethod method)
    {
        var domain = new Interval(-1, 1).WithTime(0, 0.5);
        Assert.Equal(2, domain.Dimension);
        Assert.Equal([-1.0, 0], domain.Bounds.Min);
        Assert.Equal([1.0, 0.5], domain.Bounds.Max);
        var sampler = new PointSampler(method, seed: 1);
        GeometryAssert.InteriorSamples(domain, domain.SampleInterior(300, sampler), 300);

        var initial = domain.SampleInitial(100, sampler);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(0.0, initial[i, 1]);
            Assert.True(domain.OnInitial(GeometryAssert.Row(initial, i)));
            Assert.InRange(initial[i, 0], -1, 1);
        }

        var boundary = domain.SampleSpatialBoundary(200, sampler);
        GeometryAssert.BoundarySamples(domain, boundary, 200);
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(0.0, boundary.Normals[i, 1]);
            Assert.Equal(boundary.Points[i, 0], boundary.Normals[i, 0]); // x = -1 has normal -1, x = 1 has +1
            Assert.InRange(boundary.Points[i, 1], 0, 0.5);
        }
    }

    [Fact]
    public void SpaceAndTimeAreNotCorrelated()
    {
        // Both end points must see the whole time interval, and interior points must fill space-time evenly.
        var domain = new Interval(0, 1).WithTime(0, 1);
        var sampler = new PointSampler(SamplingMethod.Sobol, seed: 2);
        var boundary = domain.SampleBoundary(512, sampler);
        foreach (var end in new[] { 0.0, 1.0 })
        {
            var times = Enumerable.Range(0, 512).Where(i => boundary.Points[i, 0] == end).Select(i => boundary.Points[i, 1]).ToArray();
            Assert.InRange(times.Length, 240, 272);
            Assert.Equal(0.5, times.Average(), 1);
            Assert.True(times.Min() < 0.05 && times.Max() > 0.95);
        }

        var interior = domain.SampleInterior(1024, sampler);
        var cells = new int[4, 4];
        for (var i = 0; i < 1024; i++)
            cells[(int)(interior[i, 0] * 4), (int)(interior[i, 1] * 4)]++;
        Assert.All(cells.Cast<int>(), c => Assert.InRange(c, 56, 72));
    }

    [Fact]
    public void DiskTimesTimeHasSpatialNormalsAndMeasure()
    {
        var domain = new SpaceTime(new Disk(0, 0, 1), 1, 3);
        Assert.Equal(3, domain.Dimension);
        Assert.Equal(4 * Math.PI, domain.BoundaryMeasure, 12);
        var sample = domain.SampleSpatialBoundary(200, new PointSampler(SamplingMethod.Halton, seed: 3));
        GeometryAssert.BoundarySamples(domain, sample, 200);
        Assert.Equal([0.6, 0.8, 0], domain.Normal([0.6, 0.8, 2]));
        Assert.False(domain.Contains([0, 0, 3.5]));
        Assert.False(domain.OnBoundary([0, 0, 2]));
        Assert.False(domain.OnInitial([0, 0, 2]));
    }

    [Fact]
    public void CombinedSpaceTimesTimeSamplesTheCombinedBoundary()
    {
        var domain = (new Rectangle(-1, -1, 1, 1) - new Disk(0, 0, 0.5)).WithTime(0, 2);
        var sampler = new PointSampler(SamplingMethod.Sobol, seed: 4);
        GeometryAssert.InteriorSamples(domain, domain.SampleInterior(300, sampler), 300);
        var boundary = domain.SampleSpatialBoundary(300, sampler);
        GeometryAssert.BoundarySamples(domain, boundary, 300);
        Assert.All(GeometryAssert.Column(boundary.Normals, 2), c => Assert.Equal(0.0, c));
        Assert.All(GeometryAssert.Column(domain.SampleInitial(50, sampler), 2), t => Assert.Equal(0.0, t));
    }

    [Fact]
    public void BadTimeIntervalsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => new Interval(0, 1).WithTime(1, 1));
        Assert.Throws<ArgumentException>(() => new Interval(0, 1).WithTime(2, 1));
        Assert.Throws<ArgumentException>(() => new Interval(0, 1).WithTime(0, double.NaN));
        Assert.Throws<ArgumentNullException>(() => new SpaceTime(null!, 0, 1));
    }
}
