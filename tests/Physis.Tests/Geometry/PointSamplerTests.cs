namespace Physis.Tests.Geometry;

using Physis.Geometry;
using Xunit.Abstractions;

public class PointSamplerTests(ITestOutputHelper output)
{
    public static TheoryData<SamplingMethod> Methods => new(Enum.GetValues<SamplingMethod>());

    [Theory]
    [MemberData(nameof(Methods))]
    public void PointsLieInTheHalfOpenUnitCube(SamplingMethod method)
    {
        var sampler = new PointSampler(method, seed: 7);
        foreach (var (count, dimension) in new[] { (1000, 5), (333, 12), (1, 1), (0, 3) })
        {
            var points = sampler.UnitCube(count, dimension);
            Assert.Equal(count, points.GetLength(0));
            Assert.Equal(dimension, points.GetLength(1));
            foreach (var x in points)
                Assert.True(x is >= 0 and < 1, $"{method} gave {x}");
        }
    }

    [Theory]
    [MemberData(nameof(Methods))]
    public void EqualSeedsGiveEqualStreamsAndDifferentSeedsDifferentOnes(SamplingMethod method)
    {
        double[][,] Stream(int seed)
        {
            var sampler = new PointSampler(method, seed);
            return [sampler.UnitCube(64, 3), sampler.UnitCube(64, 3), sampler.UnitCube(10, 7)];
        }
        var first = Stream(42);
        var again = Stream(42);
        var other = Stream(43);
        for (var call = 0; call < first.Length; call++)
        {
            Assert.Equal(first[call], again[call]);
            Assert.NotEqual(first[call], other[call]);
        }
        Assert.NotEqual(first[0], first[1]); // successive calls continue the stream
    }

    [Fact]
    public void LatinHypercubePutsOnePointInEachStratumOfEveryCoordinate()
    {
        const int count = 97, dimension = 6;
        var points = new PointSampler(SamplingMethod.LatinHypercube, seed: 3).UnitCube(count, dimension);
        for (var k = 0; k < dimension; k++)
        {
            var strata = GeometryAssert.Column(points, k).Select(x => (int)Math.Floor(x * count)).Order();
            Assert.Equal(Enumerable.Range(0, count), strata);
        }
    }

    [Fact]
    public void SobolShiftedPointsDifferFromTheJoeKuoSequenceByOneDigitalShift()
    {
        // x_i XOR x_0 removes the shift. Unshifted dimension 1 is van der Corput in Gray-code order; dimensions
        // 2 and 3 follow from the Joe-Kuo initial numbers (m = 1) and (m = 1, 3; polynomial x^2 + x + 1).
        double[][] expected =
        [
            [0, 0.5, 0.75, 0.25, 0.375, 0.875, 0.625, 0.125],
            [0, 0.5, 0.25, 0.75, 0.375, 0.875, 0.125, 0.625],
            [0, 0.5, 0.25, 0.75, 0.625, 0.125, 0.875, 0.375],
        ];
        var points = new PointSampler(SamplingMethod.Sobol, seed: 11).UnitCube(8, 3);
        for (var k = 0; k < 3; k++)
            for (var i = 0; i < 8; i++)
            {
                var unshifted = (Bits(points[i, k]) ^ Bits(points[0, k])) / 4294967296.0;
                Assert.Equal(expected[k][i], unshifted);
            }

        static uint Bits(double x) => (uint)(x * 4294967296.0);
    }

    [Fact]
    public void SobolFirstTwoDimensionsFormANetWithQualityZero()
    {
        // The first 2^m points of Sobol dimensions 1 and 2 put exactly one point in every dyadic box of area 2^-m.
        const int m = 8, count = 1 << m;
        var points = new PointSampler(SamplingMethod.Sobol, seed: 5).UnitCube(count, 2);
        for (var a = 0; a <= m; a++)
        {
            var cells = new int[1 << a, 1 << (m - a)];
            for (var i = 0; i < count; i++)
                cells[(int)(points[i, 0] * (1 << a)), (int)(points[i, 1] * (1 << (m - a)))]++;
            Assert.All(cells.Cast<int>(), c => Assert.Equal(1, c));
        }
    }

    [Fact]
    public void EverySobolDimensionIsStratifiedInOneDimension()
    {
        // Holds only if every direction number is odd and the recurrence is right.
        const int count = 1024;
        var sampler = new PointSampler(SamplingMethod.Sobol, seed: 9);
        var points = sampler.UnitCube(count, PointSampler.MaxSobolDimension);
        for (var k = 0; k < PointSampler.MaxSobolDimension; k++)
            Assert.Equal(Enumerable.Range(0, count), GeometryAssert.Column(points, k).Select(x => (int)(x * count)).Order());
        // The next 1024 points are a net as well: successive calls continue the sequence.
        var next = sampler.UnitCube(count, 1);
        Assert.Equal(Enumerable.Range(0, count), GeometryAssert.Column(next, 0).Select(x => (int)(x * count)).Order());
    }

    [Fact]
    public void HaltonShiftedPointsDifferFromRadicalInversesByOneShift()
    {
        var points = new PointSampler(SamplingMethod.Halton, seed: 2).UnitCube(4, 2);
        double[][] expected = [[0, 0.5, 0.25, 0.75], [0, 1.0 / 3, 2.0 / 3, 1.0 / 9]];
        for (var k = 0; k < 2; k++)
            for (var i = 0; i < 4; i++)
            {
                var difference = points[i, k] - points[0, k];
                Assert.Equal(expected[k][i], difference < 0 ? difference + 1 : difference, 12);
            }
    }

    [Fact]
    public void HammersleyFirstCoordinateIsEquallySpaced()
    {
        const int count = 50;
        var points = new PointSampler(SamplingMethod.Hammersley, seed: 4).UnitCube(count, 3);
        var sorted = GeometryAssert.Column(points, 0).Order().ToArray();
        for (var i = 1; i < count; i++)
            Assert.Equal(1.0 / count, sorted[i] - sorted[i - 1], 12);
    }

    [Fact]
    public void LowDiscrepancyPointsIntegrateASmoothFunctionFarMoreAccurately()
    {
        // Integral of x1^2 x2^2 x3^2 x4^2 over [0,1]^4 is (1/3)^4. Root-mean-square error over 8 seeds.
        const int count = 4096, seeds = 8;
        var exact = Math.Pow(1.0 / 3, 4);
        double RmsError(SamplingMethod method)
        {
            var sum = 0.0;
            for (var seed = 0; seed < seeds; seed++)
            {
                var points = new PointSampler(method, seed).UnitCube(count, 4);
                var integral = 0.0;
                for (var i = 0; i < count; i++)
                {
                    var f = 1.0;
                    for (var k = 0; k < 4; k++)
                        f *= points[i, k] * points[i, k];
                    integral += f / count;
                }
                sum += (integral - exact) * (integral - exact);
            }
            return Math.Sqrt(sum / seeds);
        }
        var errors = Enum.GetValues<SamplingMethod>().ToDictionary(m => m, RmsError);
        var uniform = errors[SamplingMethod.Uniform];
        foreach (var (method, error) in errors)
            output.WriteLine($"{method,-15} RMS error {error:E2}, {uniform / error:F1} times below uniform");
        // Monte Carlo error is sigma / sqrt(n) with sigma^2 = (1/5)^4 - (1/3)^8; the RMS of 8 errors lies within
        // [0.3, 1.8] times that except with probability below 0.1 % (chi distribution with 8 degrees of freedom).
        var sigma = Math.Sqrt(Math.Pow(0.2, 4) - Math.Pow(1.0 / 3, 8));
        Assert.InRange(uniform, 0.3 * sigma / 64, 1.8 * sigma / 64);
        Assert.True(errors[SamplingMethod.Sobol] < uniform / 10);
        // Radical inverses in bases 3, 5 and 7 gain less at this size: 4096 is a power of 2 only, so their digit
        // blocks are incomplete (measured: Halton 3 times, Hammersley 4 times below uniform; unshifted Halton does no better).
        Assert.True(errors[SamplingMethod.Halton] < uniform / 2);
        Assert.True(errors[SamplingMethod.Hammersley] < uniform / 2);
    }

    [Fact]
    public void BadArgumentsAreRejected()
    {
        var sobol = new PointSampler(SamplingMethod.Sobol, 1);
        var tooMany = Assert.Throws<ArgumentException>(() => sobol.UnitCube(4, PointSampler.MaxSobolDimension + 1));
        Assert.Contains("Halton", tooMany.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => sobol.UnitCube(-1, 2));
        Assert.Throws<ArgumentOutOfRangeException>(() => sobol.UnitCube(4, 0));
        Assert.Throws<ArgumentException>(() => new PointSampler((SamplingMethod)99, 1));
    }
}
