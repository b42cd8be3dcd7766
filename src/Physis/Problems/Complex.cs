using System.Numerics;
using static Physis.Problems.Functions;

namespace Physis.Problems;

/// <summary>
/// A complex-valued expression held as its real and imaginary parts, so residuals of complex equations (the
/// nonlinear Schrödinger equation, Ginzburg-Landau) are written with complex arithmetic; <see cref="Parts"/> gives
/// the two real residual equations a <see cref="PdeProblem"/> takes.
/// </summary>
public readonly record struct ComplexExpr(Expr Re, Expr Im)
{
    /// <summary>The imaginary unit.</summary>
    public static ComplexExpr I { get; } = new(0.0, 1.0);

    public static implicit operator ComplexExpr(Expr real) => new(real, 0.0);
    public static implicit operator ComplexExpr(double real) => new(real, 0.0);

    public static ComplexExpr operator +(ComplexExpr a, ComplexExpr b) => new(Add(a.Re, b.Re), Add(a.Im, b.Im));
    public static ComplexExpr operator -(ComplexExpr a, ComplexExpr b) => new(Subtract(a.Re, b.Re), Subtract(a.Im, b.Im));
    public static ComplexExpr operator -(ComplexExpr a) => new(-a.Re, -a.Im);

    public static ComplexExpr operator *(ComplexExpr a, ComplexExpr b)
    {
        // Real and imaginary factors are common (i h_t, |h|^2 h): leave out the products with zero.
        if (IsZero(b.Im)) return new(Multiply(a.Re, b.Re), Multiply(a.Im, b.Re));
        if (IsZero(a.Im)) return new(Multiply(a.Re, b.Re), Multiply(a.Re, b.Im));
        if (IsZero(a.Re)) return new(-Multiply(a.Im, b.Im), Multiply(a.Im, b.Re));
        if (IsZero(b.Re)) return new(-Multiply(a.Im, b.Im), Multiply(a.Re, b.Im));
        return new(a.Re * b.Re - a.Im * b.Im, a.Re * b.Im + a.Im * b.Re);
    }

    public ComplexExpr Conjugate => new(Re, -Im);
    /// <summary>|z|^2 = Re^2 + Im^2.</summary>
    public Expr Abs2 => Re * Re + Im * Im;
    /// <summary>|z|; its derivative is undefined where z = 0, so residuals should prefer <see cref="Abs2"/>.</summary>
    public Expr Abs => Sqrt(Abs2);
    /// <summary>The real and the imaginary part: a complex residual as two real residual equations.</summary>
    public IReadOnlyList<Expr> Parts => [Re, Im];

    private static bool IsZero(Expr e) => e is Constant { Value: 0 };
    private static Expr Add(Expr a, Expr b) => IsZero(a) ? b : IsZero(b) ? a : a + b;
    private static Expr Subtract(Expr a, Expr b) => IsZero(b) ? a : IsZero(a) ? -b : a - b;
    private static Expr Multiply(Expr a, Expr b) => a is Constant { Value: 1 } ? b : b is Constant { Value: 1 } ? a : a * b;
}

/// <summary>
/// A complex field h = <see cref="Real"/> + i <see cref="Imaginary"/> declared as two real fields of a problem: its
/// values and derivatives as <see cref="ComplexExpr"/>, conditions on both parts at once, and |h| of a prediction.
/// </summary>
public sealed record ComplexField(string Name, string Real, string Imaginary)
{
    /// <summary>The field <paramref name="name"/> as the real fields NAME_re and NAME_im.</summary>
    public static ComplexField Of(string name) => string.IsNullOrWhiteSpace(name)
        ? throw new ArgumentException("A complex field needs a name.")
        : new(name, $"{name}_re", $"{name}_im");

    /// <summary>The two real fields, for <see cref="PdeProblem"/>'s field list.</summary>
    public IReadOnlyList<string> Fields => [Real, Imaginary];

    /// <summary>h, or its derivative along the given coordinates, in a problem's terms.</summary>
    public ComplexExpr D(Terms terms, params string[] coordinates) => new(terms.D(Real, coordinates), terms.D(Imaginary, coordinates));

    /// <summary>h(x, t0) = h0(x) on both parts.</summary>
    public IReadOnlyList<Condition> Initial(Func<double[], Complex> value) =>
        [Condition.Initial(Real, p => value(p).Real), Condition.Initial(Imaginary, p => value(p).Imaginary)];

    /// <summary>h = g on the boundary (or the part where <paramref name="where"/> holds), on both parts.</summary>
    public IReadOnlyList<Condition> Dirichlet(Func<double[], Complex> value, Func<double[], bool>? where = null) =>
        [Condition.Dirichlet(Real, p => value(p).Real, where), Condition.Dirichlet(Imaginary, p => value(p).Imaginary, where)];

    /// <summary>h (or its derivative of the given order along the coordinate) equal on opposite faces, on both parts.</summary>
    public IReadOnlyList<Condition> Periodic(string coordinate, int derivativeOrder = 0) =>
        [Condition.Periodic(Real, coordinate, derivativeOrder), Condition.Periodic(Imaginary, coordinate, derivativeOrder)];

    /// <summary>|h| at every row of a prediction [n, fields] of <paramref name="problem"/> (for example PinnTrainer.Predict's).</summary>
    public double[] Modulus(PdeProblem problem, double[,] prediction)
    {
        int re = problem.Terms.FieldIndex(Real), im = problem.Terms.FieldIndex(Imaginary);
        return [.. Enumerable.Range(0, prediction.GetLength(0)).Select(i => Math.Sqrt(prediction[i, re] * prediction[i, re]
            + prediction[i, im] * prediction[i, im]))];
    }
}
