using Physis.Geometry;
using Physis.Problems;

namespace Physis.Networks.Constraints;

/// <summary>
/// A hard constraint stated against a problem rather than with tensors: the distance function comes from the problem's
/// geometry and values are expressions in its terms, so a run configuration can name one. <see cref="Create"/> gives
/// the output transform; leave the matching condition out of the problem.
/// </summary>
public abstract record HardConstraintOptions
{
    /// <summary>The constrained fields by name; null constrains every field.</summary>
    public IReadOnlyList<string>? Fields { get; init; }

    /// <summary>The output transform u = g + phi N on the constrained fields, from <see cref="Parts"/>.</summary>
    public OutputTransform Create(PdeProblem problem)
    {
        var parts = Parts(problem);
        return parts.Value is null
            ? HardConstraints.Dirichlet(parts.Distance, 0.0, parts.Fields)
            : HardConstraints.Dirichlet(parts.Distance, parts.Value, parts.Fields);
    }

    /// <summary>phi, g and the constrained fields of the transform for <paramref name="problem"/>, from which exporters write it.</summary>
    internal abstract DirichletParts Parts(PdeProblem problem);

    protected IReadOnlyList<int>? FieldIndices(PdeProblem problem)
    {
        if (Fields is null) return null;
        if (Fields.Count == 0) throw new ArgumentException($"{GetType().Name}: the field list is empty; leave it null to constrain every field.");
        return Fields.Select(f => problem.Fields.Contains(f)
            ? problem.Terms.FieldIndex(f)
            : throw new ArgumentException($"{GetType().Name}: the problem has no field '{f}'; "
                + $"its fields are {string.Join(", ", problem.Fields)}.")).ToList();
    }

    protected static Expr ValueIn(PdeProblem problem, Func<Terms, Expr> value, string what)
    {
        var expression = value(problem.Terms);
        return expression ?? throw new ArgumentException($"The {what} expression is null.");
    }
}

/// <summary>u = g on the whole (spatial) boundary of the problem's geometry:
/// u = g + phi N with phi from <see cref="DistanceFunction.For"/>.</summary>
/// <param name="Value">g in the problem's terms (coordinates and constants), or null for g = 0</param>
public sealed record DirichletConstraintOptions(Func<Terms, Expr>? Value = null) : HardConstraintOptions
{
    internal override DirichletParts Parts(PdeProblem problem) =>
        new(DistanceFunction.For(problem.Geometry), Value is null ? null : ValueIn(problem, Value, "boundary value"), FieldIndices(problem));
}

/// <summary>
/// u = u0 at the initial time of a space-time problem: u = u0 + (t - t0) N. With <see cref="AlsoBoundary"/>, also
/// u = u0 on the spatial boundary for all t: u = u0 + (t - t0) phi N (for u0 that vanishes there, a homogeneous
/// Dirichlet condition). With <see cref="FixesVelocity"/> (second order in time, a wave), also u_t = v0 at t0:
/// u = u0 + (t - t0) v0 + psi(t) [phi] N, v0 = <see cref="Velocity"/> or 0, psi = (t - t0)^2 or the saturating form of
/// <see cref="TimeScale"/>.
/// </summary>
public sealed record InitialConstraintOptions(Func<Terms, Expr> Value, bool AlsoBoundary = false) : HardConstraintOptions
{
    /// <summary>Also impose the initial velocity u_t(x, t0).</summary>
    public bool FixesVelocity { get; init; }
    /// <summary>The initial velocity v0 in the problem's terms where <see cref="FixesVelocity"/> is set; null for a start at rest.</summary>
    public Func<Terms, Expr>? Velocity { get; init; }
    /// <summary>
    /// With <see cref="FixesVelocity"/>: the time scale tau of the saturating factor s^2 / (1 + s^2), s = (t - t0) / tau,
    /// in front of the network (see <c>HardConstraints.InitialWithVelocity</c>); null for (t - t0)^2.
    /// </summary>
    public double? TimeScale { get; init; }

    internal override DirichletParts Parts(PdeProblem problem)
    {
        if (problem.Geometry is not SpaceTime spaceTime)
            throw new ArgumentException("An initial-condition hard constraint needs a space-time geometry; use geometry.WithTime(t0, t1).");
        if (Value is null) throw new ArgumentException("An initial-condition hard constraint needs the initial value u0.");
        if ((Velocity is not null || TimeScale is not null) && !FixesVelocity)
            throw new ArgumentException("An initial velocity or time scale was given but FixesVelocity is off; set FixesVelocity to impose it.");
        int time = problem.Geometry.Dimension - 1;
        var value = ValueIn(problem, Value, "initial value");
        var spatial = AlsoBoundary ? DistanceFunction.For(spaceTime.Space) : null;
        if (!FixesVelocity) return new(HardConstraints.InitialDistance(time, spaceTime.T0, spatial), value, FieldIndices(problem));
        var distance = HardConstraints.VelocityDistance(time, spaceTime.T0, spatial, TimeScale);
        if (Velocity is null) return new(distance, value, FieldIndices(problem));
        // u0 + (t - t0) v0, the arithmetic of HardConstraints.InitialWithVelocity.
        var elapsed = new Coordinate(time, problem.Terms.Coordinates[time]) - spaceTime.T0;
        return new(distance, value + elapsed * ValueIn(problem, Velocity, "initial velocity"), FieldIndices(problem));
    }
}

/// <summary>u = g + phi N on <see cref="Fields"/> (null: all): the form every hard constraint here takes.</summary>
/// <param name="Value">g in coordinates and constants; null for g = 0</param>
internal sealed record DirichletParts(DistanceFunction Distance, Expr? Value, IReadOnlyList<int>? Fields);
