using Physis.Geometry;
using Physis.Networks.Embeddings;
using Physis.Problems;
using Physis.Runs;
using Physis.Solvers;
using Physis.Training.Eigen;
using static TorchSharp.torch;

namespace Physis.Suite.Problems;

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
    public override string Description =>
        "Finite quantum well -psi'' + V psi = E psi, V = 0 for |x| < 1 and 20 outside, in the box [-3, 3], three bound states";
    public override BenchmarkTarget Target { get; } = new("energy relative error (Rayleigh quotient)", 1e-4, "exact (transcendental equation)")
    {
        EstimateSuffix = ICatalogEigenProblem.RayleighSuffix,
    };
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
    public override EigenSolverOptions SolverOptions { get; } = new()
    {
        NormalizationWeight = 1e3,
        OrthogonalityWeight = 1e3,
        Orthogonality = Orthogonality.Projection,
    };

    /// <summary>
    /// Interface features at the well's edges let psi'' jump by V0 psi there, as the equation demands; a smooth network
    /// spread that jump into the residual and biased the trained energies.
    /// Each energy is held at its start for the first 1000 Adam steps, so the state first fits the equation at that
    /// energy (whose nearest eigenstate is the one sought) instead of the energy running to the untrained state's
    /// Rayleigh quotient near the barrier; L-BFGS then needs about 10000 iterations to settle the states.
    /// </summary>
    public override IReadOnlyDictionary<string, PinnSettings> Presets { get; } = new Dictionary<string, PinnSettings>
    {
        ["default"] = DefaultSettings with
        {
            Schedule = DefaultSettings.Schedule with { ParameterHoldIterations = 1000, LbfgsIterations = 12_000 },
            Network = DefaultSettings.Network with { Embeddings = [new InterfaceFeatureOptions(0, [-HalfWidth, HalfWidth])] },
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
