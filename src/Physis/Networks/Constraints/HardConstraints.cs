using Physis.Differentiation;
using Physis.Geometry;
using Physis.Problems;
using static TorchSharp.torch;

namespace Physis.Networks.Constraints;

/// <summary>
/// Output transforms that satisfy conditions exactly, for <see cref="Mlp.OutputTransform"/> and
/// <see cref="PinnNetwork.OutputTransform"/>. A condition imposed this way needs no loss term: leave it out of the
/// problem (or keep it as a check; its loss is then zero up to round-off).
/// </summary>
public static class HardConstraints
{
    /// <summary>
    /// Dirichlet: u = g(x) + phi(x) * N(x), so u = g wherever phi = 0.
    /// </summary>
    /// <param name="distance">zero exactly on the boundary where u = g</param>
    /// <param name="value">g: points [n, d] to [n, 1] or [n, outputs]; null for g = 0</param>
    /// <param name="fields">output columns to constrain; null constrains all</param>
    public static OutputTransform Dirichlet(DistanceFunction distance, Func<Tensor, Tensor>? value = null, IReadOnlyList<int>? fields = null)
    {
        ArgumentNullException.ThrowIfNull(distance);
        return new DirichletTransform(distance, value, fields).Apply;
    }

    /// <summary>The Dirichlet transform, with a line form for the stochastic Taylor estimators (<see cref="ILineOutputTransform"/>).</summary>
    private sealed class DirichletTransform(DistanceFunction distance, Func<Tensor, Tensor>? value, IReadOnlyList<int>? fields)
        : ILineOutputTransform
    {
        public Tensor Apply(Tensor x, Tensor y) => Constrain(distance.Evaluate(x), () => x, y);

        public Tensor Along(PointLines lines, Tensor rawOutput) => Constrain(distance.Along(lines), lines.Materialize, rawOutput);

        private Tensor Constrain(Tensor phi, Func<Tensor> points, Tensor y)
        {
            var constrained = phi * y;
            if (value is not null)
            {
                var x = points();
                constrained = CheckedValue(value, x, y, "boundary value") + constrained;
            }
            return Select(y, constrained, fields);
        }
    }

    /// <summary>Dirichlet with a constant boundary value: u = g + phi(x) * N(x).</summary>
    public static OutputTransform Dirichlet(DistanceFunction distance, double value, IReadOnlyList<int>? fields = null)
    {
        if (!double.IsFinite(value)) throw new ArgumentException($"The Dirichlet value must be finite, got {value}.");
        return Dirichlet(distance, value == 0 ? null : x => full([x.shape[0], 1], value, x.dtype, x.device), fields);
    }

    /// <summary>
    /// Initial condition: u = u0(x) + (t - t0) * N(x, t), so u = u0 at t = t0. With <paramref name="spatialDistance"/>,
    /// u = u0(x) + (t - t0) * phi(x) * N(x, t) also keeps u = u0 on the spatial boundary for all t (a homogeneous
    /// Dirichlet condition when u0 vanishes there).
    /// </summary>
    /// <param name="timeCoordinate">index of t in the input (the last one for space-time problems)</param>
    /// <param name="initialValue">u0: points [n, d] (all coordinates) to [n, 1] or [n, outputs]</param>
    public static OutputTransform Initial(int timeCoordinate, double t0, Func<Tensor, Tensor> initialValue,
                                         DistanceFunction? spatialDistance = null, IReadOnlyList<int>? fields = null)
    {
        ArgumentNullException.ThrowIfNull(initialValue);
        return Dirichlet(InitialDistance(timeCoordinate, t0, spatialDistance), initialValue, fields);
    }

    /// <summary>
    /// <see cref="Initial(int, double, Func{Tensor, Tensor}, DistanceFunction?, IReadOnlyList{int}?)"/> at the start of a
    /// space-time problem's time interval, with the constrained fields by name (null: all).
    /// </summary>
    public static OutputTransform Initial(PdeProblem problem, Func<Tensor, Tensor> initialValue, DistanceFunction? spatialDistance = null,
        IReadOnlyList<string>? fields = null)
    {
        var (time, t0) = Start(problem);
        return Initial(time, t0, initialValue, spatialDistance, Columns(problem, fields));
    }

    /// <summary>
    /// <see cref="InitialWithVelocity(int, double, Func{Tensor, Tensor}, Func{Tensor, Tensor}?, DistanceFunction?, IReadOnlyList{int}?, double?)"/>
    /// at the start of a space-time problem's time interval, with the constrained fields by name (null: all).
    /// </summary>
    public static OutputTransform InitialWithVelocity(PdeProblem problem, Func<Tensor, Tensor> initialValue,
        Func<Tensor, Tensor>? initialVelocity, DistanceFunction? spatialDistance = null, IReadOnlyList<string>? fields = null,
        double? timeScale = null)
    {
        var (time, t0) = Start(problem);
        return InitialWithVelocity(time, t0, initialValue, initialVelocity, spatialDistance, Columns(problem, fields), timeScale);
    }

    /// <summary><see cref="Dirichlet(DistanceFunction, Func{Tensor, Tensor}?, IReadOnlyList{int}?)"/> with the fields by name.</summary>
    public static OutputTransform Dirichlet(PdeProblem problem, DistanceFunction distance, Func<Tensor, Tensor>? value,
        IReadOnlyList<string> fields) => Dirichlet(distance, value, Columns(problem, fields));

    /// <summary>The time coordinate's index and the initial time of a space-time problem.</summary>
    private static (int Time, double T0) Start(PdeProblem problem) => problem.Geometry is SpaceTime spaceTime
        ? (problem.Terms.CoordinateIndex("t"), spaceTime.T0)
        : throw new ArgumentException("An initial-condition constraint needs a space-time problem (geometry.WithTime(t0, t1)).");

    private static List<int>? Columns(PdeProblem problem, IReadOnlyList<string>? fields) => fields?.Select(problem.Terms.FieldIndex).ToList();

    /// <summary>
    /// Initial value and velocity of a second-order-in-time problem (a wave): u = u0(x) + (t - t0) v0(x) + psi(t) N with
    /// psi = (t - t0)^2, or with a <paramref name="timeScale"/> tau the saturating psi = s^2 / (1 + s^2), s = (t - t0) / tau.
    /// Either way psi has a double zero at t0, so u = u0 and u_t = v0 there. The saturating form keeps N of the size of
    /// u - u0 once t - t0 exceeds tau: with (t - t0)^2 alone, N must grow like 1/(t - t0)^2 towards t0 wherever the
    /// solution accelerates fast (a wave mode of frequency w needs N of order w^2 there). With
    /// <paramref name="spatialDistance"/> the network's term is also multiplied by phi(x), so u = u0 + (t - t0) v0 on the
    /// spatial boundary for all t (a homogeneous Dirichlet condition when u0 and v0 vanish there).
    /// </summary>
    /// <param name="initialVelocity">v0: points [n, d] to [n, 1] or [n, outputs]; null for a start at rest (v0 = 0)</param>
    public static OutputTransform InitialWithVelocity(int timeCoordinate, double t0, Func<Tensor, Tensor> initialValue,
        Func<Tensor, Tensor>? initialVelocity, DistanceFunction? spatialDistance = null, IReadOnlyList<int>? fields = null, double? timeScale = null)
    {
        ArgumentNullException.ThrowIfNull(initialValue);
        var distance = VelocityDistance(timeCoordinate, t0, spatialDistance, timeScale);
        var time = TimeDistance(timeCoordinate, t0);
        Func<Tensor, Tensor> value = initialVelocity is null
            ? initialValue
            : x => initialValue(x) + time.Evaluate(x) * initialVelocity(x);
        return Dirichlet(distance, value, fields);
    }

    /// <summary>The distance of an initial-value constraint: (t - t0), times phi where the spatial boundary is constrained too.</summary>
    internal static DistanceFunction InitialDistance(int timeCoordinate, double t0, DistanceFunction? spatialDistance)
    {
        var time = TimeDistance(timeCoordinate, t0);
        return spatialDistance is null ? time : time.Times(spatialDistance);
    }

    /// <summary>The distance of an initial-velocity constraint: psi(t), times phi where the spatial boundary is constrained too.</summary>
    internal static DistanceFunction VelocityDistance(int timeCoordinate, double t0, DistanceFunction? spatialDistance, double? timeScale)
    {
        var time = TimeDistance(timeCoordinate, t0);
        if (timeScale is { } scale && !(scale > 0 && double.IsFinite(scale)))
            throw new ArgumentException($"The time scale of an initial-velocity constraint must be positive and finite, got {scale}.");
        var squared = time.Times(time);
        // s^2 as (t - t0)^2 / tau^2: the same arithmetic as the runs recorded in docs/results.md, so they can be repeated.
        var psi = timeScale is not { } tau
            ? squared
            : DistanceFunction.Saturating(squared, tau, FormattableString.Invariant($"s^2/(1 + s^2), s = (x{timeCoordinate} - {t0})/{tau}"));
        return spatialDistance is null ? psi : psi.Times(spatialDistance);
    }

    private static DistanceFunction TimeDistance(int timeCoordinate, double t0)
    {
        if (timeCoordinate < 0) throw new ArgumentException($"The time coordinate index must be non-negative, got {timeCoordinate}.");
        if (!double.IsFinite(t0)) throw new ArgumentException($"The initial time must be finite, got {t0}.");
        return DistanceFunction.Above(timeCoordinate, t0);
    }

    /// <summary>
    /// Dirichlet with the boundary value written as an expression of coordinates and constants, for example
    /// <c>Functions.Sin(Math.PI * problem.Terms.X)</c> (the form a run configuration can carry).
    /// </summary>
    public static OutputTransform Dirichlet(DistanceFunction distance, Expr value, IReadOnlyList<int>? fields = null) =>
        Dirichlet(distance, CoordinateFunction(value), fields);

    /// <summary>Initial condition with u0 written as an expression of coordinates and constants.</summary>
    public static OutputTransform Initial(int timeCoordinate, double t0, Expr initialValue, DistanceFunction? spatialDistance = null,
        IReadOnlyList<int>? fields = null) =>
        Initial(timeCoordinate, t0, CoordinateFunction(initialValue), spatialDistance, fields);

    /// <summary>An expression of coordinates as a tensor function of the points, differentiable with respect to them.</summary>
    public static Func<Tensor, Tensor> CoordinateFunction(Expr expression)
    {
        ArgumentNullException.ThrowIfNull(expression);
        var unsupported = expression.Nodes().FirstOrDefault(n => n is FieldDerivative or NormalComponent or ParameterRef or Custom);
        if (unsupported is not null)
            throw new ArgumentException("A hard-constraint value may use only coordinates, constants and functions of them; "
                + $"it contains {unsupported.GetType().Name}.");
        return x =>
        {
            var value = new EvaluationContext(new PointsOnly(x), null, new Dictionary<TrainableParameter, Tensor>()).Evaluate(expression);
            // A constant expression evaluates to a scalar: give it one row per point.
            return value.dim() == 0 ? value.expand(x.shape[0], 1) : value;
        };
    }

    private sealed class PointsOnly(Tensor points) : IFieldDerivatives
    {
        public Tensor Points => points;
        public Tensor Get(DerivativeRequest request) => throw new InvalidOperationException("A hard-constraint value cannot use network outputs.");
        public Tensor Laplacian(int field) => throw new InvalidOperationException("A hard-constraint value cannot use network outputs.");
    }

    /// <summary>Applies <paramref name="first"/>, then <paramref name="second"/> to its result.</summary>
    public static OutputTransform Then(this OutputTransform first, OutputTransform second) => (x, y) => second(x, first(x, y));

    private static Tensor CheckedValue(Func<Tensor, Tensor> value, Tensor x, Tensor y, string what)
    {
        var g = value(x);
        if (g.dim() == 1) g = g.unsqueeze(1);
        if (g.dim() != 2 || g.shape[0] != x.shape[0] || (g.shape[1] != 1 && g.shape[1] != y.shape[1]))
            throw new InvalidOperationException($"The {what} function returned shape [{string.Join(", ", g.shape)}] for {x.shape[0]} points; "
                + $"it must return [n, 1] or [n, {y.shape[1]}].");
        return g;
    }

    /// <summary>The constrained columns from <paramref name="constrained"/>, the others from the raw output.</summary>
    private static Tensor Select(Tensor raw, Tensor constrained, IReadOnlyList<int>? fields)
    {
        if (constrained.shape[1] != raw.shape[1]) constrained = constrained.expand(raw.shape);
        if (fields is null) return constrained;
        int outputs = (int)raw.shape[1];
        foreach (int f in fields)
            if (f < 0 || f >= outputs)
                throw new ArgumentException($"A hard constraint names output field {f}, but the network has {outputs} output(s).");
        var columns = new Tensor[outputs];
        for (int j = 0; j < outputs; j++) columns[j] = (fields.Contains(j) ? constrained : raw)[.., j..(j + 1)];
        return cat(columns, 1);
    }
}
