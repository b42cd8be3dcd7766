using Physis.Networks.Constraints;

namespace Physis.Problems.Catalog;

/// <summary>
/// What a benchmark run of a problem must reach: the metric ("relative L2" against the reference, or the relative error
/// of a learned parameter), its target value (null where the suite only reports the figure), and the published figure
/// it is measured against.
/// </summary>
public sealed record BenchmarkTarget(string Metric, double? Value, string Anchor)
{
    public const string RelativeL2 = "relative L2";
    /// <summary>
    /// Where the judged figure is an estimate derived from each learned parameter rather than the parameter itself (the
    /// Rayleigh quotient of a trained eigenstate): the run reports it under the parameter's name with this suffix.
    /// </summary>
    public string? EstimateSuffix { get; init; }

    /// <summary>The learned parameter a reported name stands for: the name itself, or the name less <see cref="EstimateSuffix"/>.</summary>
    public string ParameterOf(string reported) =>
        EstimateSuffix is { } suffix && reported.EndsWith(suffix, StringComparison.Ordinal) ? reported[..^suffix.Length] : reported;
}

/// <summary>
/// A problem's conditions built into the network's output (<see cref="Transform"/>), and the names of the conditions
/// it satisfies exactly, whose loss terms are dropped when it is used.
/// </summary>
public sealed record CatalogHardConstraint(HardConstraintOptions Transform, IReadOnlyList<string> Replaces);

/// <summary>A built-in problem: its definition, the settings that solve it, and an independent reference to measure against.</summary>
public interface ICatalogProblem
{
    string Name { get; }
    string Description { get; }
    PdeProblem Create();
    /// <summary>Named configurations; "default" reaches the problem's accuracy target.</summary>
    IReadOnlyDictionary<string, PinnSettings> Presets { get; }
    ReferenceSolution Reference();
    BenchmarkTarget Target { get; }
    /// <summary>The hard constraint a run can switch on (PinnSettings.HardConstraints); null where none is offered.</summary>
    CatalogHardConstraint? HardConstraint => null;
    /// <summary>True values of the problem's trainable parameters, for inverse problems.</summary>
    IReadOnlyDictionary<string, double> ExactParameters => new Dictionary<string, double>();
}

public static class ProblemCatalog
{
    public static IReadOnlyList<ICatalogProblem> All { get; } =
    [
        new BurgersProblem(), new AllenCahnProblem(), new KdvProblem(), new AdvectionProblem(30), new AdvectionProblem(80),
        new WaveProblem(), new HelmholtzProblem(), new PoissonHolesProblem(), new Heat2DProblem(), new KovasznayProblem(),
        new CavityProblem(), new BurgersInverseProblem(), new InfiniteQuantumWell(), new FiniteQuantumWell(),
    ];

    public static ICatalogProblem Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown problem '{name}'. Known problems: {string.Join(", ", All.Select(p => p.Name))}.");
}
