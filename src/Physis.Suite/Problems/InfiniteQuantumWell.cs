using Physis.Geometry;
using Physis.Problems;
using Physis.Solvers;

namespace Physis.Suite.Problems;

/// <summary>Infinite well on [0, 1]: E_n = n^2 pi^2, psi_n = sqrt(2) sin(n pi x); the first three states.</summary>
public sealed class InfiniteQuantumWell : QuantumWellProblem
{
    public override string Name => "quantum-well";
    public override string Description => "Infinite quantum well -psi'' = E psi on [0, 1], psi(0) = psi(1) = 0, first three states";
    public override BenchmarkTarget Target { get; } = new("energy relative error (Rayleigh quotient)", 1e-5, "exact n^2 pi^2")
    {
        EstimateSuffix = ICatalogEigenProblem.RayleighSuffix,
    };
    public override IReadOnlyList<double> InitialEnergies { get; } = [8.0, 35.0, 85.0];
    public override IReadOnlyList<double> ExactEnergies { get; } = [Math.PI * Math.PI, 4 * Math.PI * Math.PI, 9 * Math.PI * Math.PI];
    public override double ExactState(int n, double x) => Math.Sin((n + 1) * Math.PI * x);
    public override double[] EvaluationGrid { get; } = UniformGrid.Linspace(0, 1, 201);
    protected override Interval Domain => new(0, 1);
    protected override Expr PotentialTimesPsi(Terms f) => 0.0 * f["u"];
    protected override double Potential(double x) => 0;
}
