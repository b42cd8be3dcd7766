using System.Globalization;
using Physis.Differentiation;

namespace Physis.Problems;

/// <summary>
/// A symbolic term of a PDE residual or condition. Residuals are data, not code: the engine can list the
/// derivatives a problem needs before training, print the equation, and evaluate it with any differentiation engine.
/// The node set is small and closed; <see cref="Custom"/> is the escape hatch for exotic terms.
/// </summary>
public abstract record Expr
{
    public static implicit operator Expr(double value) => new Constant(value);

    public static Expr operator +(Expr a, Expr b) => new Binary(BinaryOp.Add, a, b);
    public static Expr operator -(Expr a, Expr b) => new Binary(BinaryOp.Subtract, a, b);
    public static Expr operator *(Expr a, Expr b) => new Binary(BinaryOp.Multiply, a, b);
    public static Expr operator /(Expr a, Expr b) => new Binary(BinaryOp.Divide, a, b);
    public static Expr operator -(Expr a) => new Unary(UnaryOp.Negate, a);

    public Expr Pow(double exponent) => new Power(this, exponent);

    /// <summary>Every node of the tree, depth first.</summary>
    public IEnumerable<Expr> Nodes()
    {
        var stack = new Stack<Expr>();
        stack.Push(this);
        while (stack.Count > 0)
        {
            var node = stack.Pop();
            yield return node;
            foreach (var child in node.Children()) stack.Push(child);
        }
    }

    protected virtual IEnumerable<Expr> Children() => [];

    internal static string Format(double value) => value.ToString("G6", CultureInfo.InvariantCulture);
}

public sealed record Constant(double Value) : Expr
{
    public override string ToString() => Format(Value);
}

/// <summary>The input coordinate with the given index (for example x = 0, t = 1 for a space-time problem).</summary>
public sealed record Coordinate(int Index, string Name) : Expr
{
    public override string ToString() => Name;
}

/// <summary>A partial derivative of an output field; the zero multi-index is the field itself.</summary>
public sealed record FieldDerivative(int Field, MultiIndex Order, string Label) : Expr
{
    public override string ToString() => Label;
}

/// <summary>
/// The Laplacian of a field over all input coordinates as one node: the loss's differentiation engine computes it
/// exactly or estimates it without bias (SDGD, Hutchinson, STDE), which is what makes high-dimensional problems tractable.
/// </summary>
public sealed record FieldLaplacian(int Field, string FieldName) : Expr
{
    public override string ToString() => $"laplacian({FieldName})";
}

/// <summary>Component of the outward unit normal at boundary points (only meaningful in boundary conditions).</summary>
public sealed record NormalComponent(int Index) : Expr
{
    public override string ToString() => $"n{Index}";
}

/// <summary>A trainable scalar, for inverse problems (an unknown coefficient) and eigenvalue problems.</summary>
public sealed record ParameterRef(TrainableParameter Parameter) : Expr
{
    public override string ToString() => Parameter.Name;
}

public enum UnaryOp { Negate, Sin, Cos, Exp, Log, Tanh, Sqrt, Abs }

public sealed record Unary(UnaryOp Op, Expr Operand) : Expr
{
    protected override IEnumerable<Expr> Children() => [Operand];
    public override string ToString() => Op == UnaryOp.Negate ? $"-({Operand})" : $"{Op.ToString().ToLowerInvariant()}({Operand})";
}

public enum BinaryOp { Add, Subtract, Multiply, Divide }

public sealed record Binary(BinaryOp Op, Expr Left, Expr Right) : Expr
{
    protected override IEnumerable<Expr> Children() => [Left, Right];
    public override string ToString()
    {
        string symbol = Op switch { BinaryOp.Add => "+", BinaryOp.Subtract => "-", BinaryOp.Multiply => "*", _ => "/" };
        return $"({Left} {symbol} {Right})";
    }
}

public sealed record Power(Expr Base, double Exponent) : Expr
{
    protected override IEnumerable<Expr> Children() => [Base];
    public override string ToString() => $"({Base})^{Format(Exponent)}";
}

/// <summary>
/// Escape hatch: a term computed directly from tensors. It declares the derivatives it reads through
/// <paramref name="Uses"/> so the engine still computes them ahead of time.
/// </summary>
public sealed record Custom(string Name, Func<EvaluationContext, TorchSharp.torch.Tensor> Evaluate, IReadOnlyList<Expr> Uses) : Expr
{
    protected override IEnumerable<Expr> Children() => Uses;
    public override string ToString() => Name;
}

public static class Functions
{
    public static Expr Sin(Expr e) => new Unary(UnaryOp.Sin, e);
    public static Expr Cos(Expr e) => new Unary(UnaryOp.Cos, e);
    public static Expr Exp(Expr e) => new Unary(UnaryOp.Exp, e);
    public static Expr Log(Expr e) => new Unary(UnaryOp.Log, e);
    public static Expr Tanh(Expr e) => new Unary(UnaryOp.Tanh, e);
    public static Expr Sqrt(Expr e) => new Unary(UnaryOp.Sqrt, e);
    public static Expr Abs(Expr e) => new Unary(UnaryOp.Abs, e);
}
