using Physis.Geometry;

namespace Physis.Problems;

/// <summary>
/// A PDE problem: a geometry, residual equations written in <see cref="Terms"/>, conditions, and any trainable
/// parameters (found automatically in the expressions). Coordinates default to x, y, z (x1 .. xd beyond three) and t (time, last);
/// <c>coordinates</c> names them otherwise, one name per dimension of the geometry, time last.
/// </summary>
public sealed class PdeProblem
{
    public PdeProblem(Geometry.Geometry geometry, Func<Terms, Expr> residual, IEnumerable<Condition> conditions, IReadOnlyList<string>? fields = null,
        IReadOnlyList<string>? coordinates = null)
        : this(geometry, t => [residual(t)], conditions, fields, coordinates) { }

    public PdeProblem(Geometry.Geometry geometry, Func<Terms, IReadOnlyList<Expr>> residuals, IEnumerable<Condition> conditions,
        IReadOnlyList<string>? fields = null, IReadOnlyList<string>? coordinates = null)
    {
        Geometry = geometry;
        int spatial = geometry is SpaceTime st ? st.Space.Dimension : geometry.Dimension;
        // Beyond three dimensions the coordinates are numbered: x1 .. xd.
        IEnumerable<string> space = spatial <= 3 ? new[] { "x", "y", "z" }.Take(spatial) : Enumerable.Range(1, spatial).Select(i => $"x{i}");
        coordinates ??= [.. space, .. geometry is SpaceTime ? new[] { "t" } : []];
        if (coordinates.Count != geometry.Dimension || coordinates.Any(string.IsNullOrWhiteSpace)
            || coordinates.Distinct().Count() != coordinates.Count)
            throw new ArgumentException($"A {geometry.Dimension}-dimensional geometry needs {geometry.Dimension} distinct coordinate names, "
                + $"got [{string.Join(", ", coordinates)}].");
        fields ??= ["u"];
        if (fields.Count == 0 || fields.Distinct().Count() != fields.Count)
            throw new ArgumentException($"Field names must be non-empty and distinct, got [{string.Join(", ", fields)}].");
        Terms = new Terms(coordinates, fields, spatial);
        Residuals = residuals(Terms);
        if (Residuals.Count == 0) throw new ArgumentException("A problem needs at least one residual equation.");
        Conditions = conditions.ToList();
        var names = Conditions.Select(c => c.Name).GroupBy(n => n).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (names.Count > 0)
            throw new ArgumentException($"Condition names must be unique; repeated: {string.Join(", ", names)}. Use Condition.Named(...).");
        foreach (var c in Conditions)
        {
            if (c.Region == ConditionRegion.Initial && geometry is not SpaceTime)
                throw new ArgumentException($"Condition '{c.Name}' is an initial condition, but the geometry has no time axis. "
                    + "Use geometry.WithTime(t0, t1).");
            Terms.FieldIndex(c.Field);
            if (c.PeriodicCoordinateName is not null) Terms.CoordinateIndex(c.PeriodicCoordinateName);
            if (c.Region == ConditionRegion.DomainIntegral && c.Measure is null && DomainMeasure(geometry) is null)
                throw new ArgumentException($"Condition '{c.Name}' integrates over the domain, "
                    + $"whose measure Physis cannot compute for a {geometry.GetType().Name}: pass measure: (its length, area or volume).");
            if (c.ObservationPoints is not null && c.ObservationPoints.GetLength(1) != geometry.Dimension)
                throw new ArgumentException($"Condition '{c.Name}' has points of dimension {c.ObservationPoints.GetLength(1)}, "
                    + $"but the geometry has dimension {geometry.Dimension}.");
        }
        ConditionOperators = Conditions.Select(c => c.Operator(Terms)).ToList();
        Parameters = Residuals.Concat(ConditionOperators).SelectMany(e => e.Nodes()).OfType<ParameterRef>()
            .Select(p => p.Parameter).Distinct().ToList();
    }

    /// <summary>Length, area or volume of a box-shaped domain (times the duration for space-time); null for other shapes.</summary>
    public static double? DomainMeasure(Geometry.Geometry geometry) => geometry switch
    {
        AxisAlignedBox box => box.Volume,
        SpaceTime { Space: AxisAlignedBox } st => st.Bounds.Volume,
        _ => null,
    };

    /// <summary>The measure an integral condition multiplies the mean of its integrand by.</summary>
    public double IntegralMeasure(Condition condition) => condition.Measure ?? DomainMeasure(Geometry)
        ?? throw new InvalidOperationException($"Condition '{condition.Name}' has no domain measure.");

    public Geometry.Geometry Geometry { get; }
    public Terms Terms { get; }
    public IReadOnlyList<Expr> Residuals { get; }
    public IReadOnlyList<Condition> Conditions { get; }
    /// <summary>Each condition's operator, built in this problem's terms (same order as <see cref="Conditions"/>).</summary>
    public IReadOnlyList<Expr> ConditionOperators { get; }
    public IReadOnlyList<TrainableParameter> Parameters { get; }
    public IReadOnlyList<string> Fields => Terms.Fields;

    /// <summary>
    /// The same problem without the given conditions: for a network whose output transform satisfies them exactly
    /// (hard constraints), where their loss terms would only cost time.
    /// </summary>
    public PdeProblem WithoutConditions(IReadOnlyCollection<Condition> conditions)
    {
        foreach (var condition in conditions)
            if (!Conditions.Contains(condition))
                throw new ArgumentException($"Condition '{condition.Name}' is not one of this problem's conditions "
                    + $"({string.Join(", ", Conditions.Select(c => c.Name))}).");
        return new PdeProblem(Geometry, _ => Residuals, Conditions.Where(c => !conditions.Contains(c)), Fields, Terms.Coordinates);
    }

    /// <summary>
    /// The problem as text: geometry, coordinates and fields, residuals and conditions (kind, field, region, weight). A
    /// run stores it, so that resuming under the same name with a changed equation is refused. Functions given as C#
    /// delegates (boundary values, initial values) have no text and are not part of it.
    /// </summary>
    public string Describe()
    {
        var text = new System.Text.StringBuilder();
        // A high-dimensional box is described by its first and last coordinates, not a line of a million numbers.
        static string Point(double[] p) => string.Join(", ", (p.Length <= 8 ? p : [.. p.Take(3), double.NaN, .. p.TakeLast(3)])
            .Select(v => double.IsNaN(v) ? "..." : v.ToString("R", System.Globalization.CultureInfo.InvariantCulture)));
        text.AppendLine($"geometry: {Geometry.GetType().Name} [{Point(Geometry.Bounds.Min)}] .. [{Point(Geometry.Bounds.Max)}]");
        var names = Terms.Coordinates;
        text.AppendLine($"coordinates: {(names.Count <= 8 ? string.Join(", ", names) : $"{names[0]} .. {names[^1]} ({names.Count})")}; "
            + $"fields: {string.Join(", ", Fields)}");
        foreach (var residual in Residuals) text.AppendLine($"residual: {residual}");
        for (int c = 0; c < Conditions.Count; c++)
        {
            var condition = Conditions[c];
            text.AppendLine(System.FormattableString.Invariant($"condition {condition.Name}: {condition.Kind} on {condition.Field} ")
                + System.FormattableString.Invariant($"({condition.Region}), weight {condition.Weight}, operator {ConditionOperators[c]}"));
        }
        return text.ToString();
    }

    /// <summary>Loss-term names: one per residual equation, then one per condition.</summary>
    public IReadOnlyList<string> LossTermNames =>
        [.. Residuals.Select((_, i) => Residuals.Count == 1 ? "pde" : $"pde{i + 1}"), .. Conditions.Select(c => c.Name)];
}
