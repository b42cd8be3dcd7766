using Physis.Evaluation;
using Physis.Geometry;
using Physis.Networks;
using Physis.Networks.Constraints;
using Physis.Problems;
using Physis.Runs;
using Physis.Training;

namespace Physis.Suite.Problems;

/// <summary>
/// Lid-driven cavity at Re = 100 on the unit square: u = 1 on the lid y = 1, no slip elsewhere, pressure pinned at the
/// lower-left corner. The reference is the centre-line table of Ghia, Ghia and Shin (1982): u along x = 0.5 and v
/// along y = 0.5 (their multigrid solution on a 129 x 129 grid).
/// </summary>
public sealed class CavityProblem : ICatalogProblem
{
    public BenchmarkTarget Target { get; } = new("relative L2 at the table points", 2e-2, "Ghia et al. 1982 table");
    private const double Reynolds = 100;

    // Ghia et al. (1982), Table I (u on the vertical centre line) and Table II (v on the horizontal centre line), Re = 100.
    private static readonly double[] GhiaY = [1.0000, 0.9766, 0.9688, 0.9609, 0.9531, 0.8516, 0.7344, 0.6172, 0.5000, 0.4531, 0.2813, 0.1719, 0.1016,
        0.0703, 0.0625, 0.0547, 0.0000];
    private static readonly double[] GhiaU = [1.00000, 0.84123, 0.78871, 0.73722, 0.68717, 0.23151, 0.00332, -0.13641, -0.20581, -0.21090, -0.15662,
        -0.10150, -0.06434, -0.04775, -0.04192, -0.03717, 0.00000];
    private static readonly double[] GhiaX = [1.0000, 0.9688, 0.9609, 0.9531, 0.9453, 0.9063, 0.8594, 0.8047, 0.5000, 0.2344, 0.2266, 0.1563, 0.0938,
        0.0781, 0.0703, 0.0625, 0.0000];
    private static readonly double[] GhiaV = [0.00000, -0.05906, -0.07391, -0.08864, -0.10313, -0.16914, -0.22445, -0.24533, 0.05454, 0.17527,
        0.17507, 0.16077, 0.12317, 0.10890, 0.10091, 0.09233, 0.00000];

    public string Name => "cavity";
    public string Description => "Lid-driven cavity, steady Navier-Stokes at Re = 100 on [0, 1]^2, lid u = 1 at y = 1";

    private static bool OnLid(double[] p) => Math.Abs(p[1] - 1) < 1e-9;

    /// <summary>
    /// v = phi(x, y) N_v, phi the box's distance function: v = 0 on every wall exactly. u has no continuous hard form
    /// (the lid's u = 1 meets the walls' u = 0 at the two upper corners), so its conditions stay loss terms.
    /// </summary>
    public HardConstraint HardConstraint => new(new DirichletConstraintOptions { Fields = ["v"] }, [wallsV]);

    private readonly Condition wallsV = Condition.Dirichlet("v");

    public PdeProblem Create() => new(new Rectangle(0, 0, 1, 1), SteadyNavierStokes.Residuals(Reynolds),
        [
            Condition.Dirichlet("u", 1.0, where: OnLid).Named("lid_u"),
            Condition.Dirichlet("u", where: p => !OnLid(p)).Named("wall_u"),
            wallsV,
            Condition.PointData("p", new double[,] { { 0, 0 } }, [0.0]),
        ], SteadyNavierStokes.Fields);

    public IReadOnlyDictionary<string, PinnSettings> Presets { get; } = new Dictionary<string, PinnSettings>
    {
        // v = 0 on the walls built in (hard constraints) with a long L-BFGS phase: the wall terms no longer compete with
        // the momentum residuals (docs/results.md compares it with every wall condition as a loss term).
        ["default"] = new PinnSettings
        {
            Network = NetworkOptions.Mlp([50, 50, 50, 50]),
            HardConstraints = true,
            Sampling = new Sampling(6000, 1000, 160),
            Schedule = new OptimizerSchedule { AdamIterations = 3000, LbfgsIterations = 16_000 },
            Precision = Precision.Float64,
        },
    };

    public ReferenceSolution Reference()
    {
        int n = GhiaY.Length + GhiaX.Length;
        var points = new double[n, 2];
        var u = Enumerable.Repeat(double.NaN, n).ToArray();
        var v = Enumerable.Repeat(double.NaN, n).ToArray();
        for (int i = 0; i < GhiaY.Length; i++) (points[i, 0], points[i, 1], u[i]) = (0.5, GhiaY[i], GhiaU[i]);
        for (int i = 0; i < GhiaX.Length; i++)
            (points[GhiaY.Length + i, 0], points[GhiaY.Length + i, 1], v[GhiaY.Length + i]) = (GhiaX[i], 0.5, GhiaV[i]);
        return new ReferenceSolution
        {
            Points = points,
            Values = new Dictionary<string, double[]> { ["u"] = u, ["v"] = v },
            Source = "Ghia, Ghia and Shin (1982), centre lines",
        };
    }
}
