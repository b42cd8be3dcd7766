using Physis.Data.Datasets;
using Physis.Evaluation;
using Physis.Geometry;
using Physis.Problems;
using Physis.Runs;

namespace Physis.Suite.Problems;

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
