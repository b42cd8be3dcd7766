using Physis.Evaluation;
using Physis.Geometry;
using Physis.Networks;
using Physis.Problems;
using Physis.Runs;
using Physis.Training;
using Physis.Training.Eigen;

namespace Physis.Suite.Problems;

public abstract class QuantumWellProblem : ICatalogEigenProblem
{
    public abstract string Name { get; }
    public abstract string Description { get; }
    public abstract BenchmarkTarget Target { get; }
    public abstract IReadOnlyList<double> InitialEnergies { get; }
    public abstract IReadOnlyList<double> ExactEnergies { get; }
    public abstract double ExactState(int n, double x);
    public abstract double[] EvaluationGrid { get; }
    protected abstract Interval Domain { get; }
    /// <summary>The potential term V(x) psi of the residual.</summary>
    protected abstract Expr PotentialTimesPsi(Terms f);
    /// <summary>V at one point, for the Rayleigh quotient.</summary>
    protected abstract double Potential(double x);

    /// <summary>Intervals of the Rayleigh quotient's grid: a multiple of 6, so the finite well's jumps at +-1 in [-3, 3] fall on nodes.</summary>
    public const int RayleighIntervals = 60_000;

    /// <summary>
    /// (integral of psi'^2 + V psi^2) / (integral of psi^2) for the piecewise-linear interpolant of psi on a uniform
    /// grid, V taken at each interval's midpoint: O(h^2), with no error from a jump of V that falls on a node.
    /// </summary>
    public double RayleighQuotient(Func<double[,], double[,]> state)
    {
        double lo = Domain.A, h = (Domain.B - lo) / RayleighIntervals;
        var nodes = new double[RayleighIntervals + 1, 1];
        for (int i = 0; i <= RayleighIntervals; i++) nodes[i, 0] = lo + i * h;
        var psi = state(nodes);
        double energy = 0, norm = 0;
        for (int i = 0; i < RayleighIntervals; i++)
        {
            double slope = (psi[i + 1, 0] - psi[i, 0]) / h;
            // The exact integral of the square of the linear interpolant over the interval.
            double square = (psi[i, 0] * psi[i, 0] + psi[i, 0] * psi[i + 1, 0] + psi[i + 1, 0] * psi[i + 1, 0]) / 3;
            energy += (slope * slope + Potential(lo + (i + 0.5) * h) * square) * h;
            norm += square * h;
        }
        return energy / norm;
    }

    /// <summary>
    /// psi = 0 satisfies the residual exactly and costs only the normalisation weight, while a normalised trial state
    /// costs its residual, of order E^2 before training: the weight must exceed that (E3 of the infinite well is 89,
    /// E^2 about 8000), or the higher states collapse to zero.
    /// </summary>
    public virtual EigenSolverOptions SolverOptions { get; } = new() { NormalizationWeight = 1e5, OrthogonalityWeight = 1e5 };

    /// <summary>
    /// psi = 0 at the walls is built into the network (psi = d(x) N(x), see <see cref="EigenRun"/>), so a state's
    /// conditions are only the normalisation and orthogonality integrals: a soft wall condition lets higher states
    /// trade a wall violation for a lower residual.
    /// </summary>
    public PdeProblem CreateState(TrainableParameter energy, IReadOnlyList<Condition> extra) =>
        new(Domain, f => -f.Dxx("u") + PotentialTimesPsi(f) - energy * f["u"], extra);

    public PdeProblem Create() =>
        CreateState(new TrainableParameter("E1", InitialEnergies[0]), [Condition.Normalization("u").WithWeight(SolverOptions.NormalizationWeight)]);

    public IReadOnlyDictionary<string, double> ExactParameters =>
        ExactEnergies.Select((e, n) => (e, n)).ToDictionary(p => $"E{p.n + 1}", p => p.e);

    public virtual IReadOnlyDictionary<string, PinnSettings> Presets { get; } = new Dictionary<string, PinnSettings>
    {
        ["default"] = DefaultSettings,
    };

    protected static PinnSettings DefaultSettings { get; } = new PinnSettings
    {
        Network = NetworkOptions.Mlp([32, 32]),
        Sampling = new Sampling(256, 2, 160, SamplingMethod.Hammersley),
        Schedule = new OptimizerSchedule { AdamIterations = 2000, LearningRate = 1e-2, LbfgsIterations = 3000 },
        Precision = Precision.Float64,
    };

    /// <summary>The normalised exact ground state on the evaluation grid (signs of eigenfunctions are arbitrary).</summary>
    public ReferenceSolution Reference()
    {
        var x = EvaluationGrid;
        return ReferenceSolution.OnGrid(["x"], [x], new Dictionary<string, double[]> { ["u"] = NormalisedState(0) }, "exact");
    }

    /// <summary>State n on the evaluation grid, scaled to unit L2 norm by the trapezoidal rule.</summary>
    public double[] NormalisedState(int n)
    {
        var x = EvaluationGrid;
        var psi = x.Select(v => ExactState(n, v)).ToArray();
        double h = x[1] - x[0], norm = 0;
        for (int i = 0; i < psi.Length; i++) norm += (i == 0 || i == psi.Length - 1 ? 0.5 : 1) * psi[i] * psi[i] * h;
        return psi.Select(v => v / Math.Sqrt(norm)).ToArray();
    }
}
