using Physis.Problems;
using Physis.Training.Eigen;

namespace Physis.Suite.Problems;

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
