using Physis.Evaluation;
using Physis.Geometry;
using Physis.Networks;
using Physis.Problems;
using Physis.Runs;
using Physis.Solvers;
using Physis.Training;
using static Physis.Problems.Functions;

namespace Physis.Suite.Problems;

/// <summary>
/// Poisson -Laplacian u = f on the square [-1, 1]^2 with four circular holes (a CSG difference), Dirichlet data from
/// the manufactured solution u = sin(pi x) sin(pi y) + x y on the outer and the hole boundaries.
/// </summary>
public sealed class PoissonHolesProblem : ICatalogProblem
{
    public BenchmarkTarget Target { get; } = new(BenchmarkTarget.RelativeL2, 1e-3, "-");
    public string Name => "poisson-holes";
    public string Description =>
        "Poisson -Laplacian u = 2 pi^2 sin(pi x) sin(pi y) on [-1, 1]^2 minus four disks, exact u = sin(pi x) sin(pi y) + x y";

    private static double Exact(double[] p) => Math.Sin(Math.PI * p[0]) * Math.Sin(Math.PI * p[1]) + p[0] * p[1];

    public static Geometry.Geometry Domain() =>
        new Rectangle(-1, -1, 1, 1) - new Disk(-0.5, -0.5, 0.2) - new Disk(0.5, -0.5, 0.2) - new Disk(-0.5, 0.5, 0.2) - new Disk(0.5, 0.5, 0.2);

    public PdeProblem Create() => new(Domain(),
        f => -f.Laplacian("u") - 2 * Math.PI * Math.PI * Sin(Math.PI * f.X) * Sin(Math.PI * f.Y),
        [Condition.Dirichlet("u", Exact)]);

    public IReadOnlyDictionary<string, PinnSettings> Presets { get; } = new Dictionary<string, PinnSettings>
    {
        ["default"] = new PinnSettings
        {
            Network = NetworkOptions.Mlp([40, 40, 40]),
            Sampling = new Sampling(4000, 1200, 160),
            Schedule = new OptimizerSchedule { AdamIterations = 3000, LbfgsIterations = 3000 },
            Precision = Precision.Float64,
        },
    };

    public ReferenceSolution Reference()
    {
        var domain = Domain();
        return ReferenceSolution.Exact(["x", "y"], [UniformGrid.Linspace(-1, 1, 101), UniformGrid.Linspace(-1, 1, 101)],
            new Dictionary<string, Func<double[], double>> { ["u"] = Exact }, inside: p => domain.Contains(p));
    }
}
