using Physis.Evaluation;
using Physis.Infrastructure.Configuration;
using Physis.Problems;
using Physis.Runs;
using Physis.Runs.Configuration;
using Physis.Suite.Problems;
using Physis.Training;

namespace Physis.Tests.Runs;

public class ProblemFileTests
{
    private static string Example(string name) => Path.Combine(StyleTests.RepositoryRoot(), "examples", "problems", name);

    private static string Scratch() => Path.Combine(Path.GetTempPath(), $"physis-problem-file-{Guid.NewGuid():N}");

    /// <summary>
    /// The Burgers problem file states the same problem as the built-in one, so with the same settings and seed the two
    /// runs train the same network on the same points: loss.csv is identical, byte for byte.
    /// </summary>
    [Fact]
    public void TheBurgersFileTrainsExactlyAsTheBuiltInProblem()
    {
        var file = ProblemFile.Load(Example("burgers.yaml"));
        var builtIn = new BurgersProblem().Create();
        Assert.Equal(builtIn.Residuals, file.Problem.Residuals);
        Assert.Equal(builtIn.ConditionOperators, file.Problem.ConditionOperators);
        Assert.Equal(builtIn.Describe(), file.Problem.Describe());

        var settings = file.Settings with
        {
            Network = PinnSettings.DefaultNetwork,
            Sampling = new Sampling(300, 40, 60),
            Schedule = file.Settings.Schedule with { AdamIterations = 30, LbfgsIterations = 10 },
            Seed = 3,
        };
        string folder = Scratch();
        try
        {
            PinnRun.Execute(file.Problem, settings, Path.Combine(folder, "file"), new PinnRunOptions { Name = "burgers" });
            PinnRun.Execute(builtIn, settings, Path.Combine(folder, "code"), new PinnRunOptions { Name = "burgers" });
            byte[] fromFile = File.ReadAllBytes(Path.Combine(folder, "file", "loss.csv"));
            Assert.True(File.ReadAllLines(Path.Combine(folder, "file", "loss.csv")).Length > 30, "the run trained");
            Assert.Equal(File.ReadAllBytes(Path.Combine(folder, "code", "loss.csv")), fromFile);
        }
        finally
        {
            if (Directory.Exists(folder)) Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>burgers.npz is the built-in reference (Cole-Hopf on the standard 256 x 100 grid), written once from it.</summary>
    [Fact]
    public void TheBurgersReferenceFileIsTheColeHopfSolution()
    {
        var file = ProblemFile.Load(Example("burgers.yaml"));
        var stored = file.Reference!();
        var exact = new BurgersProblem().Reference();
        Assert.Equal(exact.Grid!.Axes, stored.Grid!.Axes);
        Assert.Equal(exact.Values["u"], stored.Values["u"]);
    }

    [Fact]
    public void ThePoissonReferenceIsTheClosedFormInsideTheL()
    {
        var file = ProblemFile.Load(Example("poisson-l-shape.yaml"));
        var reference = file.Reference!();
        var u = reference.Values["u"];
        int inside = 0;
        for (int k = 0; k < reference.Count; k++)
        {
            double x = reference.Points[k, 0], y = reference.Points[k, 1];
            if (x > 1e-9 && y > 1e-9) Assert.True(double.IsNaN(u[k]), $"({x}, {y}) lies in the cut-out quarter");
            else
            {
                inside++;
                Assert.Equal(Math.Sin(Math.PI * x) * Math.Cos(Math.PI * y / 2), u[k], 1e-15);
            }
        }
        Assert.True(inside > reference.Count / 2, "three quarters of the grid lie in the L");
    }

    /// <summary>The manufactured Poisson problem is consistent: its exact solution meets its conditions on the parts the predicates select.</summary>
    [Fact]
    public void ThePoissonConditionsSelectTheirEdgesAndHoldForTheExactSolution()
    {
        var problem = ProblemFile.Load(Example("poisson-l-shape.yaml")).Problem;
        var neumann = problem.Conditions.Single(c => c.Kind == ConditionKind.Neumann);
        var dirichlet = problem.Conditions.Single(c => c.Kind == ConditionKind.Dirichlet);
        var boundary = problem.Geometry.SampleBoundary(400, new Physis.Geometry.PointSampler(Physis.Geometry.SamplingMethod.Uniform, 1));
        int left = 0;
        for (int i = 0; i < boundary.Points.GetLength(0); i++)
        {
            double[] p = [boundary.Points[i, 0], boundary.Points[i, 1]];
            bool onLeft = Math.Abs(p[0] + 1) < 1e-12;
            Assert.Equal(onLeft, neumann.Where!(p));
            Assert.Equal(!onLeft, dirichlet.Where!(p));
            if (!onLeft)
            {
                Assert.Equal(Math.Sin(Math.PI * p[0]) * Math.Cos(Math.PI * p[1] / 2), dirichlet.Target!(p), 1e-15);
                continue;
            }
            left++;
            // du/dn = -u_x on x = -1.
            Assert.Equal(-Math.PI * Math.Cos(-Math.PI) * Math.Cos(Math.PI * p[1] / 2), neumann.Target!(p), 1e-14);
        }
        Assert.True(left > 0, "some boundary points lie on the Neumann edge");
    }

    [Fact]
    public void TrainableParametersStartAtTheirInitialValueAndRecordTheExactOne()
    {
        string folder = Scratch();
        Directory.CreateDirectory(folder);
        try
        {
            string path = Path.Combine(folder, "inverse.yaml");
            File.WriteAllText(path, """
                geometry: { box: { min: [0, 0], max: [1, 2] } }
                coordinates: [a, b]
                parameters:
                  k: 2*pi
                  c: { trainable: 0.5, exact: k/4 }
                equations:
                  - c*d(u, a, a) + u_b = k
                conditions:
                  - robin: { field: u, alpha: 1, beta: k, value: a*b, where: a == 0 or b == 2 }
                """);
            var file = ProblemFile.Load(path);
            var c = Assert.Single(file.Problem.Parameters);
            Assert.Equal(("c", 0.5), (c.Name, c.InitialValue));
            Assert.Equal(Math.PI / 2, file.ExactParameters["c"], 1e-15);
            Assert.Equal(["a", "b"], file.Problem.Terms.Coordinates);
            var t = file.Problem.Terms;
            Assert.Equal((Expr)c * t.D("u", "a", "a") + t.D("u", "b") - 2 * Math.PI, file.Problem.Residuals[0]);
            var robin = Assert.Single(file.Problem.Conditions);
            Assert.Equal(1.0 * t["u"] + 2 * Math.PI * t.NormalDerivative("u"), file.Problem.ConditionOperators[0]);
            Assert.True(robin.Where!([0, 0.3]));
            Assert.True(robin.Where!([0.4, 2]));
            Assert.False(robin.Where!([1, 0.3]));
            Assert.Equal(0.6, robin.Target!([0.3, 2]), 1e-15);
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    /// <summary>Errors point at the line and column of the mistake, in plain, quoted and literal-block values alike.</summary>
    [Theory]
    [InlineData("equations:\n  - u_t + u*u_x - nu*u_xx + d(u, x, x\n", 2, 38)]
    [InlineData("equations: ['u_t + q']\n", 1, 20)]
    [InlineData("equations: [\"u_t + q\"]\n", 1, 20)]
    [InlineData("equations:\n  - |\n    u_t\n      + u*u_x\n      - q*u_xx\n", 5, 9)]
    public void ErrorsNameTheLineAndColumn(string equations, int line, int column)
    {
        string folder = Scratch();
        Directory.CreateDirectory(folder);
        try
        {
            string path = Path.Combine(folder, "p.yaml");
            File.WriteAllText(path, "geometry: { interval: [-1, 1], time: [0, 1] }\nparameters: { nu: 0.01 }\n" + equations);
            var e = Assert.Throws<ConfigurationException>(() => ProblemFile.Load(path));
            Assert.True(e.Message.StartsWith($"{path}:{line + 2}:{column}: ", StringComparison.Ordinal), e.Message);
            // The column points at the mistake in the file's own text.
            string text = File.ReadAllLines(path)[line + 1];
            Assert.True(column > text.Length || text[column - 1] is 'q', $"column {column} of '{text}'");
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }
}
