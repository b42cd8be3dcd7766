using Physis.Evaluation;
using Physis.Networks.Embeddings;
using Physis.Problems;
using Physis.Runs;
using Physis.Suite.Problems;
using Physis.Training;
using TorchSharp;
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
        foreach (var settings in catalog.Presets.Values)
        {
            settings.Validate();
            settings.Network?.Validate(problem.Geometry.Dimension, problem.Fields.Count);
        }
        if (catalog is ICatalogEigenProblem eigen)
            Assert.Equal(eigen.InitialEnergies.Count, eigen.ExactEnergies.Count);
        else
            foreach (var parameter in catalog.ExactParameters.Keys) Assert.Contains(problem.Parameters, p => p.Name == parameter);
        Assert.Single(ProblemCatalog.All, p => p.Name == name);
    }

    [Fact]
    public void APeriodicProblemsDefaultIsItsBestMethodAtTheMeasuredBudget()
    {
        var kdv = ProblemCatalog.Find("kdv").Presets;
        var warm = kdv["periodic-marching-warm"];
        Assert.True(PinnRun.SameSettings(warm with
        {
            Schedule = warm.Schedule with { AdamIterations = 500, LbfgsIterations = 1000 },
            Sampling = warm.Sampling with { Domain = 1000 },
        }, kdv["default"]));
        Assert.Equal(new MarchingSettings(10, HardStart: true, WarmStart: true), kdv["default"].Marching);
        Assert.Empty(kdv["plain"].Network.Embeddings); // the ablation's baseline: a plain MLP, one window
        Assert.Equal(1, kdv["plain"].Marching.Windows);
        var allenCahn = ProblemCatalog.Find("allen-cahn").Presets["default"];
        Assert.Equal(new MarchingSettings(10, HardStart: true, WarmStart: true), allenCahn.Marching);
        Assert.True(allenCahn.Schedule is { AdamIterations: 1000, LbfgsIterations: 2000 });
        Assert.Equal(4, Assert.IsType<PeriodicEmbeddingOptions>(Assert.Single(allenCahn.Network.Embeddings)).Coordinates[0].Harmonics);
        Assert.Equal(10, ProblemCatalog.Find("advection").Presets["default"].Marching.Windows);
        Assert.Equal(new MarchingSettings(40, HardStart: true), ProblemCatalog.Find("advection-80").Presets["default"].Marching);
        Assert.Contains("Unknown default method 'marching'", Assert.Throws<ArgumentException>(() =>
            MethodPresets.PeriodicAblation(MethodPresets.TimeDependent(10, 10), 2, "marching")).Message);
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
        var evaluation = ReferenceComparison.Of(problem, trainer.Predict, reference);
        Assert.True(evaluation.RelativeL2 < 1e-12, $"{name}: the reference differs from the exact solution by {evaluation.RelativeL2:E2}");
    }

    public static TheoryData<string> ConstrainedNames() => [.. ProblemCatalog.All.Where(p => p.HardConstraint is not null).Select(p => p.Name)];

    /// <summary>Any network behind an offered hard constraint meets exactly the conditions the constraint replaces.</summary>
    [Theory]
    [MemberData(nameof(ConstrainedNames))]
    public void HardConstraintsZeroTheTermsTheyReplace(string name)
    {
        var catalog = ProblemCatalog.Find(name);
        var problem = catalog.Create();
        var constraint = catalog.HardConstraint!;
        var transform = constraint.Transform.Create(problem);
        // An arbitrary smooth function of every coordinate for every field, far from any solution.
        using var raw = AnalyticNetwork.Of([.. problem.Fields.Select((_, f) =>
            (Func<Tensor[], Tensor>)(c => (c.Select((x, j) => (j + 1.3 + f) * x).Aggregate((a, b) => a + b)).sin() + 0.7))]);
        using var constrained = new AnalyticNetwork(x => transform(x, raw.forward(x)));
        using var trainer = new PinnTrainer(problem, constrained, new Sampling(500, 200, 100),
            new TrainerOptions { DType = ScalarType.Float64, Seed = 1 });
        using (NewDisposeScope())
        {
            var terms = trainer.Loss().Terms.Select(t => t.ToDouble()).ToArray();
            foreach (var replaced in constraint.Replaces)
            {
                int c = problem.Conditions.ToList().IndexOf(replaced);
                Assert.True(c >= 0, $"{name}: the constraint replaces '{replaced.Name}', which is not one of the problem's conditions");
                int k = problem.Residuals.Count + c;
                Assert.True(terms[k] < 1e-20, $"{name}: {replaced.Name} is {terms[k]:E2} behind the hard constraint");
            }
            Assert.Contains(terms, t => t > 1e-6); // the other terms see the arbitrary network
        }
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

    [Theory]
    [InlineData("quantum-well")]
    [InlineData("quantum-well-finite")]
    public void ExactEigenstatesSatisfyTheirStateProblemsAtTheExactEnergies(string name)
    {
        var well = (ICatalogEigenProblem)ProblemCatalog.Find(name);
        for (int n = 0; n < well.ExactEnergies.Count; n++)
        {
            var problem = well.CreateState(new TrainableParameter("E", well.ExactEnergies[n]), []);
            int state = n;
            using var exact = new AnalyticNetwork(x => ExactState(well, state, x));
            using var trainer = new PinnTrainer(problem, exact, new Sampling(400), new TrainerOptions { DType = ScalarType.Float64 });
            using (NewDisposeScope())
            {
                var terms = trainer.Loss().Terms.Select(t => t.ToDouble()).ToArray();
                // The finite well's energies come from bisection to round-off; the residual is relative to E^2 ~ 100.
                Assert.True(terms[0] < 1e-16, $"{name} state {n + 1}: residual loss {terms[0]:E2} at the exact energy");
            }
        }
    }

    /// <summary>The exact states as tensor functions, so autograd can check the residual.</summary>
    private static Tensor ExactState(ICatalogEigenProblem well, int n, Tensor x)
    {
        if (well is InfiniteQuantumWell) return ((n + 1) * Math.PI * x).sin();
        double e = well.ExactEnergies[n], k = Math.Sqrt(e), kappa = Math.Sqrt(FiniteQuantumWell.Depth - e), a = FiniteQuantumWell.HalfWidth;
        bool even = n % 2 == 0;
        var inside = even ? (k * x).cos() : (k * x).sin();
        var edge = even ? Math.Cos(k * a) : Math.Sin(k * a);
        double box = FiniteQuantumWell.Box;
        var outside = (even ? ones_like(x) : x.sign()) * edge * (kappa * (box - x.abs())).sinh() / Math.Sinh(kappa * (box - a));
        return where(x.abs() < a, inside, outside);
    }

    [Fact]
    public void FiniteWellEnergiesAgreeWithAFiniteDifferenceEigensolver()
    {
        // -psi'' + V psi on the box [-3, 3] with psi = 0 at its walls, second-order differences on 6000 intervals: an
        // independent check of the transcendental-equation energies (the O(h^2) error is far below 1e-5).
        int n = 5999;
        double h = 2 * FiniteQuantumWell.Box / (n + 1);
        var diagonal = new double[n];
        var off = new double[n - 1];
        for (int i = 0; i < n; i++)
        {
            double x = -FiniteQuantumWell.Box + (i + 1) * h;
            // V averaged over the cell around the node keeps second order across the jump at |x| = a (a node sits on it).
            double outside = Math.Clamp((Math.Abs(x) + h / 2 - FiniteQuantumWell.HalfWidth) / h, 0, 1);
            diagonal[i] = 2 / (h * h) + outside * FiniteQuantumWell.Depth;
        }
        Array.Fill(off, -1 / (h * h));
        var lowest = Physis.Solvers.Quadrature.SymmetricTridiagonal.Eigenvalues(diagonal, off).Order().Take(3).ToArray();
        var exact = FiniteQuantumWell.BoundStateEnergies();
        Assert.Equal(3, exact.Length);
        for (int k = 0; k < 3; k++)
            Assert.True(Math.Abs(lowest[k] - exact[k]) / exact[k] < 1e-5,
                $"state {k + 1}: finite differences {lowest[k]}, transcendental {exact[k]}");
    }

    [Theory]
    [InlineData("quantum-well")]
    [InlineData("quantum-well-finite")]
    public void RayleighQuotientGivesTheExactEnergiesAndErrsOnlyInTheSquareOfTheState(string name)
    {
        var problem = (QuantumWellProblem)ProblemCatalog.Find(name);
        var grid = problem.EvaluationGrid;
        double lo = grid[0], hi = grid[^1];
        for (int n = 0; n < problem.ExactEnergies.Count; n++)
        {
            int state = n;
            // A perturbation that keeps psi = 0 at the walls and is not an eigenstate.
            Func<double[,], double[,]> Trial(double epsilon) => points =>
            {
                var values = new double[points.GetLength(0), 1];
                for (int i = 0; i < values.Length; i++)
                {
                    double x = points[i, 0], s = (x - lo) / (hi - lo);
                    values[i, 0] = problem.ExactState(state, x) + epsilon * s * (1 - s) * Math.Exp(s);
                }
                return values;
            };
            double exact = problem.ExactEnergies[n];
            double Error(double epsilon) => Math.Abs(problem.RayleighQuotient(Trial(epsilon)) - exact) / exact;
            Assert.True(Error(0) < 1e-7, $"{name} state {n + 1}: the exact state's quotient is off by {Error(0):E2}");
            double coarse = Error(1e-2), fine = Error(1e-3);
            Assert.InRange(coarse / fine, 70, 130);
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
