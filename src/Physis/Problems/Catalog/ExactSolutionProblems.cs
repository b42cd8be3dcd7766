using Physis.Geometry;
using Physis.Networks.Constraints;
using Physis.Solvers;
using static Physis.Problems.Functions;

namespace Physis.Problems.Catalog;

/// <summary>
/// Linear advection u_t + c u_x = 0 on x in (0, 2 pi), t in [0, 1], u0 = sin x, periodic: exact u = sin(x - c t).
/// At large speeds (c = 30, 80) a plain PINN fails, the failure mode studied by Krishnapriyan et al. (2021).
/// </summary>
public sealed class AdvectionProblem(double speed = 30) : ICatalogProblem
{
    public double Speed { get; } = speed > 0 && double.IsFinite(speed) ? speed : throw new ArgumentException($"The advection speed must be positive, got {speed}.");
    public string Name => Speed == 30 ? "advection" : $"advection-{Speed:G}";
    public BenchmarkTarget Target => new(BenchmarkTarget.RelativeL2, Speed == 30 ? 1e-2 : null, "jaxpi (GPU, speed 80): 6.9e-4");
    public string Description => $"Advection u_t + {Speed:G} u_x = 0, u0 = sin x, periodic in x on (0, 2 pi)";

    public PdeProblem Create()
    {
        double c = Speed;
        return new PdeProblem(new Interval(0, 2 * Math.PI).WithTime(0, 1),
            f => f.Dt("u") + c * f.Dx("u"),
            [Condition.Initial("u", p => Math.Sin(p[0])), Condition.Periodic("u", "x")]);
    }

    // Hard window starts at half the marching budget: 2.5e-4 at speed 30 with 10 windows (3 radians of transport each),
    // 7.3e-4 at speed 80 with 40 windows of 2 radians, where 10 soft-start windows of 8 radians left the first at u = 0 (README, Results).
    public IReadOnlyDictionary<string, PinnSettings> Presets { get; } =
        MethodPresets.PeriodicAblation(PinnSettings.TimeDependentDefault(200, 256), period: 2 * Math.PI, defaultMethod: "periodic-marching-hard",
            s => MethodPresets.HalfMarchingBudget(s) with { TimeWindows = speed <= 30 ? 10 : (int)Math.Ceiling(speed / 2) });

    public ReferenceSolution Reference()
    {
        double c = Speed;
        return ReferenceSolution.Exact(["x", "t"], [UniformGrid.Linspace(0, 2 * Math.PI, 256), UniformGrid.Linspace(0, 1, 101)],
            new Dictionary<string, Func<double[], double>> { ["u"] = p => Math.Sin(p[0] - c * p[1]) });
    }
}

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
    public CatalogHardConstraint HardConstraint { get; } = new(
        new InitialConstraintOptions(f => Functions.Sin(Math.PI * f.X) + 0.5 * Functions.Sin(4 * Math.PI * f.X), AlsoBoundary: true) { FixesVelocity = true, TimeScale = 0.1 },
        ["dirichlet_u", "initial_u", "initial_dt_u"]);

    private static double Exact(double[] p) =>
        Math.Sin(Math.PI * p[0]) * Math.Cos(2 * Math.PI * p[1]) + 0.5 * Math.Sin(4 * Math.PI * p[0]) * Math.Cos(8 * Math.PI * p[1]);

    public PdeProblem Create() => new(new Interval(0, 1).WithTime(0, 1),
        f => f.Dtt("u") - 4 * f.Dxx("u"),
        [
            Condition.Dirichlet("u"),
            Condition.Initial("u", p => Math.Sin(Math.PI * p[0]) + 0.5 * Math.Sin(4 * Math.PI * p[0])),
            Condition.InitialDerivative("u"),
        ]);

    public IReadOnlyDictionary<string, PinnSettings> Presets { get; } = new Dictionary<string, PinnSettings>
    {
        // Only the residual is left to fit; the conditions' loss terms pulled against a residual of size 1e5.
        ["default"] = PinnSettings.TimeDependentDefault(400, 400) with
        {
            HardConstraints = true,
            DomainPoints = 6000,
            AdamIterations = 2000,
            LbfgsIterations = 8000,
        },
        ["soft-constraints"] = PinnSettings.TimeDependentDefault(400, 400),
    };

    public ReferenceSolution Reference() => ReferenceSolution.Exact(["x", "t"], [UniformGrid.Linspace(0, 1, 101), UniformGrid.Linspace(0, 1, 101)],
        new Dictionary<string, Func<double[], double>> { ["u"] = Exact });
}

/// <summary>Helmholtz Laplacian u + u = q on [-1, 1]^2, u = 0 on the boundary, exact u = sin(pi x) sin(4 pi y).</summary>
public sealed class HelmholtzProblem : ICatalogProblem
{
    public BenchmarkTarget Target { get; } = new(BenchmarkTarget.RelativeL2, 1e-3, "-");
    public string Name => "helmholtz";
    public string Description => "Helmholtz u_xx + u_yy + u = q on [-1, 1]^2, exact u = sin(pi x) sin(4 pi y)";

    /// <summary>u = phi(x, y) N(x, y), phi the box's distance function: u = 0 on the whole boundary exactly.</summary>
    public CatalogHardConstraint HardConstraint { get; } = new(new DirichletConstraintOptions(), ["dirichlet_u"]);

    public PdeProblem Create()
    {
        // q = (1 - pi^2 - 16 pi^2) sin(pi x) sin(4 pi y) makes the exact solution above satisfy the equation.
        double scale = 1 - 17 * Math.PI * Math.PI;
        return new PdeProblem(new Rectangle(-1, -1, 1, 1),
            f => f.Laplacian("u") + f["u"] - scale * Sin(Math.PI * f.X) * Sin(4 * Math.PI * f.Y),
            [Condition.Dirichlet("u")]);
    }

    private static readonly PinnSettings SoftConstraints = new()
    {
        Hidden = [50, 50, 50, 50],
        DomainPoints = 6000,
        BoundaryPoints = 800,
        AdamIterations = 5000,
        LbfgsIterations = 5000,
        Precision = "float64",
    };

    public IReadOnlyDictionary<string, PinnSettings> Presets { get; } = new Dictionary<string, PinnSettings>
    {
        // With the boundary built in, only the residual is left to fit (no boundary term to balance against the
        // residual's ~1e4 scale): 1.8e-4 where the soft-constrained preset below stalls at 1.6e-2.
        ["default"] = SoftConstraints with { HardConstraints = true, AdamIterations = 2000, LbfgsIterations = 8000 },
        ["soft-constraints"] = SoftConstraints,
    };

    public ReferenceSolution Reference() => ReferenceSolution.Exact(["x", "y"], [UniformGrid.Linspace(-1, 1, 101), UniformGrid.Linspace(-1, 1, 101)],
        new Dictionary<string, Func<double[], double>> { ["u"] = p => Math.Sin(Math.PI * p[0]) * Math.Sin(4 * Math.PI * p[1]) });
}

/// <summary>
/// Poisson -Laplacian u = f on the square [-1, 1]^2 with four circular holes (a CSG difference), Dirichlet data from
/// the manufactured solution u = sin(pi x) sin(pi y) + x y on the outer and the hole boundaries.
/// </summary>
public sealed class PoissonHolesProblem : ICatalogProblem
{
    public BenchmarkTarget Target { get; } = new(BenchmarkTarget.RelativeL2, 1e-3, "-");
    public string Name => "poisson-holes";
    public string Description => "Poisson -Laplacian u = 2 pi^2 sin(pi x) sin(pi y) on [-1, 1]^2 minus four disks, exact u = sin(pi x) sin(pi y) + x y";

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
            Hidden = [40, 40, 40],
            DomainPoints = 4000,
            BoundaryPoints = 1200,
            AdamIterations = 3000,
            LbfgsIterations = 3000,
            Precision = "float64",
        },
    };

    public ReferenceSolution Reference()
    {
        var domain = Domain();
        return ReferenceSolution.Exact(["x", "y"], [UniformGrid.Linspace(-1, 1, 101), UniformGrid.Linspace(-1, 1, 101)],
            new Dictionary<string, Func<double[], double>> { ["u"] = Exact }, inside: p => domain.Contains(p));
    }
}

/// <summary>Heat u_t = 0.05 Laplacian u on [0, 1]^2, t in [0, 1], u = 0 on the boundary, exact u = exp(-0.1 pi^2 t) sin(pi x) sin(pi y).</summary>
public sealed class Heat2DProblem : ICatalogProblem
{
    public BenchmarkTarget Target { get; } = new(BenchmarkTarget.RelativeL2, 1e-3, "-");
    public string Name => "heat-2d";
    public string Description => "Heat u_t = 0.05 (u_xx + u_yy) on [0, 1]^2 x [0, 1], exact u = exp(-0.1 pi^2 t) sin(pi x) sin(pi y)";

    public PdeProblem Create() => new(new Rectangle(0, 0, 1, 1).WithTime(0, 1),
        f => f.Dt("u") - 0.05 * f.Laplacian("u"),
        [Condition.Dirichlet("u"), Condition.Initial("u", p => Math.Sin(Math.PI * p[0]) * Math.Sin(Math.PI * p[1]))]);

    public IReadOnlyDictionary<string, PinnSettings> Presets { get; } = new Dictionary<string, PinnSettings>
    {
        ["default"] = new PinnSettings
        {
            Hidden = [32, 32, 32],
            DomainPoints = 6000,
            BoundaryPoints = 1000,
            InitialPoints = 500,
            AdamIterations = 3000,
            LbfgsIterations = 3000,
            Precision = "float64",
        },
    };

    public ReferenceSolution Reference() => ReferenceSolution.Exact(["x", "y", "t"],
        [UniformGrid.Linspace(0, 1, 41), UniformGrid.Linspace(0, 1, 41), UniformGrid.Linspace(0, 1, 11)],
        new Dictionary<string, Func<double[], double>>
        {
            ["u"] = p => Math.Exp(-0.1 * Math.PI * Math.PI * p[2]) * Math.Sin(Math.PI * p[0]) * Math.Sin(Math.PI * p[1]),
        });
}
