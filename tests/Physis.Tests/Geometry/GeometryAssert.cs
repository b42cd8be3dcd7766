namespace Physis.Tests.Geometry;

using Physis.Geometry;

/// <summary>Checks shared by every geometry's sampling tests.</summary>
internal static class GeometryAssert
{
    public static void InteriorSamples(Geometry geometry, double[,] points, int count)
    {
        Assert.Equal(count, points.GetLength(0));
        Assert.Equal(geometry.Dimension, points.GetLength(1));
        for (var i = 0; i < count; i++)
        {
            var p = Row(points, i);
            Assert.True(geometry.Contains(p), $"interior sample {i} ({string.Join(", ", p)}) is not inside");
            Assert.True(geometry.Bounds.Contains(p), $"interior sample {i} ({string.Join(", ", p)}) is outside the bounds");
        }
    }

    /// <summary>
    /// Boundary points are on the boundary, normals have unit length, agree with <see cref="Geometry.Normal"/>
    /// and point outward: a small step along the normal leaves the region, a step against it enters.
    /// </summary>
    public static void BoundarySamples(Geometry geometry, BoundarySample sample, int count)
    {
        Assert.Equal(count, sample.Count);
        Assert.Equal(geometry.Dimension, sample.Points.GetLength(1));
        Assert.Equal(geometry.Dimension, sample.Normals.GetLength(1));
        var extent = Enumerable.Range(0, geometry.Dimension).Max(k => geometry.Bounds.Max[k] - geometry.Bounds.Min[k]);
        var step = 1e-6 * extent;
        for (var i = 0; i < count; i++)
        {
            var p = Row(sample.Points, i);
            var n = Row(sample.Normals, i);
            var where = $"boundary sample {i} ({string.Join(", ", p)}) with normal ({string.Join(", ", n)})";
            Assert.True(geometry.OnBoundary(p), $"{where} is not on the boundary");
            Assert.Equal(1.0, Math.Sqrt(n.Sum(c => c * c)), 1e-12);
            var normal = geometry.Normal(p);
            for (var k = 0; k < n.Length; k++)
                Assert.Equal(n[k], normal[k], 1e-12);
            Assert.False(geometry.Contains(p.Zip(n, (x, c) => x + step * c).ToArray()), $"{where}: a step along the normal stays inside");
            Assert.True(geometry.ContainsStrictly(p.Zip(n, (x, c) => x - step * c).ToArray()), $"{where}: a step against the normal is not inside");
        }
    }

    public static double[] Row(double[,] points, int i) =>
        Enumerable.Range(0, points.GetLength(1)).Select(k => points[i, k]).ToArray();

    public static double[] Column(double[,] points, int k) =>
        Enumerable.Range(0, points.GetLength(0)).Select(i => points[i, k]).ToArray();
}
