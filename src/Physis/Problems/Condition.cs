namespace Physis.Problems;

public enum ConditionKind { Dirichlet, Neumann, Robin, Periodic, Initial, InitialDerivative, PointData, Integral }

/// <summary>Where a condition's points come from.</summary>
/// <remarks><see cref="DomainIntegral"/> conditions read the domain (collocation) points and constrain one integral over them.</remarks>
public enum ConditionRegion { Boundary, Initial, Observations, PeriodicPairs, DomainIntegral }

/// <summary>
/// A condition the solution must meet, enforced softly as one loss term: mean square of
/// (operator applied to the network) - target over the condition's points; for an integral condition, the square of
/// (integral of the operator over the domain) - target, the integral estimated from the collocation points.
/// </summary>
public sealed class Condition
{
    private Condition(ConditionKind kind, string field, ConditionRegion region, Func<Terms, Expr> op)
    {
        Kind = kind;
        Field = field;
        Region = region;
        Operator = op;
        Name = $"{kind.ToString().ToLowerInvariant()}_{field}";
    }

    public ConditionKind Kind { get; }
    public string Field { get; }
    public ConditionRegion Region { get; }
    public string Name { get; private init; }
    public double Weight { get; private init; } = 1.0;
    /// <summary>What is constrained, for example u, du/dn or u_t, in the problem's terms.</summary>
    public Func<Terms, Expr> Operator { get; }
    /// <summary>Prescribed value at a point; null means zero.</summary>
    public Func<double[], double>? Target { get; private init; }
    /// <summary>Restricts a boundary condition to part of the boundary (points where this is true).</summary>
    public Func<double[], bool>? Where { get; private init; }
    /// <summary>Observation points [n, d] and values [n] for point data.</summary>
    public double[,]? ObservationPoints { get; private init; }
    public double[]? ObservationValues { get; private init; }

    public Condition WithWeight(double weight) => weight >= 0 && double.IsFinite(weight)
        ? Copy(weight: weight)
        : throw new ArgumentException($"The weight of condition '{Name}' must be a finite non-negative number, got {weight}.");

    public Condition Named(string name) => string.IsNullOrWhiteSpace(name)
        ? throw new ArgumentException("A condition name cannot be empty.")
        : Copy(name: name);

    /// <summary>u = g on the boundary (or the part of it where <paramref name="where"/> holds).</summary>
    public static Condition Dirichlet(string field, Func<double[], double>? value = null, Func<double[], bool>? where = null) =>
        new(ConditionKind.Dirichlet, field, ConditionRegion.Boundary, t => t[field]) { Target = value, Where = where };

    /// <summary>u = <paramref name="value"/>, a constant, on the boundary (or the part of it where <paramref name="where"/> holds).</summary>
    public static Condition Dirichlet(string field, double value, Func<double[], bool>? where = null) => Dirichlet(field, Constant(value), where);

    /// <summary>du/dn = g on the boundary, n the outward unit normal.</summary>
    public static Condition Neumann(string field, Func<double[], double>? flux = null, Func<double[], bool>? where = null) =>
        new(ConditionKind.Neumann, field, ConditionRegion.Boundary, t => t.NormalDerivative(field)) { Target = flux, Where = where };

    /// <summary>du/dn = <paramref name="flux"/>, a constant, on the boundary.</summary>
    public static Condition Neumann(string field, double flux, Func<double[], bool>? where = null) => Neumann(field, Constant(flux), where);

    /// <summary>alpha u + beta du/dn = g on the boundary.</summary>
    public static Condition Robin(string field, double alpha, double beta, Func<double[], double>? value = null,
        Func<double[], bool>? where = null) =>
        new(ConditionKind.Robin, field, ConditionRegion.Boundary, t => alpha * t[field] + beta * t.NormalDerivative(field))
        {
            Target = value,
            Where = where,
        };

    /// <summary>alpha u + beta du/dn = <paramref name="value"/>, a constant, on the boundary.</summary>
    public static Condition Robin(string field, double alpha, double beta, double value, Func<double[], bool>? where = null) =>
        Robin(field, alpha, beta, Constant(value), where);

    /// <summary>
    /// The field (or its derivative of the given order along the coordinate) takes equal values on the two opposite
    /// faces of the bounding box along <paramref name="coordinate"/>.
    /// </summary>
    public static Condition Periodic(string field, string coordinate, int derivativeOrder = 0) =>
        derivativeOrder < 0 ? throw new ArgumentException("The derivative order of a periodic condition cannot be negative.")
        : new(ConditionKind.Periodic, field, ConditionRegion.PeriodicPairs, t => t.D(field, Enumerable.Repeat(coordinate, derivativeOrder).ToArray()))
        {
            Name = $"periodic_{field}_{coordinate}{(derivativeOrder > 0 ? $"_d{derivativeOrder}" : "")}",
            PeriodicCoordinateName = coordinate,
            PeriodicDerivativeOrder = derivativeOrder,
        };

    /// <summary>u(x, t0) = u0(x) (space-time problems; the point passed to u0 includes t).</summary>
    public static Condition Initial(string field, Func<double[], double> value) =>
        new(ConditionKind.Initial, field, ConditionRegion.Initial, t => t[field]) { Target = value };

    /// <summary>u(x, t0) = <paramref name="value"/>, a constant.</summary>
    public static Condition Initial(string field, double value) => Initial(field, Constant(value));

    /// <summary>u_t(x, t0) = v0(x), the second initial condition of second-order-in-time equations such as the wave equation.</summary>
    public static Condition InitialDerivative(string field, Func<double[], double>? value = null) =>
        new(ConditionKind.InitialDerivative, field, ConditionRegion.Initial, t => t.Dt(field)) { Name = $"initial_dt_{field}", Target = value };

    /// <summary>u_t(x, t0) = <paramref name="value"/>, a constant.</summary>
    public static Condition InitialDerivative(string field, double value) => InitialDerivative(field, Constant(value));

    /// <summary>A constant target; refused when not finite, since the loss would be NaN from the first step.</summary>
    private static Func<double[], double> Constant(double value) => double.IsFinite(value)
        ? _ => value
        : throw new ArgumentException($"A condition's constant value must be finite, got {value}.");

    /// <summary>Observed values of a field at given points [n, d]: the data term of inverse problems.</summary>
    public static Condition PointData(string field, double[,] points, double[] values)
    {
        if (points.GetLength(0) != values.Length)
            throw new ArgumentException($"Point data for '{field}' has {points.GetLength(0)} points but {values.Length} values.");
        if (values.Length == 0) throw new ArgumentException($"Point data for '{field}' is empty.");
        if (values.Any(v => !double.IsFinite(v))) throw new ArgumentException($"Point data for '{field}' contains NaN or infinite values.");
        return new(ConditionKind.PointData, field, ConditionRegion.Observations, t => t[field])
        {
            Name = $"data_{field}",
            ObservationPoints = (double[,])points.Clone(),
            ObservationValues = (double[])values.Clone(),
        };
    }

    /// <summary>
    /// The integral over the domain of <paramref name="integrand"/> equals <paramref name="value"/>. The integral is
    /// estimated by Monte Carlo on the collocation points: <paramref name="measure"/> (the domain's length, area or
    /// volume; null takes it from a box-shaped geometry) times the mean of the integrand.
    /// </summary>
    public static Condition Integral(string name, string field, Func<Terms, Expr> integrand, double value, double? measure = null)
    {
        if (string.IsNullOrWhiteSpace(name)) throw new ArgumentException("An integral condition needs a name.");
        if (!double.IsFinite(value)) throw new ArgumentException($"Integral condition '{name}' needs a finite value, got {value}.");
        if (measure is { } m && !(m > 0 && double.IsFinite(m)))
            throw new ArgumentException($"Integral condition '{name}': the domain measure must be a positive finite number, got {m}.");
        return new(ConditionKind.Integral, field, ConditionRegion.DomainIntegral, integrand)
        {
            Name = name,
            IntegralValue = value,
            Measure = measure,
        };
    }

    /// <summary>Normalisation of an eigenfunction: the integral of field^2 over the domain is 1.</summary>
    public static Condition Normalization(string field, double? measure = null) =>
        Integral($"normalization_{field}", field, t => t[field] * t[field], 1.0, measure);

    /// <summary>
    /// Orthogonality to another function (for eigenproblems, an earlier state held fixed): the integral of
    /// field * <paramref name="other"/> over the domain is 0.
    /// </summary>
    public static Condition Orthogonality(string field, Expr other, string otherName, double? measure = null) =>
        Integral($"orthogonal_{field}_{otherName}", field, t => t[field] * other, 0.0, measure);

    /// <summary>Target of an integral condition.</summary>
    public double IntegralValue { get; private init; }
    /// <summary>Domain measure used to turn a mean over collocation points into an integral; null means the geometry's.</summary>
    public double? Measure { get; private init; }

    internal string? PeriodicCoordinateName { get; private init; }
    internal int PeriodicDerivativeOrder { get; private init; }

    private Condition Copy(string? name = null, double? weight = null) => new(Kind, Field, Region, Operator)
    {
        Name = name ?? Name,
        Weight = weight ?? Weight,
        Target = Target,
        Where = Where,
        ObservationPoints = ObservationPoints,
        ObservationValues = ObservationValues,
        PeriodicCoordinateName = PeriodicCoordinateName,
        PeriodicDerivativeOrder = PeriodicDerivativeOrder,
        IntegralValue = IntegralValue,
        Measure = Measure,
    };
}
