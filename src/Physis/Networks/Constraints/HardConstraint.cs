using Physis.Problems;

namespace Physis.Networks.Constraints;

/// <summary>
/// Conditions built into a network's output: the transform that satisfies them exactly, and the conditions themselves
/// (the problem's own <see cref="Condition"/> objects), whose loss terms are dropped when the constraint is used.
/// </summary>
public sealed record HardConstraint(HardConstraintOptions Transform, IReadOnlyList<Condition> Replaces);
