using Physis.Evaluation;
using Physis.Geometry;
using Physis.Problems;
using Physis.Runs;
using Physis.Solvers;

namespace Physis.Suite.Problems;

/// <summary>
/// Linear advection u_t + c u_x = 0 on x in (0, 2 pi), t in [0, 1], u0 = sin x, periodic: exact u = sin(x - c t).
/// At large speeds (c = 30, 80) a plain PINN fails, the failure mode studied by Krishnapriyan et al. (2021).
/// </summary>
public sealed class AdvectionProblem(double speed = 30) : ICatalogProblem
{
    public double Speed { get; } = speed > 0 && double.IsFinite(speed)
        ? speed
        : throw new ArgumentException($"The advection speed must be positive, got {speed}.");
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

    // Hard window starts at half the marching budget, with windows short enough that each carries the wave a few radians:
    // a window that must transport it much further stays near u = 0 (docs/results.md).
    public IReadOnlyDictionary<string, PinnSettings> Presets { get; } =
        MethodPresets.PeriodicAblation(MethodPresets.TimeDependent(200, 256), period: 2 * Math.PI, defaultMethod: "periodic-marching-hard",
            s => MethodPresets.HalfMarchingBudget(s) with
            {
                Marching = s.Marching with { Windows = speed <= 30 ? 10 : (int)Math.Ceiling(speed / 2) },
            });

    public ReferenceSolution Reference()
    {
        double c = Speed;
        return ReferenceSolution.Exact(["x", "t"], [UniformGrid.Linspace(0, 2 * Math.PI, 256), UniformGrid.Linspace(0, 1, 101)],
            new Dictionary<string, Func<double[], double>> { ["u"] = p => Math.Sin(p[0] - c * p[1]) });
    }
}
