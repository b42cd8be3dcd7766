using Physis.Evaluation;
using Physis.Geometry;
using Physis.Networks.Constraints;
using Physis.Problems;
using Physis.Runs;
using Physis.Solvers.Exact;
using Physis.Training;

namespace Physis.Suite.Problems;

/// <summary>
/// Viscous Burgers: u_t + u u_x = (0.01/pi) u_xx on [-1, 1] x [0, 1], u(x, 0) = -sin(pi x), u(±1, t) = 0.
/// A steep front forms at x = 0; the exact solution comes from the Cole-Hopf transformation.
/// </summary>
public sealed class BurgersProblem : ICatalogProblem
{
    public BenchmarkTarget Target { get; } = new(BenchmarkTarget.RelativeL2, 5e-4, "Raissi et al. 2019: 6.7e-4");
    public string Name => "burgers";
    public string Description => "Viscous Burgers u_t + u u_x = (0.01/pi) u_xx, u0 = -sin(pi x), Dirichlet u(±1,t) = 0";
    public double Viscosity { get; init; } = BurgersColeHopf.DefaultViscosity;

    /// <summary>u = -sin(pi x) + t (1 - x^2) N(x, t): the initial and boundary values hold exactly.</summary>
    public HardConstraint HardConstraint =>
        new(new InitialConstraintOptions(f => -Functions.Sin(Math.PI * f.X), AlsoBoundary: true), [walls, start]);

    private readonly Condition walls = Condition.Dirichlet("u");
    private readonly Condition start = Condition.Initial("u", x => -Math.Sin(Math.PI * x[0]));

    public PdeProblem Create()
    {
        var geometry = new Interval(-1, 1).WithTime(0, 1);
        double nu = Viscosity;
        return new PdeProblem(geometry, f => f.Dt("u") + f["u"] * f.Dx("u") - nu * f.Dxx("u"), [walls, start]);
    }

    public IReadOnlyDictionary<string, PinnSettings> Presets { get; } = new Dictionary<string, PinnSettings>
    {
        // DeepXDE's network in float64 on twice the collocation points, with a longer L-BFGS phase: float64 lets
        // L-BFGS keep improving below the float32 noise floor (about 3e-6 in the loss) where the error is decided.
        ["default"] = new PinnSettings
        {
            Sampling = new Sampling(5000, 80, 160),
            Schedule = new OptimizerSchedule { LbfgsIterations = 20_000 },
            Precision = Precision.Float64,
        },
        // DeepXDE's Burgers example: [2, 20, 20, 20, 1] tanh, Glorot normal, 2540/80/160 points,
        // Adam 1e-3 for 15000 iterations, then L-BFGS (history 100, strong Wolfe) for at most 15000.
        ["deepxde"] = new PinnSettings(),
    };

    public ReferenceSolution Reference()
    {
        var (x, t) = BurgersColeHopf.StandardGrid();
        var u = BurgersColeHopf.Solve(x, t, Viscosity);
        return ReferenceSolution.OnGrid(["x", "t"], [x, t], new Dictionary<string, double[]> { ["u"] = Metrics.Flatten(u) },
            "exact (Cole-Hopf, Gauss-Hermite quadrature)");
    }
}
