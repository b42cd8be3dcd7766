using Physis.Networks.Constraints;
using Physis.Problems;
using static TorchSharp.torch;

namespace Physis.Export;

/// <summary>
/// A hard constraint's output transform u = g + phi N (<see cref="DirichletParts"/>) as ONNX operators, with phi from the
/// distance function's building blocks and g from its expression, in the order the tensor code evaluates them.
/// </summary>
internal static class ConstraintGraph
{
    /// <summary>The constrained output [n, k] from the points <paramref name="x"/> [n, d] and the raw output <paramref name="y"/> [n, k].</summary>
    public static string Apply(OnnxGraph graph, DirichletParts parts, string x, string y, int outputs)
    {
        string constrained = graph.Mul(Distance(graph, parts.Distance, x), y);
        if (parts.Value is { } value) constrained = graph.Add(Expression(graph, value, x), constrained);
        if (parts.Fields is not { } fields) return constrained;
        return graph.Concat(Enumerable.Range(0, outputs).Select(j => graph.Columns(fields.Contains(j) ? constrained : y, j)), 1);
    }

    private static string Distance(OnnxGraph graph, DistanceFunction distance, string x) => distance.Form switch
    {
        IntervalForm f => graph.Div(graph.Mul(graph.Sub(graph.Columns(x, f.Coordinate), graph.Scalar(f.A)),
            graph.Sub(graph.Scalar(f.B), graph.Columns(x, f.Coordinate))), graph.Scalar(f.B - f.A)),
        AboveForm f => graph.Sub(graph.Columns(x, f.Coordinate), graph.Scalar(f.A)),
        BelowForm f => graph.Sub(graph.Scalar(f.B), graph.Columns(x, f.Coordinate)),
        BallForm f => graph.Div(graph.Sub(graph.Scalar(f.Radius * f.Radius), f.Coordinates
                .Select((c, i) => Square(graph, graph.Sub(graph.Columns(x, c), graph.Scalar(f.Centre[i]))))
                .Aggregate(graph.Add)), graph.Scalar(2 * f.Radius)),
        NegateForm f => graph.Unary("Neg", Distance(graph, f.Of, x)),
        CombineForm f => Combine(graph, Distance(graph, f.First, x), Distance(graph, f.Second, x), f.Sign),
        TimesForm f => graph.Mul(Distance(graph, f.First, x), Distance(graph, f.Second, x)),
        SaturatingForm f => Saturating(graph, graph.Div(Distance(graph, f.Squared, x), graph.Scalar(f.Tau * f.Tau))),
        _ => throw new ArgumentException($"The hard constraint's distance function '{distance.Description}' is given as a tensor function, "
            + "which cannot be exported to ONNX; build it from the DistanceFunction building blocks."),
    };

    private static string Square(OnnxGraph graph, string x) => graph.Mul(x, x);

    private static string Saturating(OnnxGraph graph, string s2) => graph.Div(s2, graph.Add(graph.Scalar(1), s2));

    /// <summary>The R-function a + b -/+ sqrt(max(a^2 + b^2, floor)), with the float32 floor of the exported graph.</summary>
    private static string Combine(OnnxGraph graph, string a, string b, int sign)
    {
        string floor = graph.Scalar(DistanceFunction.CornerFloor(ScalarType.Float32));
        string squares = graph.Node("Max", [graph.Add(Square(graph, a), Square(graph, b)), floor]);
        string norm = graph.Unary("Sqrt", squares);
        return sign < 0 ? graph.Sub(graph.Add(a, b), norm) : graph.Add(graph.Add(a, b), norm);
    }

    /// <summary>An expression of coordinates and constants (<see cref="HardConstraints.CoordinateFunction"/>) at the points x.</summary>
    private static string Expression(OnnxGraph graph, Expr expression, string x) => expression switch
    {
        Constant c => graph.Scalar(c.Value),
        Coordinate c => graph.Columns(x, c.Index),
        Unary u => graph.Unary(u.Op switch
        {
            UnaryOp.Negate => "Neg",
            UnaryOp.Sin => "Sin",
            UnaryOp.Cos => "Cos",
            UnaryOp.Exp => "Exp",
            UnaryOp.Log => "Log",
            UnaryOp.Tanh => "Tanh",
            UnaryOp.Sqrt => "Sqrt",
            UnaryOp.Abs => "Abs",
            _ => throw new ArgumentException($"The function {u.Op} cannot be exported to ONNX."),
        }, Expression(graph, u.Operand, x)),
        Binary b => graph.Node(b.Op switch
        {
            BinaryOp.Add => "Add",
            BinaryOp.Subtract => "Sub",
            BinaryOp.Multiply => "Mul",
            _ => "Div",
        }, [Expression(graph, b.Left, x), Expression(graph, b.Right, x)]),
        Power p when p.Exponent == 2.0 => Square(graph, Expression(graph, p.Base, x)),
        Power p => graph.Node("Pow", [Expression(graph, p.Base, x), graph.Scalar(p.Exponent)]),
        _ => throw new ArgumentException($"A hard-constraint value with {expression.GetType().Name} cannot be exported to ONNX."),
    };
}
