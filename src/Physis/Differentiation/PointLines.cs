using static TorchSharp.torch;

namespace Physis.Differentiation;

/// <summary>
/// Points moved along directions, x_j + t_cj v_c, for c directions and n points, without forming the c n moved points:
/// a function that is linear in x at its input (a network's first layer, a squared distance) evaluates itself on the
/// lines for the cost of one evaluation at the points plus one per direction. The directions are either coordinate
/// axes shared by every point (<see cref="Axes"/>) or one dense vector per direction and point (<see cref="Directions"/>).
/// Rows are ordered direction-major: row c n + j is point j moved along direction c.
/// </summary>
public sealed class PointLines
{
    private PointLines(Tensor points, Tensor? axes, Tensor? directions, Tensor offsets)
    {
        Points = points;
        Axes = axes;
        Directions = directions;
        Offsets = offsets;
    }

    /// <summary>The points x, [n, d].</summary>
    public Tensor Points { get; }

    /// <summary>The coordinate indices of axis directions, [c] (int64); null for dense directions.</summary>
    public Tensor? Axes { get; }

    /// <summary>Dense directions [c, n, d]; null for axis directions.</summary>
    public Tensor? Directions { get; }

    /// <summary>The positions t along the lines, [c n, 1]: derivatives in t are directional derivatives.</summary>
    public Tensor Offsets { get; }

    public long Count => Offsets.shape[0];
    public long DirectionCount => Axes?.shape[0] ?? Directions!.shape[0];

    /// <summary>Lines along the coordinate axes <paramref name="axes"/> [c] through every point.</summary>
    public static PointLines AlongAxes(Tensor points, Tensor axes, Tensor offsets) => Checked(new(points, axes, null, offsets));

    /// <summary>Lines along dense directions [c, n, d], one per direction and point.</summary>
    public static PointLines AlongDirections(Tensor points, Tensor directions, Tensor offsets) => Checked(new(points, null, directions, offsets));

    private static PointLines Checked(PointLines lines)
    {
        long n = lines.Points.shape[0], d = lines.Points.shape[1];
        if (lines.Directions is { } v && (v.dim() != 3 || v.shape[1] != n || v.shape[2] != d))
            throw new ArgumentException($"Dense directions must be [c, {n}, {d}]; got [{string.Join(", ", v.shape)}].");
        if (lines.Offsets.shape[0] != lines.DirectionCount * n)
            throw new ArgumentException($"The offsets must have one row per direction and point ({lines.DirectionCount * n}); "
                + $"got {lines.Offsets.shape[0]}.");
        return lines;
    }

    /// <summary>The points themselves as lines of zero offset, so a line form can evaluate a function at them.</summary>
    public static PointLines At(Tensor points) =>
        new(points, zeros(1, ScalarType.Int64, points.device), null, zeros([points.shape[0], 1], points.dtype, points.device));

    /// <summary>The moved points themselves, [c n, d]: the fallback for functions with no line form (memory c n d).</summary>
    public Tensor Materialize()
    {
        long c = DirectionCount, n = Points.shape[0], d = Points.shape[1];
        var replicated = Points.unsqueeze(0).expand(c, n, d).reshape(c * n, d);
        return replicated + Offsets * FlatDirections();
    }

    /// <summary>
    /// The affine map (x + t v) W^T + b on every line, [c n, m], for a weight [m, d]: x W^T once and t v W^T per direction,
    /// so axis directions read only their c columns of W.
    /// </summary>
    public Tensor Linear(Tensor weight, Tensor? bias)
    {
        long c = DirectionCount, n = Points.shape[0], m = weight.shape[0];
        var atPoints = nn.functional.linear(Points, weight, bias);
        var slope = Axes is { } axes
            ? weight.index_select(1, axes).t().unsqueeze(1)
            : Directions!.matmul(weight.t());
        return (atPoints.unsqueeze(0) + Offsets.reshape(c, n, 1) * slope).reshape(c * n, m);
    }

    /// <summary>|x + t v - centre|^2 on every line, [c n, 1], from |x - centre|^2, (x - centre) . v and |v|^2.</summary>
    public Tensor SquaredDistance(Tensor centre)
    {
        long c = DirectionCount, n = Points.shape[0];
        var shifted = Points - centre;
        var atPoints = shifted.Squared().sum(1).unsqueeze(0);
        Tensor along, length;
        if (Axes is { } axes)
        {
            along = shifted.index_select(1, axes).t();
            length = ones_like(along);
        }
        else
        {
            along = (Directions! * shifted.unsqueeze(0)).sum(2);
            length = Directions!.Squared().sum(2);
        }
        var t = Offsets.reshape(c, n);
        return (atPoints + 2 * t * along + t.Squared() * length).reshape(c * n, 1);
    }

    /// <summary>The direction of every row, [c n, d] (memory c n d).</summary>
    public Tensor FlatDirections()
    {
        long c = DirectionCount, n = Points.shape[0], d = Points.shape[1];
        var dense = Directions ?? nn.functional.one_hot(Axes!, d).to(Points.dtype).to(Points.device).unsqueeze(1).expand(c, n, d);
        return dense.reshape(c * n, d);
    }
}

/// <summary>
/// A function of points that can also evaluate itself on <see cref="PointLines"/>, for the second derivatives along
/// lines of the stochastic Taylor estimators; <see cref="Along"/> must equal the function at the materialized points.
/// </summary>
public interface ILineFunction
{
    /// <summary>Values on every line, [c n, outputs].</summary>
    Tensor Along(PointLines lines);

    /// <summary>
    /// On every line, [c n, outputs], a function of the offsets whose value and first two derivatives at offset 0 are
    /// those of <see cref="Along"/>: what the second directional derivatives of the estimators need. By default
    /// <see cref="Along"/> itself; a network that pushes Taylor jets gives its second-order Taylor polynomial, so nested
    /// autograd runs through that polynomial instead of through the network.
    /// </summary>
    Tensor AlongToSecondOrder(PointLines lines) => Along(lines);
}
