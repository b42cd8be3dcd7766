using Physis.Evaluation;
using Physis.Geometry;
using Physis.Networks.Constraints;
using Physis.Problems;
using Physis.Runs;
using Physis.Solvers;
using Physis.Training;

namespace Physis.Suite.Problems;

/// <summary>Wave u_tt = 4 u_xx on [0, 1]^2, exact u = sin(pi x) cos(2 pi t) + 0.5 sin(4 pi x) cos(8 pi t) (PINNacle's Wave1d-C).</summary>
public sealed class WaveProblem : ICatalogProblem
{
    public BenchmarkTarget Target { get; } = new(BenchmarkTarget.RelativeL2, 1e-2, "PINNacle best: 9.2e-2");
    public string Name => "wave";
    public string Description => "Wave u_tt = 4 u_xx on [0, 1] x [0, 1], u = 0 at x = 0, 1, two standing modes";

    /// <summary>
    /// u = u0(x) + psi(t) x (1 - x) N(x, t), psi = s^2 / (1 + s^2), s = t / 0.1: the initial value, the start at rest
    /// and u = 0 at x = 0, 1 hold exactly, and N stays of the size of u - u0 (the fast mode's u_tt is 32 pi^2 at t = 0).
    /// </summary>
    public HardConstraint HardConstraint => new(
        new InitialConstraintOptions(f => Functions.Sin(Math.PI * f.X) + 0.5 * Functions.Sin(4 * Math.PI * f.X), AlsoBoundary: true)
        {
            FixesVelocity = true,
            TimeScale = 0.1,
        },
        conditions);

    private readonly Condition[] conditions =
    [
        Condition.Dirichlet("u"),
        Condition.Initial("u", p => Math.Sin(Math.PI * p[0]) + 0.5 * Math.Sin(4 * Math.PI * p[0])),
        Condition.InitialDerivative("u"),
    ];

    private static double Exact(double[] p) =>
        Math.Sin(Math.PI * p[0]) * Math.Cos(2 * Math.PI * p[1]) + 0.5 * Math.Sin(4 * Math.PI * p[0]) * Math.Cos(8 * Math.PI * p[1]);

    public PdeProblem Create() => new(new Interval(0, 1).WithTime(0, 1), f => f.Dtt("u") - 4 * f.Dxx("u"), conditions);

    public IReadOnlyDictionary<string, PinnSettings> Presets { get; } = new Dictionary<string, PinnSettings>
    {
        // Only the residual is left to fit; the conditions' loss terms pulled against a residual of size 1e5.
        ["default"] = MethodPresets.TimeDependent(400, 400) with
        {
            HardConstraints = true,
            Sampling = new Sampling(6000, 400, 400),
            Schedule = new OptimizerSchedule { AdamIterations = 2000, LbfgsIterations = 8000 },
        },
        ["soft-constraints"] = MethodPresets.TimeDependent(400, 400),
    };

    public ReferenceSolution Reference() => ReferenceSolution.Exact(["x", "t"], [UniformGrid.Linspace(0, 1, 101), UniformGrid.Linspace(0, 1, 101)],
        new Dictionary<string, Func<double[], double>> { ["u"] = Exact });
}
