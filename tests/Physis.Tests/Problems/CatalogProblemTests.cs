using TorchSharp;
using Physis.Problems;
using Physis.Problems.Catalog;
using Physis.Training;
using static TorchSharp.torch;

namespace Physis.Tests.Problems;

/// <summary>
/// The built-in problem suite: every problem is well formed, and each closed-form reference is checked against the
/// problem's own residual and conditions, so a wrong forcing term or sign cannot hide behind a large PINN error.
/// </summary>
public class CatalogProblemTests
{
    public static TheoryData<string> Names() => [.. ProblemCatalog.All.Select(p => p.Name)];

    [Theory]
    [MemberData(nameof(Names))]
    public void ProblemIsWellFormed(string name)
    {
        var catalog = ProblemCatalog.Find(name);
        var problem = catalog.Create();
        Assert.True(catalog.Presets.ContainsKey("default"), $"{name} needs a default preset");
        foreach (var settings in catalog.Presets.Values) settings.Validate();
        foreach (var parameter in catalog.ExactParameters.Keys) Assert.Contains(problem.Parameters, p => p.Name == parameter);
        Assert.Single(ProblemCatalog.All, p => p.Name == name);
    }

    private static readonly Dictionary<string, Func<Tensor[], Tensor>[]> ExactSolutions = new()
    {
        ["advection"] = [c => (c[0] - 30 * c[1]).sin()],
        ["advection-80"] = [c => (c[0] - 80 * c[1]).sin()],
        ["wave"] = [c => (Math.PI * c[0]).sin() * (2 * Math.PI * c[1]).cos() + 0.5 * (4 * Math.PI * c[0]).sin() * (8 * Math.PI * c[1]).cos()],
        ["helmholtz"] = [c => (Math.PI * c[0]).sin() * (4 * Math.PI * c[1]).sin()],
        ["poisson-holes"] = [c => (Math.PI * c[0]).sin() * (Math.PI * c[1]).sin() + c[0] * c[1]],
        ["heat-2d"] = [c => (-0.1 * Math.PI * Math.PI * c[2]).exp() * (Math.PI * c[0]).sin() * (Math.PI * c[1]).sin()],
        ["kovasznay"] = Kovasznay(),
    };

    private static Func<Tensor[], Tensor>[] Kovasznay()
    {
        double l = 10 - Math.Sqrt(100 + 4 * Math.PI * Math.PI);
        return
        [
            c => 1 - (l * c[0]).exp() * (2 * Math.PI * c[1]).cos(),
            c => l / (2 * Math.PI) * (l * c[0]).exp() * (2 * Math.PI * c[1]).sin(),
            c => 0.5 * (1 - (2 * l * c[0]).exp()),
        ];
    }

    public static TheoryData<string> ExactNames() => [.. ExactSolutions.Keys];

    [Theory]
    [MemberData(nameof(ExactNames))]
    public void ExactSolutionZeroesEveryLossTermAndMatchesTheReference(string name)
    {
        var catalog = ProblemCatalog.Find(name);
        var problem = catalog.Create();
        using var exact = AnalyticNetwork.Of(ExactSolutions[name]);
        using var trainer = new PinnTrainer(problem, exact, new Sampling(500, 200, 100), new TrainerOptions { DType = ScalarType.Float64, Seed = 1 });
        using (NewDisposeScope())
        {
            var terms = trainer.Loss().Terms.Select(t => t.ToDouble()).ToArray();
            for (int k = 0; k < terms.Length; k++)
                Assert.True(terms[k] < 1e-18, $"{name}: loss term {problem.LossTermNames[k]} is {terms[k]:E2} for the exact solution");
        }

        var reference = catalog.Reference();
        var evaluation = Evaluation.Of(problem, trainer, reference);
        Assert.True(evaluation.RelativeL2 < 1e-12, $"{name}: the reference differs from the exact solution by {evaluation.RelativeL2:E2}");
    }

    [Fact]
    public void SpectralReferencesStartFromTheInitialConditionAndKeepTheirInvariants()
    {
        foreach (string name in new[] { "allen-cahn", "kdv" })
        {
            var catalog = ProblemCatalog.Find(name);
            var reference = catalog.Reference();
            var u = reference.Values["u"];
            var grid = reference.Grid!;
            int nx = grid.Axes[0].Length, nt = grid.Axes[1].Length;
            Assert.Equal((512, 201), (nx, nt));
            var initial = catalog.Create().Conditions.Single(c => c.Kind == ConditionKind.Initial);
            for (int j = 0; j < nx; j++) Assert.Equal(initial.Target!([grid.Axes[0][j], 0.0]), u[j], 12);

            if (name == "allen-cahn")
            {
                // Maximum principle: from |u0| <= 1 the solution stays within [-1, 1].
                Assert.All(u, v => Assert.InRange(v, -1 - 1e-9, 1 + 1e-9));
            }
            else
            {
                // KdV conserves mass: the mean over the periodic grid is the same at every time.
                double Mean(int k) => u.Skip(k * nx).Take(nx).Average();
                for (int k = 1; k < nt; k++) Assert.Equal(Mean(0), Mean(k), 10);
            }
        }
    }

    [Fact]
    public void InverseBurgersObservationsCarryOnePercentNoiseAndAreReproducible()
    {
        var (points, values) = BurgersInverseProblem.NoisyObservations();
        var (again, valuesAgain) = BurgersInverseProblem.NoisyObservations();
        Assert.Equal(values, valuesAgain);
        Assert.Equal(points, again);
        var exact = Enumerable.Range(0, values.Length)
            .Select(i => Physis.Solvers.Exact.BurgersColeHopf.Value(points[i, 0], points[i, 1])).ToArray();
        double rms = Math.Sqrt(exact.Sum(v => v * v) / exact.Length);
        double noise = Math.Sqrt(values.Zip(exact, (a, b) => (a - b) * (a - b)).Sum() / exact.Length);
        Assert.InRange(noise / rms, 0.009, 0.011);
    }
}
