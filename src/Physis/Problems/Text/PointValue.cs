namespace Physis.Problems.Text;

/// <summary>
/// The value of an expression of the coordinates at one point, in double precision: boundary and initial values,
/// exact solutions and constants stated in text are such expressions.
/// </summary>
public static class PointValue
{
    public static double At(Expr expression, ReadOnlySpan<double> point) => expression switch
    {
        Constant c => c.Value,
        Coordinate c => point[c.Index],
        Unary u => Apply(u.Op, At(u.Operand, point)),
        Binary b => Apply(b.Op, At(b.Left, point), At(b.Right, point)),
        Power p => p.Exponent == 2.0 ? Square(At(p.Base, point)) : Math.Pow(At(p.Base, point), p.Exponent),
        _ => throw new ArgumentException($"'{expression}' has no value at a point: only numbers, coordinates and fixed parameters do."),
    };

    /// <summary>Whether the expression has a value at a point (it reads no field, normal or trainable parameter).</summary>
    public static bool IsPointwise(Expr expression) => expression.Nodes().All(n => n is Constant or Coordinate or Unary or Binary or Power);

    /// <summary>The expression as a function of a point, for <see cref="Condition"/> targets and exact solutions.</summary>
    public static Func<double[], double> Function(Expr expression) => IsPointwise(expression)
        ? point => At(expression, point)
        : throw new ArgumentException($"'{expression}' has no value at a point: only numbers, coordinates and fixed parameters do.");

    private static double Square(double x) => x * x;

    private static double Apply(UnaryOp op, double x) => op switch
    {
        UnaryOp.Negate => -x,
        UnaryOp.Sin => Math.Sin(x),
        UnaryOp.Cos => Math.Cos(x),
        UnaryOp.Exp => Math.Exp(x),
        UnaryOp.Log => Math.Log(x),
        UnaryOp.Tanh => Math.Tanh(x),
        UnaryOp.Sqrt => Math.Sqrt(x),
        UnaryOp.Abs => Math.Abs(x),
        _ => throw new NotSupportedException(op.ToString()),
    };

    private static double Apply(BinaryOp op, double a, double b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Subtract => a - b,
        BinaryOp.Multiply => a * b,
        _ => a / b,
    };
}
