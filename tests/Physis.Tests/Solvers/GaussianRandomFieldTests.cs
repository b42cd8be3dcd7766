using Physis.Solvers.RandomFields;
using Physis.Solvers.Spectral;
using Xunit.Abstractions;

namespace Physis.Tests.Solvers;

public class GaussianRandomFieldTests(ITestOutputHelper output)
{
    private static double Eigenvalue(double mu, double alpha, double tau, double sigma) =>
        sigma * sigma * Math.Pow(mu + tau * tau, -alpha);

    /// <summary>Ratio of the empirical pointwise variance, pooled over the given points, to its analytic value.</summary>
    private static double VarianceRatio(IReadOnlyList<double[]> samples, double[] analytic, IEnumerable<int> points)
    {
        double empirical = 0, expected = 0;
        foreach (int i in points)
        {
            empirical += samples.Average(s => s[i] * s[i]); // the mean is zero by construction
            expected += analytic[i];
        }
        return empirical / expected;
    }

    private static double[] Flatten(double[,] a) => a.Cast<double>().ToArray();

    [Fact]
    public void Periodic1DVarianceMatchesEigenvalueSumAndMeanIsZero()
    {
        // The FNO Burgers initial condition: N(0, 625 (-Lap + 25 I)^-2).
        const int n = 64, count = 10000;
        var field = new GaussianRandomField(1, n, alpha: 2, tau: 5, sigma: 25, BoundaryKind.Periodic);
        var rng = new Random(11);
        var samples = Enumerable.Range(0, count).Select(_ => field.Sample1D(rng)).ToList();
        double variance = 0;
        for (int k = 1; 2 * k < n; k++) variance += 2 * Eigenvalue(4 * Math.PI * Math.PI * k * k, 2, 5, 25);
        double ratio = VarianceRatio(samples, Enumerable.Repeat(variance, n).ToArray(), Enumerable.Range(0, n));
        output.WriteLine($"variance ratio {ratio:F4} (analytic {variance:F4})");
        Assert.InRange(ratio, 0.96, 1.04);
        Assert.All(samples, s => Assert.True(Math.Abs(s.Average()) < 1e-12 * Math.Sqrt(variance)));
    }

    [Fact]
    public void Periodic2DVarianceMatchesEigenvalueSumAndMeanIsZero()
    {
        const int n = 16, count = 4000;
        var field = new GaussianRandomField(2, n, alpha: 2, tau: 3, sigma: 10, BoundaryKind.Periodic);
        var rng = new Random(12);
        var samples = Enumerable.Range(0, count).Select(_ => Flatten(field.Sample2D(rng))).ToList();
        double variance = 0;
        for (int k1 = -n / 2 + 1; 2 * k1 < n; k1++)
            for (int k2 = -n / 2 + 1; 2 * k2 < n; k2++)
                if (k1 != 0 || k2 != 0)
                    variance += Eigenvalue(4 * Math.PI * Math.PI * (k1 * k1 + k2 * k2), 2, 3, 10);
        double ratio = VarianceRatio(samples, Enumerable.Repeat(variance, n * n).ToArray(), Enumerable.Range(0, n * n));
        output.WriteLine($"variance ratio {ratio:F4} (analytic {variance:F4})");
        Assert.InRange(ratio, 0.96, 1.04);
        Assert.All(samples, s => Assert.True(Math.Abs(s.Average()) < 1e-12 * Math.Sqrt(variance)));
    }

    [Fact]
    public void Neumann1DVarianceMatchesEigenfunctionSum()
    {
        // Var u(x) = sum_k lambda_k 2 cos^2(pi k x), twice as large at the ends as inside on average.
        const int n = 33, count = 40000;
        var field = new GaussianRandomField(1, n, alpha: 2, tau: 3, sigma: 1, BoundaryKind.Neumann);
        var x = field.Coordinates();
        Assert.Equal(1.0, x[^1]);
        var analytic = x.Select(xi =>
        {
            double sum = 0;
            for (int k = 1; k < n; k++) sum += Eigenvalue(Math.PI * Math.PI * k * k, 2, 3, 1) * 2 * Math.Pow(Math.Cos(Math.PI * k * xi), 2);
            return sum;
        }).ToArray();
        var rng = new Random(13);
        var samples = Enumerable.Range(0, count).Select(_ => field.Sample1D(rng)).ToList();
        double all = VarianceRatio(samples, analytic, Enumerable.Range(0, n));
        double ends = VarianceRatio(samples, analytic, [0, n - 1]);
        output.WriteLine($"variance ratio {all:F4} overall, {ends:F4} at the ends");
        Assert.InRange(all, 0.96, 1.04);
        Assert.InRange(ends, 0.95, 1.05);
    }

    [Fact]
    public void Neumann2DVarianceMatchesEigenfunctionSum()
    {
        // The FNO Darcy field: alpha = 2, tau = 3.
        const int n = 17, count = 8000;
        var field = new GaussianRandomField(2, n, alpha: 2, tau: 3, sigma: 3, BoundaryKind.Neumann);
        var x = field.Coordinates();
        var analytic = new double[n * n];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < n; j++)
                for (int k1 = 0; k1 < n; k1++)
                    for (int k2 = 0; k2 < n; k2++)
                    {
                        if (k1 + k2 == 0) continue;
                        double phi = (k1 == 0 ? 1 : Math.Sqrt(2)) * Math.Cos(Math.PI * k1 * x[i])
                                   * (k2 == 0 ? 1 : Math.Sqrt(2)) * Math.Cos(Math.PI * k2 * x[j]);
                        analytic[i * n + j] += Eigenvalue(Math.PI * Math.PI * (k1 * k1 + k2 * k2), 2, 3, 3) * phi * phi;
                    }
        var rng = new Random(14);
        var samples = Enumerable.Range(0, count).Select(_ => Flatten(field.Sample2D(rng))).ToList();
        double ratio = VarianceRatio(samples, analytic, Enumerable.Range(0, n * n));
        output.WriteLine($"variance ratio {ratio:F4}; analytic corner/centre {analytic[0] / analytic[n / 2 * n + n / 2]:F3}");
        Assert.InRange(ratio, 0.96, 1.04);
    }

    [Fact]
    public void SameSeedGivesSameSampleAndDifferentSeedsDiffer()
    {
        var field = new GaussianRandomField(2, 16, 2, 3, 1, BoundaryKind.Periodic);
        var a = field.Sample2D(new Random(5));
        var b = field.Sample2D(new Random(5));
        var c = field.Sample2D(new Random(6));
        Assert.Equal(Flatten(a), Flatten(b));
        Assert.NotEqual(Flatten(a), Flatten(c));
        var line = new GaussianRandomField(1, 32, 2, 5, 25, BoundaryKind.Neumann);
        Assert.Equal(line.Sample1D(new Random(9)), line.Sample1D(new Random(9)));
    }

    [Fact]
    public void ThresholdedDarcyCoefficientTakesOnlyTwoValues()
    {
        var field = new GaussianRandomField(2, 32, 2, 3, 3, BoundaryKind.Neumann);
        var sample = field.Sample2D(new Random(21));
        var a = GaussianRandomField.ThresholdedField(sample);
        Assert.Equal([3.0, 12.0], a.Cast<double>().Distinct().Order().ToArray());
        for (int i = 0; i < 32; i++)
            for (int j = 0; j < 32; j++)
                Assert.Equal(sample[i, j] >= 0 ? 12.0 : 3.0, a[i, j]);
    }

    [Fact]
    public void CosineSynthesisMatchesDirectSum()
    {
        foreach (int n in new[] { 2, 3, 9, 12 })
        {
            var rng = new Random(n);
            var a = Enumerable.Range(0, n).Select(_ => rng.NextDouble() - 0.5).ToArray();
            var u = new double[n];
            CosineTransform.Get(n).Synthesize(a, u);
            for (int i = 0; i < n; i++)
            {
                double sum = 0;
                for (int k = 0; k < n; k++) sum += a[k] * Math.Cos(Math.PI * k * i / (n - 1));
                Assert.Equal(sum, u[i], 1e-14);
            }
        }
    }

    [Fact]
    public void BadInputGetsClearErrors()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianRandomField(3, 16, 2, 3, 1, BoundaryKind.Periodic));
        Assert.Throws<ArgumentOutOfRangeException>(() => new GaussianRandomField(1, 16, -1, 3, 1, BoundaryKind.Periodic));
        var field = new GaussianRandomField(1, 16, 2, 3, 1, BoundaryKind.Periodic);
        Assert.Throws<InvalidOperationException>(() => field.Sample2D(new Random(1)));
    }
}
