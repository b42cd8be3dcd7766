using Physis.Evaluation;
using Physis.Geometry;
using Physis.Networks;
using Physis.Networks.Constraints;
using Physis.Problems;
using Physis.Problems.HighDimensional;
using Physis.Runs;
using Physis.Training;
using Physis.Training.Adaptive;
using static Physis.Problems.Functions;

namespace Physis.Suite.Problems;

/// <summary>A built-in problem posed in any number of dimensions: <c>physis solve NAME --dimension D</c>.</summary>
public interface IDimensionalProblem : ICatalogProblem
{
    int Dimension { get; }
    /// <summary>The same problem in <paramref name="dimension"/> dimensions.</summary>
    ICatalogProblem WithDimension(int dimension);
}

/// <summary>
/// The inseparable benchmarks of SDGD and STDE on the unit ball of R^d: L u = g with u = 0 on the sphere, L the
/// Laplacian plus the equation's nonlinearity, g made from the exact two- or three-body solution (its coefficients
/// drawn from a fixed seed). The Laplacian is one <see cref="FieldLaplacian"/> node, so the run's estimator decides how
/// it is computed; the sphere condition is built into the network by default, as in the STDE code.
/// </summary>
public sealed class BallProblem : IDimensionalProblem
{
    // The coefficients c_i of the exact solution; fixed, so a problem is the same problem in every run.
    private const long CoefficientSeed = 1;
    // Held-out test points: at most this many coordinates in all, so the reference fits in memory at any d.
    private const long TestEntries = 25_000_000;

    private readonly Condition sphere = Condition.Dirichlet("u", 0.0);
    private readonly Lazy<BallSolution> solution;

    public BallProblem(BallEquation equation, bool threeBody, int dimension)
    {
        int minimum = threeBody ? 3 : 2;
        if (dimension < minimum)
            throw new ArgumentException($"The {(threeBody ? "three" : "two")}-body solution needs a dimension of at least {minimum}; "
                + $"--dimension is {dimension}.");
        Equation = equation;
        ThreeBody = threeBody;
        Dimension = dimension;
        solution = new(() => threeBody
            ? ThreeBodySolution.Random(dimension, CoefficientSeed)
            : TwoBodySolution.Random(dimension, CoefficientSeed));
    }

    public BallEquation Equation { get; }
    public bool ThreeBody { get; }
    public int Dimension { get; }

    public string Name => $"{EquationName}-{(ThreeBody ? "threebody" : "twobody")}";

    public string Description => $"{EquationTitle} with the {(ThreeBody ? "three" : "two")}-body exact solution on the unit ball of "
        + $"R^{Dimension}, u = 0 on the sphere (SDGD/STDE benchmark)";

    private string EquationName => Equation switch
    {
        BallEquation.Poisson => "poisson",
        BallEquation.AllenCahn => "allen-cahn",
        _ => "sine-gordon",
    };

    private string EquationTitle => Equation switch
    {
        BallEquation.Poisson => "Poisson Delta u = g",
        BallEquation.AllenCahn => "Allen-Cahn Delta u + u - u^3 = g",
        _ => "sine-Gordon Delta u + sin u = g",
    };

    public ICatalogProblem WithDimension(int dimension) => new BallProblem(Equation, ThreeBody, dimension);

    public BenchmarkTarget Target { get; } = new(BenchmarkTarget.RelativeL2, null, "STDE (Shi et al. 2024), Table 3");

    public HardConstraint HardConstraint => new(new DirichletConstraintOptions(), [sphere]);

    public PdeProblem Create()
    {
        var exact = solution.Value;
        var equation = Equation;
        // g depends only on the points; its name carries what fixes it, so a resumed run checks it is the same source.
        var source = new Custom($"g[{Name}, d={Dimension}, seed {CoefficientSeed}]",
            context => exact.Source(equation, context.Points).unsqueeze(1), []);
        return new PdeProblem(Ball.Unit(Dimension), f =>
        {
            var u = f["u"];
            Expr operatorOfU = Equation switch
            {
                BallEquation.Poisson => f.LaplacianOperator("u"),
                BallEquation.AllenCahn => f.LaplacianOperator("u") + u - u.Pow(3),
                _ => f.LaplacianOperator("u") + Sin(u),
            };
            return operatorOfU - source;
        }, [sphere]);
    }

    /// <summary>
    /// The STDE set-up (sail-sg/stde, Appendix H of the paper): a tanh MLP of three hidden layers of 128, the sphere
    /// built in, 100 fresh uniform points every step, Adam at 1e-3 decaying linearly to 0 over 10,000 steps, sparse STDE
    /// with 16 coordinates; float32.
    /// </summary>
    public IReadOnlyDictionary<string, PinnSettings> Presets { get; } = new Dictionary<string, PinnSettings>
    {
        ["default"] = new()
        {
            Network = NetworkOptions.Mlp([128, 128, 128]),
            HardConstraints = true,
            Sampling = new Sampling(100, Method: SamplingMethod.Uniform),
            Methods = [new UniformResampling(Every: 1)],
            Schedule = new OptimizerSchedule { AdamIterations = 10_000, LbfgsIterations = 0, LinearDecay = true },
            Laplacian = new(Physis.Differentiation.LaplacianEstimatorKind.StdeSparse, Directions: 16),
        },
    };

    /// <summary>The exact solution at held-out uniform points of the ball (20,000, fewer where d is so large they would not fit).</summary>
    public ReferenceSolution Reference()
    {
        int count = (int)Math.Clamp(TestEntries / Dimension, 50, 20_000);
        var points = Ball.Unit(Dimension).SampleInterior(count, new PointSampler(SamplingMethod.Uniform, seed: 20_241_127));
        var exact = solution.Value;
        var values = new double[count];
        var row = new double[Dimension];
        for (int i = 0; i < count; i++)
        {
            for (int k = 0; k < Dimension; k++) row[k] = points[i, k];
            values[i] = exact.Value(row);
        }
        return new ReferenceSolution
        {
            Points = points,
            Values = new Dictionary<string, double[]> { ["u"] = values },
            Source = $"exact {(ThreeBody ? "three" : "two")}-body solution at {count} uniform points",
        };
    }
}
