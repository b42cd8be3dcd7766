using Physis.Geometry;
using Physis.Problems;
using Physis.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Physis.Tests.Problems;

/// <summary>Each condition's loss is zero for a function that satisfies it and positive for one that does not.</summary>
public class ConditionLossTests
{
    private static readonly TrainerOptions Float64 = new() { DType = ScalarType.Float64, Seed = 3 };

    private static double[] Terms(PdeProblem problem, AnalyticNetwork network, Sampling sampling)
    {
        using var scope = NewDisposeScope();
        using var trainer = new PinnTrainer(problem, network, sampling, Float64);
        return trainer.Loss().Terms.Select(t => t.ToDouble()).ToArray();
    }

    private static void AssertSatisfiedOnlyByExact(PdeProblem problem, AnalyticNetwork exact, AnalyticNetwork wrong, Sampling sampling, int term)
    {
        Assert.True(Terms(problem, exact, sampling)[term] < 1e-24, "the exact solution must give a zero loss");
        Assert.True(Terms(problem, wrong, sampling)[term] > 1e-4, "a function violating the condition must give a positive loss");
    }

    // Poisson in the unit square: residual Laplacian u + 2 pi^2 u = 0 holds for u = sin(pi x) sin(pi y) and cos(pi x) cos(pi y).
    private static readonly Func<Terms, Expr> Helmholtz = f => f.Laplacian("u") + 2 * Math.PI * Math.PI * f["u"];

    [Fact]
    public void DirichletIsZeroForTheExactSolution()
    {
        var problem = new PdeProblem(new Rectangle(0, 0, 1, 1), Helmholtz, [Condition.Dirichlet("u")]);
        var exact = AnalyticNetwork.Of(c => (Math.PI * c[0]).sin() * (Math.PI * c[1]).sin());
        var wrong = AnalyticNetwork.Of(c => (Math.PI * c[0]).cos() * (Math.PI * c[1]).cos());
        AssertSatisfiedOnlyByExact(problem, exact, wrong, new Sampling(64, 64), term: 1);
        Assert.True(Terms(problem, exact, new Sampling(64, 64))[0] < 1e-20, "the PDE residual of the exact solution must vanish");
    }

    [Fact]
    public void NeumannUsesOutwardNormals()
    {
        // cos(pi x) cos(pi y) has zero normal derivative on every side; sin(pi x) sin(pi y) does not.
        var problem = new PdeProblem(new Rectangle(0, 0, 1, 1), Helmholtz, [Condition.Neumann("u")]);
        var exact = AnalyticNetwork.Of(c => (Math.PI * c[0]).cos() * (Math.PI * c[1]).cos());
        var wrong = AnalyticNetwork.Of(c => (Math.PI * c[0]).sin() * (Math.PI * c[1]).sin());
        AssertSatisfiedOnlyByExact(problem, exact, wrong, new Sampling(64, 64), term: 1);
    }

    [Fact]
    public void NeumannWithFluxOnADisk()
    {
        // u = x^2 + y^2 on the unit disk: du/dn = 2r = 2 on the boundary.
        var problem = new PdeProblem(new Disk(0, 0, 1), f => f.Laplacian("u") - 4, [Condition.Neumann("u", _ => 2.0)]);
        var exact = AnalyticNetwork.Of(c => c[0].square() + c[1].square());
        var wrong = AnalyticNetwork.Of(c => c[0].square() + 0.5 * c[1].square());
        AssertSatisfiedOnlyByExact(problem, exact, wrong, new Sampling(64, 64), term: 1);
    }

    [Fact]
    public void RobinCombinesValueAndFlux()
    {
        // 2u + 3 du/dn = g with g from u = exp(x) y^2 on the unit square.
        var geometry = new Rectangle(0, 0, 1, 1);
        double G(double[] p)
        {
            var n = geometry.Normal(p);
            double u = Math.Exp(p[0]) * p[1] * p[1];
            return 2 * u + 3 * (n[0] * u + n[1] * Math.Exp(p[0]) * 2 * p[1]);
        }
        var problem = new PdeProblem(geometry, f => f.Dxx("u") - f["u"], [Condition.Robin("u", 2, 3, G)]);
        var exact = AnalyticNetwork.Of(c => c[0].exp() * c[1].square());
        var wrong = AnalyticNetwork.Of(c => c[0].exp() * c[1]);
        AssertSatisfiedOnlyByExact(problem, exact, wrong, new Sampling(64, 64), term: 1);
    }

    [Fact]
    public void PeriodicComparesOppositeFaces()
    {
        var geometry = new Interval(0, 1).WithTime(0, 1);
        var periodic = new PdeProblem(geometry, f => f.Dt("u"), [Condition.Periodic("u", "x"), Condition.Periodic("u", "x", derivativeOrder: 1)]);
        var exact = AnalyticNetwork.Of(c => (2 * Math.PI * c[0]).sin() * c[1]);
        var wrong = AnalyticNetwork.Of(c => (Math.PI * c[0]).sin() * c[1] + c[0]);
        var sampling = new Sampling(32, 32);
        AssertSatisfiedOnlyByExact(periodic, exact, wrong, sampling, term: 1);
        AssertSatisfiedOnlyByExact(periodic, exact, wrong, sampling, term: 2);
    }

    [Fact]
    public void InitialValueAndInitialVelocity()
    {
        // Wave equation u_tt = u_xx with u = sin(pi x) cos(pi t): u(x,0) = sin(pi x), u_t(x,0) = 0.
        var geometry = new Interval(0, 1).WithTime(0, 2);
        var problem = new PdeProblem(geometry, f => f.Dtt("u") - f.Dxx("u"),
            [Condition.Initial("u", p => Math.Sin(Math.PI * p[0])), Condition.InitialDerivative("u")]);
        var exact = AnalyticNetwork.Of(c => (Math.PI * c[0]).sin() * (Math.PI * c[1]).cos());
        var moving = AnalyticNetwork.Of(c => (Math.PI * c[0]).sin() * ((Math.PI * c[1]).cos() + (Math.PI * c[1]).sin()));
        var sampling = new Sampling(64, 0, 64);
        AssertSatisfiedOnlyByExact(problem, exact, AnalyticNetwork.Of(c => 0.5 * (Math.PI * c[0]).sin() + 0 * c[1]), sampling, term: 1);
        AssertSatisfiedOnlyByExact(problem, exact, moving, sampling, term: 2);
        Assert.True(Terms(problem, exact, sampling)[0] < 1e-20);
    }

    [Fact]
    public void PointDataMatchesObservations()
    {
        var points = new double[,] { { 0.1, 0.2 }, { 0.5, 0.5 }, { 0.9, 0.3 } };
        var values = Enumerable.Range(0, 3).Select(i => points[i, 0] * points[i, 1]).ToArray();
        var problem = new PdeProblem(new Rectangle(0, 0, 1, 1), f => f.Laplacian("u"), [Condition.PointData("u", points, values)]);
        AssertSatisfiedOnlyByExact(problem, AnalyticNetwork.Of(c => c[0] * c[1]), AnalyticNetwork.Of(c => c[0] + c[1]), new Sampling(16), term: 1);
    }

    [Fact]
    public void WhereRestrictsABoundaryConditionToPartOfTheBoundary()
    {
        // u = x vanishes only on the left side x = 0.
        var problem = new PdeProblem(new Rectangle(0, 0, 1, 1), f => f.Laplacian("u"), [Condition.Dirichlet("u", where: p => p[0] < 1e-9)]);
        var terms = Terms(problem, AnalyticNetwork.Of(c => c[0] + 0 * c[1]), new Sampling(16, 200));
        Assert.True(terms[1] < 1e-24);
        var everywhere = new PdeProblem(new Rectangle(0, 0, 1, 1), f => f.Laplacian("u"), [Condition.Dirichlet("u")]);
        Assert.True(Terms(everywhere, AnalyticNetwork.Of(c => c[0] + 0 * c[1]), new Sampling(16, 200))[1] > 1e-2);
    }

    [Fact]
    public void BadDefinitionsAreRejectedWithClearErrors()
    {
        var square = new Rectangle(0, 0, 1, 1);
        var e1 = Assert.Throws<ArgumentException>(() => new PdeProblem(square, f => f["v"], []));
        Assert.Contains("Unknown field 'v'", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => new PdeProblem(square, f => f.Dt("u"), []));
        Assert.Contains("Unknown coordinate 't'", e2.Message);
        var e3 = Assert.Throws<ArgumentException>(() => new PdeProblem(square, f => f["u"], [Condition.Initial("u", _ => 0)]));
        Assert.Contains("no time axis", e3.Message);
        var e4 = Assert.Throws<ArgumentException>(() => Condition.PointData("u", new double[2, 2], [1.0]));
        Assert.Contains("2 points but 1 values", e4.Message);
        var noBoundary = new PdeProblem(square, f => f["u"], [Condition.Dirichlet("u", where: p => p[0] > 5)]);
        var e5 = Assert.Throws<ArgumentException>(() => new PinnTrainer(noBoundary, AnalyticNetwork.Of(c => c[0]), new Sampling(8, 16)));
        Assert.Contains("selects none", e5.Message);
    }
}
