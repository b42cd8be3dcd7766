using Physis.Geometry;
using Physis.Networks;
using Physis.Networks.Architectures;
using Physis.Networks.Embeddings;
using Physis.Solvers;
using Physis.Training.Eigen;
using static TorchSharp.torch;

namespace Physis.Problems.Catalog;

/// <summary>
/// An eigenvalue problem of the suite: H psi = E psi with a trainable energy per state, solved state by state with a
/// normalisation constraint and orthogonality to the lower states (the seed work on PINNs for one-dimensional quantum
/// wells). Units with hbar^2 / 2m = 1, so H = -d^2/dx^2 + V(x).
/// </summary>
public interface ICatalogEigenProblem : ICatalogProblem
{
    /// <summary>The problem of one state, with its energy parameter and the normalisation/orthogonality conditions.</summary>
    PdeProblem CreateState(TrainableParameter energy, IReadOnlyList<Condition> extra);
    IReadOnlyList<double> InitialEnergies { get; }
    IReadOnlyList<double> ExactEnergies { get; }
    /// <summary>State n (0-based) at x, up to normalisation and sign.</summary>
    double ExactState(int n, double x);
    /// <summary>State n on <see cref="EvaluationGrid"/>, scaled to unit L2 norm.</summary>
    double[] NormalisedState(int n);
    EigenSolverOptions SolverOptions { get; }
    /// <summary>Where the states are plotted and compared.</summary>
    double[] EvaluationGrid { get; }
    /// <summary>
    /// The energy of a trained state by its Rayleigh quotient, from <paramref name="state"/> ([n, 1] points to [n, 1]
    /// values). Being variational, its error is of the order of the square of the state's error, and in weak form
    /// it needs no second derivative across a jump of the potential, where the trained eigenvalue is biased.
    /// </summary>
    double RayleighQuotient(Func<double[,], double[,]> state);
    /// <summary>A run reports state n's Rayleigh quotient as E{n}_rayleigh beside its trained energy E{n}.</summary>
    const string RayleighSuffix = "_rayleigh";
}

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
            Hidden = [32, 32],
            DomainPoints = 256,
            BoundaryPoints = 2,
            SamplingMethod = SamplingMethod.Hammersley,
            AdamIterations = 2000,
            LearningRate = 1e-2,
            LbfgsIterations = 3000,
            Precision = "float64",
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

/// <summary>Infinite well on [0, 1]: E_n = n^2 pi^2, psi_n = sqrt(2) sin(n pi x); the first three states.</summary>
public sealed class InfiniteQuantumWell : QuantumWellProblem
{
    public override string Name => "quantum-well";
    public override string Description => "Infinite quantum well -psi'' = E psi on [0, 1], psi(0) = psi(1) = 0, first three states";
    public override BenchmarkTarget Target { get; } = new("energy relative error (Rayleigh quotient)", 1e-5, "exact n^2 pi^2") { EstimateSuffix = ICatalogEigenProblem.RayleighSuffix };
    public override IReadOnlyList<double> InitialEnergies { get; } = [8.0, 35.0, 85.0];
    public override IReadOnlyList<double> ExactEnergies { get; } = [Math.PI * Math.PI, 4 * Math.PI * Math.PI, 9 * Math.PI * Math.PI];
    public override double ExactState(int n, double x) => Math.Sin((n + 1) * Math.PI * x);
    public override double[] EvaluationGrid { get; } = UniformGrid.Linspace(0, 1, 201);
    protected override Interval Domain => new(0, 1);
    protected override Expr PotentialTimesPsi(Terms f) => 0.0 * f["u"];
    protected override double Potential(double x) => 0;
}

/// <summary>
/// Finite well V = 0 for |x| &lt; a = 1 and V0 = 20 outside, in a box [-L, L] = [-3, 3] with psi = 0 at its walls. Outside
/// the well the states are sinh(kappa (L - |x|)), so the energies solve the box's own matching conditions exactly:
/// k tan(k a) = kappa coth(kappa (L - a)) (even states) and -k cot(k a) = kappa coth(kappa (L - a)) (odd), k = sqrt(E),
/// kappa = sqrt(V0 - E); three bound states, which differ from the infinite-domain ones by less than 1e-3.
/// </summary>
public sealed class FiniteQuantumWell : QuantumWellProblem
{
    public const double HalfWidth = 1, Depth = 20, Box = 3;

    public override string Name => "quantum-well-finite";
    public override string Description => "Finite quantum well -psi'' + V psi = E psi, V = 0 for |x| < 1 and 20 outside, in the box [-3, 3], three bound states";
    public override BenchmarkTarget Target { get; } = new("energy relative error (Rayleigh quotient)", 1e-4, "exact (transcendental equation)") { EstimateSuffix = ICatalogEigenProblem.RayleighSuffix };
    public override IReadOnlyList<double> InitialEnergies { get; } = [1.5, 7.0, 14.0];
    public override IReadOnlyList<double> ExactEnergies { get; } = BoundStateEnergies();
    public override double[] EvaluationGrid { get; } = UniformGrid.Linspace(-Box, Box, 301);
    protected override Interval Domain => new(-Box, Box);

    protected override Expr PotentialTimesPsi(Terms f) =>
        new Custom("V(x)", context =>
        {
            var x = context.Points[.., 0..1];
            return where(x.abs() < HalfWidth, zeros_like(x), full_like(x, Depth));
        }, []) * f["u"];

    protected override double Potential(double x) => Math.Abs(x) < HalfWidth ? 0 : Depth;

    /// <summary>
    /// E^2 stays below 200 here, so a normalisation weight of 1e3 already keeps psi = 0 dearer than a normalised state;
    /// at 1e5 the stiff normalisation term held the residual of the first state near 25 through 1000 Adam steps. The
    /// lower states are projected out: an overlap penalty drove the third state out of the well, onto the box state
    /// above the barrier (E = 22.45, 5% of its mass inside).
    /// </summary>
    public override EigenSolverOptions SolverOptions { get; } = new() { NormalizationWeight = 1e3, OrthogonalityWeight = 1e3, Orthogonality = Orthogonality.Projection };

    /// <summary>
    /// Interface features at the well's edges let psi'' jump by V0 psi there, as the equation demands; a smooth network
    /// spread that jump into the residual and biased the trained energies (7e-4 and 5e-3 for the first two states).
    /// Each energy is held at its start for the first 1000 Adam steps, so the state first fits the equation at that
    /// energy (whose nearest eigenstate is the one sought) instead of the energy running to the untrained state's
    /// Rayleigh quotient near the barrier; L-BFGS then needs about 10000 iterations to settle the states.
    /// </summary>
    public override IReadOnlyDictionary<string, PinnSettings> Presets { get; } = new Dictionary<string, PinnSettings>
    {
        ["default"] = DefaultSettings with
        {
            ParameterHoldIterations = 1000,
            LbfgsIterations = 12_000,
            Network = new NetworkOptions
            {
                Embeddings = [new InterfaceFeatureOptions(0, [-HalfWidth, HalfWidth])],
                Architecture = new MlpArchitecture(DefaultSettings.Hidden),
            },
        },
    };

    public override double ExactState(int n, double x)
    {
        double e = ExactEnergies[n], k = Math.Sqrt(e), kappa = Math.Sqrt(Depth - e);
        bool even = n % 2 == 0;
        double Inside(double s) => even ? Math.Cos(k * s) : Math.Sin(k * s);
        if (Math.Abs(x) < HalfWidth) return Inside(x);
        double decay = Math.Sinh(kappa * (Box - Math.Abs(x))) / Math.Sinh(kappa * (Box - HalfWidth));
        return (even ? 1 : Math.Sign(x)) * Inside(HalfWidth) * decay;
    }

    /// <summary>The bound-state energies, by bisection of each branch of the matching conditions between its poles.</summary>
    public static double[] BoundStateEnergies()
    {
        var energies = new List<double>();
        double Outside(double k)
        {
            double kappa = Math.Sqrt(Depth - k * k);
            return kappa / Math.Tanh(kappa * (Box - HalfWidth));
        }
        // On branch m, k a runs over (m pi/2, (m + 1) pi/2): tan and cot have no pole inside.
        for (int m = 0; (m * Math.PI / 2 / HalfWidth) * (m * Math.PI / 2 / HalfWidth) < Depth; m++)
        {
            double Mismatch(double k) => m % 2 == 0
                ? k * Math.Tan(k * HalfWidth) - Outside(k)
                : -k / Math.Tan(k * HalfWidth) - Outside(k);
            double lo = m * Math.PI / 2 / HalfWidth + 1e-12, hi = Math.Min((m + 1) * Math.PI / 2 / HalfWidth, Math.Sqrt(Depth)) - 1e-12;
            if (Mismatch(lo) * Mismatch(hi) > 0) continue;
            for (int i = 0; i < 200; i++)
            {
                double mid = 0.5 * (lo + hi);
                if (Mismatch(lo) * Mismatch(mid) <= 0) hi = mid; else lo = mid;
            }
            energies.Add(0.25 * (lo + hi) * (lo + hi));
        }
        return [.. energies];
    }
}
