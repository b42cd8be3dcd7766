using Physis.Solvers.Quadrature;

namespace Physis.Tests.Solvers;

public class GaussHermiteTests
{
    [Fact]
    public void SmallRulesMatchClosedForms()
    {
        double sqrtPi = Math.Sqrt(Math.PI);
        var one = GaussHermite.Create(1);
        Assert.Equal(0, one.Nodes[0]);
        Assert.Equal(sqrtPi, one.Weights[0], 1e-15);

        var two = GaussHermite.Create(2);
        Assert.Equal(-Math.Sqrt(0.5), two.Nodes[0], 1e-15);
        Assert.Equal(Math.Sqrt(0.5), two.Nodes[1], 1e-15);
        Assert.Equal(sqrtPi / 2, two.Weights[0], 1e-15);

        var three = GaussHermite.Create(3);
        Assert.Equal(Math.Sqrt(1.5), three.Nodes[2], 1e-15);
        Assert.Equal(0, three.Nodes[1]);
        Assert.Equal(2 * sqrtPi / 3, three.Weights[1], 1e-15);
        Assert.Equal(sqrtPi / 6, three.Weights[2], 1e-15);
    }

    [Theory]
    [InlineData(5)]
    [InlineData(50)]
    [InlineData(200)]
    [InlineData(1000)]
    public void WeightsSumToSqrtPiAndNodesAreSymmetric(int order)
    {
        var rule = GaussHermite.Create(order);
        double sum = 0;
        foreach (double w in rule.Weights) sum += w;
        Assert.Equal(Math.Sqrt(Math.PI), sum, 1e-13);
        for (int i = 0; i < order; i++)
        {
            Assert.Equal(-rule.Nodes[order - 1 - i], rule.Nodes[i]);
            if (i > 0) Assert.True(rule.Nodes[i] > rule.Nodes[i - 1]);
        }
        // Asymptotics of the largest zero of H_n: sqrt(2n + 1) - 1.85575 (2n + 1)^(-1/6) + O(n^(-5/6)).
        double m = 2.0 * order + 1;
        Assert.Equal(Math.Sqrt(m) - 1.85575 * Math.Pow(m, -1.0 / 6), rule.Nodes[^1], 0.06);
    }

    [Theory]
    [InlineData(8)]
    [InlineData(20)]
    public void IntegratesEveryMonomialBelowDegree2NExactly(int order)
    {
        var rule = GaussHermite.Create(order);
        for (int degree = 0; degree <= 2 * order; degree++)
        {
            int power = degree;
            double quadrature = rule.Integrate(z => Math.Pow(z, power));
            double exact = HermiteMoment(degree);
            // Rounding is relative to the size of the terms summed, which for odd powers is not the result (0).
            double termScale = rule.Integrate(z => Math.Abs(Math.Pow(z, power)));
            // Degree 2n is the first the rule misses, by the Gauss error term n! sqrt(pi) / 2^n.
            double error = degree < 2 * order ? 0 : Factorial(order) * Math.Sqrt(Math.PI) / Math.Pow(2, order);
            Assert.True(Math.Abs(quadrature - (exact - error)) <= 1e-13 * termScale, $"degree {degree}: {quadrature} vs {exact - error}");
        }
    }

    [Fact]
    public void LogWeightsStayAccurateWhereWeightsUnderflow()
    {
        // ∫ exp(2az - a²) exp(-z²) dz = sqrt(pi): with a = 25 the integrand lives at z ≈ 25 where the weights are about
        // exp(-625); the outermost weights of the 600-point rule (about exp(-1160)) are below the double range.
        var rule = GaussHermite.Create(600);
        Assert.Equal(0, rule.Weights[0]);
        Assert.True(double.IsFinite(rule.LogWeights[0]) && rule.LogWeights[0] < -1000);
        const double a = 25;
        double sum = 0;
        for (int i = 0; i < rule.Order; i++) sum += Math.Exp(rule.LogWeights[i] + 2 * a * rule.Nodes[i] - a * a);
        Assert.Equal(Math.Sqrt(Math.PI), sum, 1e-11);
    }

    [Fact]
    public void IntegratesSmoothFunctionsSpectrally() =>
        // ∫ cos(3z) exp(-z²) dz = sqrt(pi) exp(-9/4).
        Assert.Equal(Math.Sqrt(Math.PI) * Math.Exp(-2.25), GaussHermite.Create(40).Integrate(z => Math.Cos(3 * z)), 1e-15);

    [Fact]
    public void RejectsOrdersOutOfRange()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussHermite.Create(0));
        Assert.Throws<ArgumentOutOfRangeException>(() => GaussHermite.Create(-3));
    }

    [Fact]
    public void TridiagonalEigenvaluesOfTheDiscreteLaplacian()
    {
        // tridiag(-1, 2, -1) of size n has eigenvalues 2 - 2 cos(k pi / (n + 1)), k = 1..n.
        const int n = 60;
        var eigenvalues = SymmetricTridiagonal.Eigenvalues(Enumerable.Repeat(2.0, n).ToArray(), Enumerable.Repeat(-1.0, n - 1).ToArray());
        for (int k = 1; k <= n; k++) Assert.Equal(2 - 2 * Math.Cos(k * Math.PI / (n + 1)), eigenvalues[k - 1], 1e-13);
        Assert.Throws<ArgumentException>(() => SymmetricTridiagonal.Eigenvalues(new double[3], new double[3]));
    }

    private static double Factorial(int n) => n <= 1 ? 1 : n * Factorial(n - 1);

    /// <summary>∫ z^k exp(-z²) dz: 0 for odd k, Γ((k + 1)/2) = (k - 1)!! sqrt(pi) / 2^(k/2) for even k.</summary>
    private static double HermiteMoment(int k)
    {
        if (k % 2 == 1) return 0;
        double moment = Math.Sqrt(Math.PI);
        for (int j = 1; j < k; j += 2) moment *= j / 2.0;
        return moment;
    }
}
