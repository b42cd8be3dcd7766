using Physis.Differentiation;
using static TorchSharp.torch;

namespace Physis.Tests.Differentiation;

public class LaplacianEstimatorTests
{
    private static Tensor RandomPoints(int n, int d, ulong seed) =>
        randn([n, d], ScalarType.Float64, generator: new Generator(seed)) * 0.7;

    /// <summary>A two-hidden-layer tanh MLP R^d -> R with float64 parameters, so its Hessian is dense.</summary>
    private sealed class TanhMlp
    {
        public TanhMlp(int d, int width, ulong seed)
        {
            var g = new Generator(seed);
            Parameters =
            [
                (randn([d, width], ScalarType.Float64, generator: g) / Math.Sqrt(d)).requires_grad_(true),
                (randn([width], ScalarType.Float64, generator: g) * 0.5).requires_grad_(true),
                (randn([width, width], ScalarType.Float64, generator: g) / Math.Sqrt(width)).requires_grad_(true),
                (randn([width], ScalarType.Float64, generator: g) * 0.5).requires_grad_(true),
                (randn([width, 1], ScalarType.Float64, generator: g) / Math.Sqrt(width)).requires_grad_(true),
            ];
        }

        public Tensor[] Parameters { get; }

        public Tensor Forward(Tensor x)
        {
            var h = (x.matmul(Parameters[0]) + Parameters[1]).tanh();
            h = (h.matmul(Parameters[2]) + Parameters[3]).tanh();
            return h.matmul(Parameters[4]);
        }
    }

    private static double[] Values(Tensor t) => t.detach().to(ScalarType.Float64).data<double>().ToArray();

    private static Tensor Exact(Func<Tensor, Tensor> u, Tensor x) =>
        new LaplacianEstimator(new LaplacianEstimatorOptions(LaplacianEstimatorKind.Exact)).Estimate(u, x);

    [Fact]
    public void ExactMatchesTheAnalyticLaplacian()
    {
        using var scope = NewDisposeScope();
        // u = sum_i sin(x_i x_{i+1}) has Laplacian -sum_i (x_i^2 + x_{i+1}^2) sin(x_i x_{i+1}).
        const int d = 7;
        var x = RandomPoints(5, d, 1);
        Func<Tensor, Tensor> u = p => (p[.., ..(d - 1)] * p[.., 1..]).sin().sum(1);
        var points = x.data<double>().ToArray();
        var laplacian = Values(Exact(u, x));
        for (var r = 0; r < 5; r++)
        {
            var expected = 0.0;
            for (var i = 0; i + 1 < d; i++)
            {
                double a = points[r * d + i], b = points[r * d + i + 1];
                expected -= (a * a + b * b) * Math.Sin(a * b);
            }
            Assert.Equal(expected, laplacian[r], 1e-10);
        }
    }

    [Theory]
    [InlineData(LaplacianEstimatorKind.Sdgd)]
    [InlineData(LaplacianEstimatorKind.StdeSparse)]
    public void AllCoordinatesGiveTheExactLaplacian(LaplacianEstimatorKind kind)
    {
        using var scope = NewDisposeScope();
        const int d = 9;
        var mlp = new TanhMlp(d, 12, 2);
        var x = RandomPoints(6, d, 3);
        var exact = Values(Exact(mlp.Forward, x));
        var all = Values(new LaplacianEstimator(new LaplacianEstimatorOptions(kind, Directions: d, Seed: 4)).Estimate(mlp.Forward, x));
        for (var r = 0; r < exact.Length; r++)
            Assert.Equal(exact[r], all[r], 1e-12 * (1 + Math.Abs(exact[r])));
    }

    [Theory]
    [InlineData(LaplacianEstimatorKind.Hutchinson)]
    [InlineData(LaplacianEstimatorKind.StdeDense)]
    public void RademacherProbesAreExactForADiagonalHessian(LaplacianEstimatorKind kind)
    {
        // v^T H v = sum_i H_ii v_i^2 = trace H when H is diagonal and v_i = +-1: a single probe has no error.
        using var scope = NewDisposeScope();
        const int d = 6;
        Func<Tensor, Tensor> u = p => (p.sin() * p.square()).sum(1);
        var x = RandomPoints(4, d, 5);
        var exact = Values(Exact(u, x));
        var probe = Values(new LaplacianEstimator(new LaplacianEstimatorOptions(kind, Directions: 1, Seed: 6)).Estimate(u, x));
        for (var r = 0; r < exact.Length; r++)
            Assert.Equal(exact[r], probe[r], 1e-12);
    }

    [Theory]
    [InlineData(LaplacianEstimatorKind.Sdgd, 3, ProbeDistribution.Rademacher)]
    [InlineData(LaplacianEstimatorKind.StdeSparse, 2, ProbeDistribution.Rademacher)]
    [InlineData(LaplacianEstimatorKind.Hutchinson, 2, ProbeDistribution.Rademacher)]
    [InlineData(LaplacianEstimatorKind.Hutchinson, 3, ProbeDistribution.Gaussian)]
    [InlineData(LaplacianEstimatorKind.StdeDense, 2, ProbeDistribution.Rademacher)]
    [InlineData(LaplacianEstimatorKind.StdeDense, 1, ProbeDistribution.Gaussian)]
    public void StochasticEstimatorsAreUnbiased(LaplacianEstimatorKind kind, int directions, ProbeDistribution probe)
    {
        // The mean of R independent calls is within 5 standard errors s / sqrt(R) of the exact Laplacian, s being the
        // sample standard deviation of the calls; the estimator's variance differs from 0, so the bound is not vacuous.
        using var scope = NewDisposeScope();
        const int d = 8, draws = 400;
        var mlp = new TanhMlp(d, 10, 7);
        var x = RandomPoints(3, d, 8);
        var exact = Values(Exact(mlp.Forward, x));
        var estimator = new LaplacianEstimator(new LaplacianEstimatorOptions(kind, directions, probe, Seed: 9));
        var samples = Enumerable.Range(0, draws).Select(_ =>
        {
            using var inner = NewDisposeScope();
            return Values(estimator.Estimate(mlp.Forward, x));
        }).ToArray();
        for (var r = 0; r < exact.Length; r++)
        {
            var column = samples.Select(s => s[r]).ToArray();
            var mean = column.Average();
            var deviation = Math.Sqrt(column.Sum(v => (v - mean) * (v - mean)) / (draws - 1));
            Assert.True(deviation > 1e-6 * (1 + Math.Abs(exact[r])), $"point {r}: the estimates do not vary ({deviation})");
            Assert.True(Math.Abs(mean - exact[r]) <= 5 * deviation / Math.Sqrt(draws),
                $"point {r}: mean {mean}, exact {exact[r]}, standard error {deviation / Math.Sqrt(draws)}");
        }
    }

    [Theory]
    [InlineData(LaplacianEstimatorKind.Exact)]
    [InlineData(LaplacianEstimatorKind.Sdgd)]
    [InlineData(LaplacianEstimatorKind.Hutchinson)]
    [InlineData(LaplacianEstimatorKind.StdeSparse)]
    [InlineData(LaplacianEstimatorKind.StdeDense)]
    public void ParameterGradientsFlowThroughTheEstimate(LaplacianEstimatorKind kind)
    {
        // With all coordinates, SDGD and sparse STDE are the exact Laplacian, so their parameter gradients must agree
        // with the exact one; the probe estimators must at least give finite, non-zero gradients to every parameter.
        using var scope = NewDisposeScope();
        const int d = 5;
        var mlp = new TanhMlp(d, 8, 10);
        var x = RandomPoints(4, d, 11);
        var exactGradients = Gradients(mlp, Exact(mlp.Forward, x));
        var directions = kind is LaplacianEstimatorKind.Sdgd or LaplacianEstimatorKind.StdeSparse ? d : 3;
        var estimate = new LaplacianEstimator(new LaplacianEstimatorOptions(kind, directions, Seed: 12)).Estimate(mlp.Forward, x);
        var gradients = Gradients(mlp, estimate);
        for (var p = 0; p < gradients.Length; p++)
        {
            Assert.All(gradients[p], g => Assert.True(double.IsFinite(g)));
            Assert.Contains(gradients[p], g => g != 0);
            if (kind is not (LaplacianEstimatorKind.Hutchinson or LaplacianEstimatorKind.StdeDense))
                for (var i = 0; i < gradients[p].Length; i++)
                    Assert.Equal(exactGradients[p][i], gradients[p][i], 1e-10);
        }
    }

    [Fact]
    public void TheSameSeedRepeatsAndTheNextCallDrawsAgain()
    {
        using var scope = NewDisposeScope();
        const int d = 6;
        var mlp = new TanhMlp(d, 8, 13);
        var x = RandomPoints(3, d, 14);
        var options = new LaplacianEstimatorOptions(LaplacianEstimatorKind.Hutchinson, 2, ProbeDistribution.Gaussian, Seed: 15);
        var a = new LaplacianEstimator(options);
        var b = new LaplacianEstimator(options);
        var first = Values(a.Estimate(mlp.Forward, x));
        Assert.Equal(first, Values(b.Estimate(mlp.Forward, x)));
        Assert.NotEqual(first, Values(a.Estimate(mlp.Forward, x)));
    }

    [Fact]
    public void InvalidSettingsAreRejected()
    {
        using var scope = NewDisposeScope();
        var x = RandomPoints(2, 3, 16);
        Func<Tensor, Tensor> u = p => p.square().sum(1);
        Assert.Throws<ArgumentException>(() => new LaplacianEstimator(new LaplacianEstimatorOptions(LaplacianEstimatorKind.Sdgd, 0)));
        Assert.Throws<ArgumentException>(() => new LaplacianEstimator(new LaplacianEstimatorOptions((LaplacianEstimatorKind)99)));
        Assert.Throws<ArgumentException>(() => new LaplacianEstimator(new LaplacianEstimatorOptions(LaplacianEstimatorKind.Sdgd, 4)).Estimate(u, x));
        Assert.Throws<ArgumentException>(() => Exact(p => p.square(), x));
        Assert.Throws<ArgumentException>(() => Exact(u, x[0]));
    }

    [Fact]
    public void FunctionsWithoutCurvatureHaveLaplacianZero()
    {
        using var scope = NewDisposeScope();
        var x = RandomPoints(3, 4, 17);
        Func<Tensor, Tensor> linear = p => p.sum(1) * 2;
        foreach (var kind in Enum.GetValues<LaplacianEstimatorKind>())
            Assert.All(Values(new LaplacianEstimator(new LaplacianEstimatorOptions(kind, 2)).Estimate(linear, x)), v => Assert.Equal(0.0, v));
    }

    private static double[][] Gradients(TanhMlp mlp, Tensor estimate)
    {
        var gradients = autograd.grad([estimate.square().sum()], mlp.Parameters, retain_graph: false);
        return gradients.Select(Values).ToArray();
    }
}
