namespace Physis.Problems.Catalog;

/// <summary>A built-in problem: its definition, the settings that solve it, and an independent reference to measure against.</summary>
public interface ICatalogProblem
{
    string Name { get; }
    string Description { get; }
    PdeProblem Create();
    /// <summary>Named configurations; "default" reaches the problem's accuracy target.</summary>
    IReadOnlyDictionary<string, PinnSettings> Presets { get; }
    ReferenceSolution Reference();
}

public static class ProblemCatalog
{
    public static IReadOnlyList<ICatalogProblem> All { get; } = [new BurgersProblem()];

    public static ICatalogProblem Find(string name) =>
        All.FirstOrDefault(p => string.Equals(p.Name, name, StringComparison.OrdinalIgnoreCase))
        ?? throw new ArgumentException($"Unknown problem '{name}'. Known problems: {string.Join(", ", All.Select(p => p.Name))}.");
}
