using Physis.Data.Datasets;
using Physis.Networks.Embeddings;
using Physis.Problems;
using Physis.Runs;

namespace Physis.Suite.Problems;

/// <summary>Allen-Cahn u_t = 1e-4 u_xx - 5 u^3 + 5 u, u0 = x^2 cos(pi x), periodic (the jaxpi benchmark).</summary>
public sealed class AllenCahnProblem : SpectralReferenceProblem
{
    public override BenchmarkTarget Target { get; } = new(BenchmarkTarget.RelativeL2, 1e-3, "jaxpi (GPU): 5.4e-5");
    public override string Name => "allen-cahn";
    public override string Description => "Allen-Cahn u_t = 1e-4 u_xx - 5u^3 + 5u, u0 = x^2 cos(pi x), periodic in x on [-1, 1]";
    protected override Func<Terms, Expr> Residual => f => f.Dt("u") - 1e-4 * f.Dxx("u") + 5 * f["u"].Pow(3) - 5 * f["u"];
    protected override double InitialValue(double x) => x * x * Math.Cos(Math.PI * x);
    protected override TrajectoryDataset Trajectory => TrajectoryDataset.AllenCahn();

    // Four harmonics of x let the network draw the sharp interfaces, which one harmonic resolves poorly (docs/results.md).
    public override IReadOnlyDictionary<string, PinnSettings> Presets { get; } =
        MethodPresets.PeriodicAblation(MethodPresets.TimeDependent(200, 512), period: 2, defaultMethod: "periodic-marching-warm",
            s => s with { Network = s.Network with { Embeddings = [PeriodicEmbeddingOptions.Of(0, 2, harmonics: 4)] } });
}
