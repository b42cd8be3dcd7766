using Physis.Differentiation;
using static TorchSharp.torch;

namespace Physis.Problems;

/// <summary>Everything an expression needs at one batch of points: derivatives, normals and trainable parameters.</summary>
public sealed class EvaluationContext(IFieldDerivatives derivatives, Tensor? normals, IReadOnlyDictionary<TrainableParameter, Tensor> parameters)
{
    public Tensor Points => derivatives.Points;
    public IFieldDerivatives Derivatives => derivatives;

    public Tensor Evaluate(Expr expression) => expression switch
    {
        Constant c => tensor(c.Value, Points.dtype, Points.device),
        Coordinate c => Points[.., c.Index..(c.Index + 1)],
        FieldDerivative d => derivatives.Get(new DerivativeRequest(d.Field, d.Order)),
        FieldLaplacian l => derivatives.Laplacian(l.Field),
        NormalComponent n => normals is null
            ? throw new InvalidOperationException("The expression uses the boundary normal, which only boundary conditions provide.")
            : normals[.., n.Index..(n.Index + 1)],
        ParameterRef p => parameters.TryGetValue(p.Parameter, out var value)
            ? value
            : throw new InvalidOperationException($"Parameter '{p.Parameter.Name}' is not registered with the problem."),
        Unary u => Apply(u.Op, Evaluate(u.Operand)),
        Binary b => Apply(b.Op, Evaluate(b.Left), Evaluate(b.Right)),
        Power p => p.Exponent == 2.0 ? Evaluate(p.Base).Squared() : Pow(Evaluate(p.Base), p.Exponent),
        Custom c => c.Evaluate(this),
        _ => throw new NotSupportedException($"No evaluation rule for {expression.GetType().Name}."),
    };

    /// <summary>
    /// The exponent as a Scalar held until libtorch has used it: an implicit conversion's temporary can be finalised by
    /// the garbage collector during the native call, which libtorch then reports as "Unknown scalar type".
    /// </summary>
    private static Tensor Pow(Tensor x, double exponent)
    {
        using TorchSharp.Scalar power = exponent;
        return x.pow(power);
    }

    private static Tensor Apply(UnaryOp op, Tensor x) => op switch
    {
        UnaryOp.Negate => x.neg(),
        UnaryOp.Sin => x.sin(),
        UnaryOp.Cos => x.cos(),
        UnaryOp.Exp => x.exp(),
        UnaryOp.Log => x.log(),
        UnaryOp.Tanh => x.tanh(),
        UnaryOp.Sqrt => x.sqrt(),
        UnaryOp.Abs => x.abs(),
        _ => throw new NotSupportedException(op.ToString()),
    };

    private static Tensor Apply(BinaryOp op, Tensor a, Tensor b) => op switch
    {
        BinaryOp.Add => a + b,
        BinaryOp.Subtract => a - b,
        BinaryOp.Multiply => a * b,
        BinaryOp.Divide => a / b,
        _ => throw new NotSupportedException(op.ToString()),
    };

    /// <summary>The derivatives an expression reads, so an engine can compute them ahead of time.</summary>
    public static IReadOnlyCollection<DerivativeRequest> Requirements(IEnumerable<Expr> expressions) =>
        expressions.SelectMany(e => e.Nodes()).OfType<FieldDerivative>()
            .Select(d => new DerivativeRequest(d.Field, d.Order)).ToHashSet();
}
