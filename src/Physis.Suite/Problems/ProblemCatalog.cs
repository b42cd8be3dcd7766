using Physis.Problems.HighDimensional;

namespace Physis.Suite.Problems;

public static class ProblemCatalog
{
    public const int DefaultDimension = 100;

    /// <summary>The SDGD/STDE benchmarks on the unit ball, at 100 dimensions until --dimension says otherwise.</summary>
    public static IReadOnlyList<BallProblem> HighDimensional { get; } =
    [
        .. new[] { false, true }.SelectMany(threeBody => Enum.GetValues<BallEquation>()
            .Select(equation => new BallProblem(equation, threeBody, DefaultDimension))),
    ];

    public static IReadOnlyList<ICatalogProblem> All { get; } =
    [
        new BurgersProblem(), new AllenCahnProblem(), new KdvProblem(), new AdvectionProblem(30), new AdvectionProblem(80),
        new WaveProblem(), new HelmholtzProblem(), new PoissonHolesProblem(), new Heat2DProblem(), new KovasznayProblem(),
        new CavityProblem(), new BurgersInverseProblem(), new InfiniteQuantumWell(), new FiniteQuantumWell(),
        .. HighDimensional,
    ];

    public static ICatalogProblem Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown problem '{name}'. Known problems: {string.Join(", ", All.Select(p => p.Name))}.");
}
