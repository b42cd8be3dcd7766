using Physis.Geometry;
using Physis.Reporting;
using Physis.Solvers.Exact;

namespace Physis.Problems.Catalog;

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

    public PdeProblem Create()
    {
        var geometry = new Interval(-1, 1).WithTime(0, 1);
        double nu = Viscosity;
        return new PdeProblem(geometry,
            f => f.Dt("u") + f["u"] * f.Dx("u") - nu * f.Dxx("u"),
            [Condition.Dirichlet("u"), Condition.Initial("u", x => -Math.Sin(Math.PI * x[0]))]);
    }

    public IReadOnlyDictionary<string, PinnSettings> Presets { get; } = new Dictionary<string, PinnSettings>
    {
        ["default"] = new PinnSettings
        {
            Hidden = [20, 20, 20, 20],
            DomainPoints = 5000,
            BoundaryPoints = 200,
            InitialPoints = 400,
            SamplingMethod = SamplingMethod.LatinHypercube,
            AdamIterations = 1000,
            LbfgsIterations = 8000,
            Precision = "float64",
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
