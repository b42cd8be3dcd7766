using Physis.Evaluation;
using Physis.Geometry;
using Physis.Networks;
using Physis.Problems;
using Physis.Runs;
using Physis.Solvers;
using Physis.Training;

namespace Physis.Suite.Problems;

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
            Network = NetworkOptions.Mlp([32, 32, 32]),
            Sampling = new Sampling(6000, 1000, 500),
            Schedule = new OptimizerSchedule { AdamIterations = 3000, LbfgsIterations = 3000 },
            Precision = Precision.Float64,
        },
    };

    public ReferenceSolution Reference() => ReferenceSolution.Exact(["x", "y", "t"],
        [UniformGrid.Linspace(0, 1, 41), UniformGrid.Linspace(0, 1, 41), UniformGrid.Linspace(0, 1, 11)],
        new Dictionary<string, Func<double[], double>>
        {
            ["u"] = p => Math.Exp(-0.1 * Math.PI * Math.PI * p[2]) * Math.Sin(Math.PI * p[0]) * Math.Sin(Math.PI * p[1]),
        });
}
