using Physis.Evaluation;
using Physis.Geometry;
using Physis.Networks;
using Physis.Problems;
using Physis.Runs;
using Physis.Solvers;
using Physis.Training;

namespace Physis.Suite.Problems;

/// <summary>
/// Kovasznay flow at Re = 20 on [-0.5, 1] x [-0.5, 1.5], an exact steady Navier-Stokes solution:
/// u = 1 - e^(l x) cos(2 pi y), v = l/(2 pi) e^(l x) sin(2 pi y), p = (1 - e^(2 l x))/2, l = Re/2 - sqrt(Re^2/4 + 4 pi^2).
/// Velocity is prescribed on the whole boundary and the pressure on the outflow x = 1 (which fixes its constant).
/// </summary>
public sealed class KovasznayProblem : ICatalogProblem
{
    public BenchmarkTarget Target { get; } = new(BenchmarkTarget.RelativeL2, 1e-3, "-");
    private const double Reynolds = 20;
    private static readonly double Lambda = Reynolds / 2 - Math.Sqrt(Reynolds * Reynolds / 4 + 4 * Math.PI * Math.PI);

    public string Name => "kovasznay";
    public string Description => "Kovasznay flow, steady Navier-Stokes at Re = 20 on [-0.5, 1] x [-0.5, 1.5], fields u, v, p";

    private static double U(double[] p) => 1 - Math.Exp(Lambda * p[0]) * Math.Cos(2 * Math.PI * p[1]);
    private static double V(double[] p) => Lambda / (2 * Math.PI) * Math.Exp(Lambda * p[0]) * Math.Sin(2 * Math.PI * p[1]);
    private static double P(double[] p) => 0.5 * (1 - Math.Exp(2 * Lambda * p[0]));

    public PdeProblem Create() => new(new Rectangle(-0.5, -0.5, 1, 1.5), SteadyNavierStokes.Residuals(Reynolds),
        [
            Condition.Dirichlet("u", U),
            Condition.Dirichlet("v", V),
            Condition.Dirichlet("p", P, where: p => Math.Abs(p[0] - 1) < 1e-9).Named("outflow_p"),
        ], SteadyNavierStokes.Fields);

    public IReadOnlyDictionary<string, PinnSettings> Presets { get; } = new Dictionary<string, PinnSettings>
    {
        ["default"] = new PinnSettings
        {
            Network = NetworkOptions.Mlp([50, 50, 50, 50]),
            Sampling = new Sampling(4000, 800, 160),
            // L-BFGS is still improving at 5000 iterations, so the default runs 10000 (docs/results.md).
            Schedule = new OptimizerSchedule { AdamIterations = 3000, LbfgsIterations = 10_000 },
            Precision = Precision.Float64,
        },
    };

    public ReferenceSolution Reference() =>
        ReferenceSolution.Exact(["x", "y"], [UniformGrid.Linspace(-0.5, 1, 76), UniformGrid.Linspace(-0.5, 1.5, 101)],
            new Dictionary<string, Func<double[], double>> { ["u"] = U, ["v"] = V, ["p"] = P });
}
