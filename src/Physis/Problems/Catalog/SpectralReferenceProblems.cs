using Physis.Geometry;
using Physis.Data.Datasets;
using Physis.Networks.Embeddings;

namespace Physis.Problems.Catalog;

/// <summary>
/// Periodic 1D problems on x in [-1, 1), t in [0, 1] whose reference is the ETDRK4 pseudo-spectral trajectory on
/// the jaxpi benchmark grid (512 points in x, 201 times), as `physis generate` writes it.
/// </summary>
public abstract class SpectralReferenceProblem : ICatalogProblem
{
    public abstract string Name { get; }
    public abstract string Description { get; }
    public abstract BenchmarkTarget Target { get; }
    public abstract IReadOnlyDictionary<string, PinnSettings> Presets { get; }
    protected abstract Func<Terms, Expr> Residual { get; }
    protected abstract double InitialValue(double x);
    /// <summary>The converged trajectory generator of `physis generate` (resolution, time step and refinement chosen there).</summary>
    protected abstract TrajectoryDataset Trajectory { get; }

    public PdeProblem Create()
    {
        var geometry = new Interval(-1, 1).WithTime(0, 1);
        return new PdeProblem(geometry, Residual,
        [
            Condition.Initial("u", p => InitialValue(p[0])),
            Condition.Periodic("u", "x"),
            Condition.Periodic("u", "x", 1),
        ]);
    }

    public ReferenceSolution Reference()
    {
        var trajectory = Trajectory;
        var input = new double[trajectory.XCoordinate.Length];
        var u = new double[trajectory.TimeCoordinate.Length * input.Length];
        trajectory.CreateSolver()(new Random(0), input, u);
        return ReferenceSolution.OnGrid(["x", "t"], [trajectory.XCoordinate, trajectory.TimeCoordinate],
            new Dictionary<string, double[]> { ["u"] = u },
            $"ETDRK4 pseudo-spectral, dt = {trajectory.Parameters["dt"]:G2}, {trajectory.Parameters["solve_resolution"]} points");
    }
}

/// <summary>Allen-Cahn u_t = 1e-4 u_xx - 5 u^3 + 5 u, u0 = x^2 cos(pi x), periodic (the jaxpi benchmark).</summary>
public sealed class AllenCahnProblem : SpectralReferenceProblem
{
    public override BenchmarkTarget Target { get; } = new(BenchmarkTarget.RelativeL2, 1e-3, "jaxpi (GPU): 5.4e-5");
    public override string Name => "allen-cahn";
    public override string Description => "Allen-Cahn u_t = 1e-4 u_xx - 5u^3 + 5u, u0 = x^2 cos(pi x), periodic in x on [-1, 1]";
    protected override Func<Terms, Expr> Residual => f => f.Dt("u") - 1e-4 * f.Dxx("u") + 5 * f["u"].Pow(3) - 5 * f["u"];
    protected override double InitialValue(double x) => x * x * Math.Cos(Math.PI * x);
    protected override TrajectoryDataset Trajectory => TrajectoryDataset.AllenCahn();

    // Four harmonics of x let the network draw the sharp interfaces (README, Results: at a small marching budget 3.3e-3
    // against 7.7e-3 with one).
    public override IReadOnlyDictionary<string, PinnSettings> Presets { get; } =
        MethodPresets.PeriodicAblation(PinnSettings.TimeDependentDefault(200, 512), period: 2, defaultMethod: "periodic-marching-warm",
            s => s with { Network = s.Network! with { Embeddings = [PeriodicEmbeddingOptions.Of(0, 2, harmonics: 4)] } });
}

/// <summary>Korteweg-de Vries u_t + u u_x + 0.022^2 u_xxx = 0, u0 = cos(pi x), periodic (the jaxpi benchmark).</summary>
public sealed class KdvProblem : SpectralReferenceProblem
{
    public override BenchmarkTarget Target { get; } = new(BenchmarkTarget.RelativeL2, 5e-3, "jaxpi: 2.0e-3");
    private const double Dispersion = 0.022 * 0.022;
    public override string Name => "kdv";
    public override string Description => "KdV u_t + u u_x + 0.022^2 u_xxx = 0, u0 = cos(pi x), periodic in x on [-1, 1]";
    protected override Func<Terms, Expr> Residual => f => f.Dt("u") + f["u"] * f.Dx("u") + Dispersion * f.D("u", "x", "x", "x");
    protected override double InitialValue(double x) => Math.Cos(Math.PI * x);
    protected override TrajectoryDataset Trajectory => TrajectoryDataset.Kdv();

    // Hard and warm window starts reach the target at half the marching budget (README, Results).
    public override IReadOnlyDictionary<string, PinnSettings> Presets { get; } =
        MethodPresets.PeriodicAblation(PinnSettings.TimeDependentDefault(200, 512), period: 2, defaultMethod: "periodic-marching-warm",
            MethodPresets.HalfMarchingBudget);
}
