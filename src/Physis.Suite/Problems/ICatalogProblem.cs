using Physis.Evaluation;
using Physis.Networks.Constraints;
using Physis.Problems;
using Physis.Runs;

namespace Physis.Suite.Problems;

/// <summary>A built-in problem: its definition, the settings that solve it, and an independent reference to measure against.</summary>
public interface ICatalogProblem
{
    string Name { get; }
    string Description { get; }
    /// <summary>The problem; its conditions are the same objects on every call, so a hard constraint can name them.</summary>
    PdeProblem Create();
    /// <summary>Named configurations; "default" reaches the problem's accuracy target.</summary>
    IReadOnlyDictionary<string, PinnSettings> Presets { get; }
    ReferenceSolution Reference();
    BenchmarkTarget Target { get; }
    /// <summary>
    /// The hard constraint a run can switch on (PinnSettings.HardConstraints), naming conditions of <see cref="Create"/>'s
    /// problem; null where none is offered.
    /// </summary>
    HardConstraint? HardConstraint => null;
    /// <summary>True values of the problem's trainable parameters, for inverse problems.</summary>
    IReadOnlyDictionary<string, double> ExactParameters => new Dictionary<string, double>();
}
