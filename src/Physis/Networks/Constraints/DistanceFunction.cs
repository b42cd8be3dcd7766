using Physis.Differentiation;
using Physis.Geometry;
using Physis.Problems;
using static TorchSharp.torch;

namespace Physis.Networks.Constraints;

/// <summary>
/// An approximate distance function phi: points [n, d] to [n, 1], exactly zero on a boundary, positive inside, and
/// (for the building blocks) with unit normal derivative at the boundary, as in Sukumar and Srivastava (2022). Shapes
/// combine with R-functions: <see cref="And"/> (intersection) and <see cref="Or"/> (union) keep phi = 0 exactly on the
/// boundary of the combined region; <see cref="Times"/> is the smooth product (zero on the union of the zero sets).
/// </summary>
public sealed class DistanceFunction
{
    private readonly Func<Tensor, Tensor> evaluate;
    private readonly Func<PointLines, Tensor?>? alongLines;

    /// <param name="evaluate">maps points [n, d] to [n, 1], zero exactly on the constrained boundary</param>
    /// <param name="description">a short formula, for messages and run records</param>
    /// <param name="alongLines">phi on point lines without forming the moved points, or null where it cannot (then they are formed)</param>
    public DistanceFunction(Func<Tensor, Tensor> evaluate, string description, Func<PointLines, Tensor?>? alongLines = null)
    {
        this.evaluate = evaluate ?? throw new ArgumentNullException(nameof(evaluate));
        this.alongLines = alongLines;
        Description = description;
    }

    public string Description { get; }

    /// <summary>How the function is built from the building blocks below (for exporters); null for one given as a tensor function.</summary>
    internal DistanceForm? Form { get; private init; }

    public override string ToString() => Description;

    /// <summary>phi at points [n, d], as a column [n, 1].</summary>
    public Tensor Evaluate(Tensor points)
    {
        var phi = evaluate(points);
        if (phi.dim() == 1) phi = phi.unsqueeze(1);
        if (phi.dim() != 2 || phi.shape[0] != points.shape[0] || phi.shape[1] != 1)
            throw new InvalidOperationException($"Distance function '{Description}' returned shape [{string.Join(", ", phi.shape)}] for "
                + $"{points.shape[0]} points; it must return [n, 1].");
        return phi;
    }

    /// <summary>phi on every line, [c n, 1]: from the line form where there is one, else at the moved points.</summary>
    public Tensor Along(PointLines lines) => alongLines?.Invoke(lines) ?? Evaluate(lines.Materialize());

    private static Tensor Column(Tensor points, int coordinate)
    {
        if (coordinate < 0 || coordinate >= points.shape[1])
            throw new ArgumentException($"A distance function uses coordinate {coordinate}, but the points have {points.shape[1]} coordinate(s).");
        return points[.., coordinate..(coordinate + 1)];
    }

    private static void RequireCoordinate(int coordinate)
    {
        if (coordinate < 0) throw new ArgumentException($"Coordinate indices are non-negative, got {coordinate}.");
    }

    private static void RequireFinite(string what, double value)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"{what} must be finite, got {value}.");
    }

    /// <summary><see cref="Interval(int, double, double)"/> on the named coordinate of <paramref name="problem"/>.</summary>
    public static DistanceFunction Interval(PdeProblem problem, string coordinate, double a, double b) =>
        Interval(problem.Terms.CoordinateIndex(coordinate), a, b);

    /// <summary><see cref="Above(int, double)"/> on the named coordinate of <paramref name="problem"/>.</summary>
    public static DistanceFunction Above(PdeProblem problem, string coordinate, double a) => Above(problem.Terms.CoordinateIndex(coordinate), a);

    /// <summary><see cref="Below(int, double)"/> on the named coordinate of <paramref name="problem"/>.</summary>
    public static DistanceFunction Below(PdeProblem problem, string coordinate, double b) => Below(problem.Terms.CoordinateIndex(coordinate), b);

    /// <summary>(x - a)(b - x) / (b - a) on coordinate <paramref name="coordinate"/>: zero at both ends of [a, b].</summary>
    public static DistanceFunction Interval(int coordinate, double a, double b)
    {
        RequireCoordinate(coordinate);
        RequireFinite("An interval end", a);
        RequireFinite("An interval end", b);
        if (!(a < b)) throw new ArgumentException($"An interval distance needs a < b, got [{a}, {b}].");
        return new(x => { var c = Column(x, coordinate); return (c - a) * (b - c) / (b - a); },
            FormattableString.Invariant($"(x{coordinate} - {a})({b} - x{coordinate})/{b - a}"))
        { Form = new IntervalForm(coordinate, a, b) };
    }

    /// <summary>x - a on coordinate <paramref name="coordinate"/>: zero on the plane x = a, positive above (for example t - t0).</summary>
    public static DistanceFunction Above(int coordinate, double a)
    {
        RequireCoordinate(coordinate);
        RequireFinite("A half-space bound", a);
        return new(x => Column(x, coordinate) - a, FormattableString.Invariant($"x{coordinate} - {a}")) { Form = new AboveForm(coordinate, a) };
    }

    /// <summary>b - x on coordinate <paramref name="coordinate"/>: zero on the plane x = b, positive below.</summary>
    public static DistanceFunction Below(int coordinate, double b)
    {
        RequireCoordinate(coordinate);
        RequireFinite("A half-space bound", b);
        return new(x => b - Column(x, coordinate), FormattableString.Invariant($"{b} - x{coordinate}")) { Form = new BelowForm(coordinate, b) };
    }

    /// <summary>
    /// The box [lower, upper] in the named coordinates of <paramref name="problem"/>: the R-conjunction of one
    /// <see cref="Interval(int, double, double)"/> per side pair, zero on every face.
    /// </summary>
    public static DistanceFunction Box(PdeProblem problem, IReadOnlyList<double> lower, IReadOnlyList<double> upper, params string[] coordinates) =>
        Box(lower, upper, [.. coordinates.Select(problem.Terms.CoordinateIndex)]);

    /// <summary>The box [lower, upper] in the coordinates with these indices (default 0, 1, ...).</summary>
    public static DistanceFunction Box(IReadOnlyList<double> lower, IReadOnlyList<double> upper, IReadOnlyList<int>? coordinates = null)
    {
        if (lower is null || upper is null || lower.Count == 0 || lower.Count != upper.Count)
            throw new ArgumentException("A box distance needs corners with the same, positive number of coordinates; "
                + $"got {lower?.Count ?? 0} and {upper?.Count ?? 0}.");
        coordinates ??= Enumerable.Range(0, lower.Count).ToList();
        if (coordinates.Count != lower.Count)
            throw new ArgumentException($"A box distance has {lower.Count} corner coordinates but {coordinates.Count} coordinate indices.");
        var result = Interval(coordinates[0], lower[0], upper[0]);
        for (int i = 1; i < lower.Count; i++) result = result.And(Interval(coordinates[i], lower[i], upper[i]));
        return result;
    }

    /// <summary>(r^2 - |x - c|^2) / (2r) in the named coordinates of <paramref name="problem"/>: zero on the circle or sphere.</summary>
    public static DistanceFunction Ball(PdeProblem problem, IReadOnlyList<double> centre, double radius, params string[] coordinates) =>
        Ball(centre, radius, [.. coordinates.Select(problem.Terms.CoordinateIndex)]);

    /// <summary>(r^2 - |x - c|^2) / (2r) in the given coordinates (default 0, 1, ...): zero on the circle or sphere.</summary>
    public static DistanceFunction Ball(IReadOnlyList<double> centre, double radius, IReadOnlyList<int>? coordinates = null)
    {
        if (centre is null || centre.Count == 0) throw new ArgumentException("A disk or ball distance needs a centre with at least one coordinate.");
        foreach (double c in centre) RequireFinite("A centre coordinate", c);
        if (!double.IsFinite(radius) || !(radius > 0))
            throw new ArgumentException($"A disk or ball distance needs a positive, finite radius; got {radius}.");
        coordinates ??= Enumerable.Range(0, centre.Count).ToList();
        if (coordinates.Count != centre.Count)
            throw new ArgumentException($"A disk or ball distance has {centre.Count} centre coordinates but {coordinates.Count} coordinate indices.");
        foreach (int c in coordinates) RequireCoordinate(c);
        var centreCopy = centre.ToArray();
        var coordinateCopy = coordinates.ToArray();
        string centreText = string.Join(", ", centre.Select(c => c.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        // The ball in all of the points' coordinates, in order (the high-dimensional case), is one vector operation.
        bool leading = coordinateCopy.Select((c, i) => c == i).All(same => same);
        Tensor Centre(Tensor x) => tensor(centreCopy, x.dtype, x.device);
        return new(x =>
        {
            if (leading && x.shape[1] >= centreCopy.Length)
                return (radius * radius - (x[.., ..centreCopy.Length] - Centre(x)).Squared().sum(1, keepdim: true)) / (2 * radius);
            Tensor squared = (Column(x, coordinateCopy[0]) - centreCopy[0]).Squared();
            for (int i = 1; i < centreCopy.Length; i++) squared = squared + (Column(x, coordinateCopy[i]) - centreCopy[i]).Squared();
            return (radius * radius - squared) / (2 * radius);
        }, FormattableString.Invariant($"({radius}^2 - |x - ({centreText})|^2)/{2 * radius}"),
            lines => leading && lines.Points.shape[1] == centreCopy.Length
                ? (radius * radius - lines.SquaredDistance(Centre(lines.Points))) / (2 * radius)
                : null)
        {
            Form = new BallForm(coordinateCopy, centreCopy, radius),
        };
    }

    /// <summary>
    /// The distance function of a geometry's boundary: intervals, rectangles and boxes, disks, and unions, intersections
    /// and differences of them (by R-functions). For a space-time geometry it is that of the spatial part (time is free).
    /// </summary>
    public static DistanceFunction For(Geometry.Geometry geometry) => geometry switch
    {
        SpaceTime st => For(st.Space),
        AxisAlignedBox box => Box(box.Bounds.Min, box.Bounds.Max),
        Disk disk => Ball([disk.CenterX, disk.CenterY], disk.Radius),
        Geometry.Ball ball => Ball(ball.Center, ball.Radius),
        Union u => For(u.First).Or(For(u.Second)),
        Intersection i => For(i.First).And(For(i.Second)),
        Difference d => For(d.First).And(For(d.Second).Negate()),
        _ => throw new ArgumentException($"There is no built-in distance function for a {geometry.GetType().Name}; "
            + "pass your own DistanceFunction (phi = 0 exactly on the constrained boundary, > 0 inside)."),
    };

    /// <summary>-phi: swaps inside and outside (for differences of regions).</summary>
    public DistanceFunction Negate() => new(x => -Evaluate(x), $"-({Description})") { Form = new NegateForm(this) };

    /// <summary>R-conjunction phi1 + phi2 - sqrt(phi1^2 + phi2^2): zero where either is zero (the other positive), positive where both are.</summary>
    public DistanceFunction And(DistanceFunction other) =>
        new(x => RCombine(Evaluate(x), other.Evaluate(x), -1), $"({Description}) and ({other.Description})")
        {
            Form = new CombineForm(this, other, -1),
        };

    /// <summary>R-disjunction phi1 + phi2 + sqrt(phi1^2 + phi2^2): zero where
    /// either is zero (the other negative), positive where either is.</summary>
    public DistanceFunction Or(DistanceFunction other) =>
        new(x => RCombine(Evaluate(x), other.Evaluate(x), +1), $"({Description}) or ({other.Description})")
        {
            Form = new CombineForm(this, other, +1),
        };

    /// <summary>phi1 * phi2: smooth everywhere, zero on the union of both zero sets (not normalised).</summary>
    public DistanceFunction Times(DistanceFunction other) =>
        new(x => Evaluate(x) * other.Evaluate(x), $"({Description})({other.Description})", lines => Along(lines) * other.Along(lines))
        {
            Form = new TimesForm(this, other),
        };

    public static DistanceFunction operator &(DistanceFunction a, DistanceFunction b) => a.And(b);
    public static DistanceFunction operator |(DistanceFunction a, DistanceFunction b) => a.Or(b);
    public static DistanceFunction operator *(DistanceFunction a, DistanceFunction b) => a.Times(b);

    /// <summary>The floor under a^2 + b^2 in an R-function of this precision.</summary>
    internal static double CornerFloor(ScalarType dtype) => dtype == ScalarType.Float64 ? 1e-200 : 1e-30;

    /// <summary>
    /// s^2 / (1 + s^2) with s^2 = <paramref name="squared"/> / tau^2: zero with <paramref name="squared"/>, saturating at 1
    /// (the time factor of an initial-velocity constraint, <see cref="HardConstraints.VelocityDistance"/>).
    /// </summary>
    internal static DistanceFunction Saturating(DistanceFunction squared, double tau, string description) =>
        new(x => { var s2 = squared.Evaluate(x) / (tau * tau); return s2 / (1 + s2); }, description) { Form = new SaturatingForm(squared, tau) };

    private static Tensor RCombine(Tensor a, Tensor b, int sign)
    {
        // sqrt(a^2 + b^2) is exactly |a| when b = 0, so phi stays exactly zero on the boundary. Where both vanish (a
        // corner) its gradient is undefined; the floor keeps derivatives finite there at the cost of a value of
        // -sqrt(floor) at the corner point itself.
        double floor = CornerFloor(a.dtype);
        var norm = (a.Squared() + b.Squared()).clamp_min(floor).sqrt();
        return sign < 0 ? a + b - norm : a + b + norm;
    }
}

/// <summary>The building block a <see cref="DistanceFunction"/> was made with, and its arguments.</summary>
internal abstract record DistanceForm;

internal sealed record IntervalForm(int Coordinate, double A, double B) : DistanceForm;

internal sealed record AboveForm(int Coordinate, double A) : DistanceForm;

internal sealed record BelowForm(int Coordinate, double B) : DistanceForm;

internal sealed record BallForm(int[] Coordinates, double[] Centre, double Radius) : DistanceForm;

internal sealed record NegateForm(DistanceFunction Of) : DistanceForm;

/// <summary>R-conjunction (<paramref name="Sign"/> -1) or R-disjunction (+1).</summary>
internal sealed record CombineForm(DistanceFunction First, DistanceFunction Second, int Sign) : DistanceForm;

internal sealed record TimesForm(DistanceFunction First, DistanceFunction Second) : DistanceForm;

internal sealed record SaturatingForm(DistanceFunction Squared, double Tau) : DistanceForm;
