using Physis.Data.Datasets;
using Physis.Problems;
using Physis.Runs;

namespace Physis.Suite.Problems;

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

    // Hard and warm window starts: each window begins from the previous window's state and weights (docs/results.md).
    public override IReadOnlyDictionary<string, PinnSettings> Presets { get; } =
        MethodPresets.PeriodicAblation(MethodPresets.TimeDependent(200, 512), period: 2, defaultMethod: "periodic-marching-warm",
            MethodPresets.HalfMarchingBudget);
}
