using Physis.Differentiation;
using Physis.Geometry;
using Physis.Problems.HighDimensional;
using static TorchSharp.torch;

namespace Physis.Tests.Problems;

public class BallSolutionTests
{
    public static TheoryData<string, int> Cases => new()
    {
        { "two-body", 5 }, { "two-body", 50 }, { "three-body", 5 }, { "three-body", 50 },
    };

    private static BallSolution Create(string kind, int dimension) => kind == "two-body"
        ? TwoBodySolution.Random(dimension, seed: dimension)
        : ThreeBodySolution.Random(dimension, seed: dimension);

    [Theory]
    [MemberData(nameof(Cases))]
    public void AnalyticLaplacianEqualsTheAutogradLaplacian(string kind, int dimension)
    {
        using var scope = NewDisposeScope();
        var solution = Create(kind, dimension);
        // Points spread over the ball, scaled up so that the three-body products x_i x_{i+1} x_{i+2} are not negligible.
        var points = new Ball(new double[dimension], Math.Sqrt(dimension) * 0.5)
            .SampleInterior(6, new PointSampler(SamplingMethod.Uniform, seed: 1));
        var x = tensor(points.Cast<double>().ToArray(), [6, dimension], ScalarType.Float64);
        var exact = new LaplacianEstimator(new LaplacianEstimatorOptions(LaplacianEstimatorKind.Exact))
            .Estimate(solution.Evaluate, x).data<double>().ToArray();
        var values = solution.Evaluate(x).data<double>().ToArray();
        for (var r = 0; r < 6; r++)
        {
            var row = Enumerable.Range(0, dimension).Select(k => points[r, k]).ToArray();
            var laplacian = solution.Laplacian(row);
            Assert.Equal(exact[r], laplacian, 1e-11 * (1 + Math.Abs(exact[r])));
            Assert.Equal(values[r], solution.Value(row), 1e-12 * (1 + Math.Abs(values[r])));
            Assert.True(Math.Abs(laplacian) > 1e-3, "the comparison would be vacuous for a Laplacian near zero");
        }
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void TensorSourcesEqualThePointwiseOnes(string kind, int dimension)
    {
        using var scope = NewDisposeScope();
        var solution = Create(kind, dimension);
        var points = new Ball(new double[dimension], Math.Sqrt(dimension) * 0.5)
            .SampleInterior(6, new PointSampler(SamplingMethod.Uniform, seed: 3));
        var x = tensor(points.Cast<double>().ToArray(), [6, dimension], ScalarType.Float64);
        foreach (var equation in Enum.GetValues<BallEquation>())
        {
            var sources = solution.Source(equation, x).data<double>().ToArray();
            for (var r = 0; r < 6; r++)
            {
                var expected = solution.Source(equation, Enumerable.Range(0, dimension).Select(k => points[r, k]).ToArray());
                Assert.Equal(expected, sources[r], 1e-11 * (1 + Math.Abs(expected)));
            }
        }
    }

    [Fact]
    public void HandComputedValues()
    {
        // Two-body in d = 2 with c = 1 at the origin: theta = 0 + cos 0 + 0 = 1, so u = sin 1.
        Assert.Equal(Math.Sin(1), new TwoBodySolution([1]).Value([0, 0]), 15);
        // Three-body in d = 3 with c = 2 at (1/2, 1/2, 1/2): u = (1 - 3/4) 2 exp(1/8).
        Assert.Equal(0.5 * Math.Exp(0.125), new ThreeBodySolution([2]).Value([0.5, 0.5, 0.5]), 15);
        // At the origin of R^4 every exp(x_i x_{i+1} x_{i+2}) is 1 with zero first and second derivatives, so S = 2 - 1,
        // grad S = 0, Delta S = 0 and Delta u = -2 d S = -8.
        Assert.Equal(-8, new ThreeBodySolution([2, -1]).Laplacian([0, 0, 0, 0]), 14);
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void SolutionsVanishOnTheSphere(string kind, int dimension)
    {
        var solution = Create(kind, dimension);
        var sphere = solution.Domain.SampleBoundary(5, new PointSampler(SamplingMethod.Uniform, seed: 2));
        for (var r = 0; r < 5; r++)
            Assert.Equal(0, solution.Value(Enumerable.Range(0, dimension).Select(k => sphere.Points[r, k]).ToArray()), 1e-12);
    }

    [Fact]
    public void SourcesApplyEachOperatorToTheSolution()
    {
        var solution = TwoBodySolution.Random(6, seed: 3);
        double[] x = [0.1, -0.2, 0.3, 0.05, -0.4, 0.2];
        double u = solution.Value(x), laplacian = solution.Laplacian(x);
        Assert.Equal(laplacian, solution.Source(BallEquation.Poisson, x));
        Assert.Equal(laplacian + u - u * u * u, solution.Source(BallEquation.AllenCahn, x), 14);
        Assert.Equal(laplacian + Math.Sin(u), solution.Source(BallEquation.SineGordon, x), 14);
        Assert.Throws<ArgumentException>(() => solution.Source((BallEquation)7, x));
    }

    [Fact]
    public void RandomCoefficientsAreStandardNormalAndSeeded()
    {
        // The sample mean of N standard normals is within 5 / sqrt(N) of 0 and the sample variance within 5 sqrt(2 / N) of 1.
        const int count = 20_000;
        var c = TwoBodySolution.Random(count + 1, seed: 4).Coefficients;
        var mean = c.Average();
        var variance = c.Sum(v => (v - mean) * (v - mean)) / (count - 1);
        Assert.InRange(mean, -5 / Math.Sqrt(count), 5 / Math.Sqrt(count));
        Assert.InRange(variance, 1 - 5 * Math.Sqrt(2.0 / count), 1 + 5 * Math.Sqrt(2.0 / count));
        Assert.Equal(c, TwoBodySolution.Random(count + 1, seed: 4).Coefficients);
        Assert.NotEqual(c, TwoBodySolution.Random(count + 1, seed: 5).Coefficients);
    }

    [Fact]
    public void InvalidInputsAreRejected()
    {
        Assert.Throws<ArgumentException>(() => TwoBodySolution.Random(1, 0));
        Assert.Throws<ArgumentException>(() => ThreeBodySolution.Random(2, 0));
        Assert.Throws<ArgumentException>(() => new TwoBodySolution([]));
        Assert.Throws<ArgumentException>(() => new ThreeBodySolution([]));
        Assert.Throws<ArgumentException>(() => new TwoBodySolution([1, 2]).Value([0, 0]));
        using var scope = NewDisposeScope();
        Assert.Throws<ArgumentException>(() => new TwoBodySolution([1, 2]).Evaluate(zeros([2, 4], ScalarType.Float64)));
    }
}
