using Physis.Geometry;
using Physis.Problems;
using Physis.Problems.Text;
using static Physis.Problems.Functions;

namespace Physis.Tests.Problems;

public class ExpressionParserTests
{
    private static readonly TrainableParameter Lambda = new("lambda", 1.0);

    /// <summary>Burgers-like terms: coordinates x, t, fields u and v, a fixed nu and a trainable lambda.</summary>
    private static readonly Terms F = new PdeProblem(new Interval(-1, 1).WithTime(0, 1), f => f["u"], [], ["u", "v"]).Terms;

    private static readonly Dictionary<string, Expr> Names = new() { ["nu"] = new Constant(0.5), ["lambda"] = new ParameterRef(Lambda) };

    private static Expr Residual(string text) => ExpressionParser.ParseEquation(text, ExpressionScope.Residual(F, Names));

    private static double Value(string text, params double[] point) =>
        PointValue.At(ExpressionParser.Parse(text, ExpressionScope.OfCoordinates(["x", "t"], Names, "a value")), point);

    [Theory]
    [InlineData("1 + 2 * 3", 7)]
    [InlineData("(1 + 2) * 3", 9)]
    [InlineData("2 - 3 - 4", -5)]
    [InlineData("8 / 4 / 2", 1)]
    [InlineData("2^3^2", 512)]
    [InlineData("2**3", 8)]
    [InlineData("-2^2", -4)]
    [InlineData("(-2)^2", 4)]
    [InlineData("2^-1", 0.5)]
    [InlineData("- -3", 3)]
    [InlineData("+3 - -3", 6)]
    [InlineData("1e-2 * 100", 1)]
    [InlineData(".5 + 2.", 2.5)]
    [InlineData("-3 * -2", 6)]
    [InlineData("pow(2, 10)", 1024)]
    [InlineData("nu * 4", 2)]
    [InlineData("sqrt(16) + abs(-1) + exp(0) + log(1) + cos(0) + sin(0) + tanh(0)", 7)]
    [InlineData("sech(0) + cosh(0) + sinh(0) + tan(0)", 2)]
    public void NumbersFollowThePrecedenceRules(string text, double expected) => Assert.Equal(expected, Value(text), 1e-15);

    [Fact]
    public void ConstantsFoldIntoOneNumberAsInCSharp()
    {
        var e = ExpressionParser.Parse("0.01/pi", ExpressionScope.Constants(Names, "a parameter"));
        Assert.Equal(new Constant(0.01 / Math.PI), e);
    }

    [Fact]
    public void ResidualsAreTheTreesTermsBuilds()
    {
        Assert.Equal(F.Dt("u") + F["u"] * F.Dx("u") - 0.5 * F.Dxx("u"), Residual("u_t + u*u_x - nu*u_xx"));
        Assert.Equal(F.D("u", "x", "x", "t"), Residual("d(u, x, x, t)"));
        Assert.Equal(F.D("u", "x", "t"), Residual("u_xt"));
        Assert.Equal(F.Laplacian("v"), Residual("laplacian(v)"));
        Assert.Equal(F.LaplacianOperator("v"), Residual("laplacian_operator(v)"));
        Assert.Equal(-Sin(Math.PI * F.X), Residual("-sin(pi*x)"));
        Assert.Equal(F["u"].Pow(2) * F["v"], Residual("u^2*v"));
        Assert.Equal(-(F["u"].Pow(2)), Residual("-u^2"));
        Assert.Equal(F.Dt("u") - (Expr)Lambda * F.Dxx("u"), Residual("u_t - lambda*u_xx"));
        // An equation with a right-hand side is read as left - right.
        Assert.Equal(-F.Dxx("u") - Sin(F.X), Residual("-u_xx = sin(x)"));
    }

    [Fact]
    public void UnaryMinusBindsLooserThanPowerAndTighterThanProduct()
    {
        Assert.Equal(-(F["u"].Pow(2)), Residual("-u^2"));
        Assert.Equal(-F["u"] * F["v"], Residual("-u*v"));
        Assert.Equal(F["u"] - -F["v"], Residual("u - -v"));
        Assert.Equal(F["u"].Pow(-1), Residual("u^-1"));
    }

    /// <summary>The message names what was expected; the offset points at the offending character.</summary>
    [Theory]
    [InlineData("d(u, x, x", 9, "expected ')' after the arguments of d(...)")]
    [InlineData("d(u)", 3, "expected ',' and a coordinate after the field of d(...)")]
    [InlineData("d(q, x)", 2, "expected a field as the first argument of d(...) (fields: u, v)")]
    [InlineData("d(u, s)", 5, "expected a coordinate (x, t)")]
    [InlineData("u_t + w", 6, "unknown name 'w' in a residual; known: fields u, v")]
    [InlineData("u_t + sinh(u) + sine(u)", 16, "unknown function 'sine'; known: sin, cos")]
    [InlineData("u_t + (u", 8, "expected ')' to close the '(' at column 7, got the end of the expression")]
    [InlineData("u_t + u)", 7, "unmatched ')'")]
    [InlineData("u_t +", 5, "expected a number, a name or '(', got the end of the expression")]
    [InlineData("u_t * * u", 6, "expected a number, a name or '(', got '*'")]
    [InlineData("2u", 1, "write 2*x, not 2x")]
    [InlineData("u $ v", 2, "unexpected character '$'")]
    [InlineData("u^v", 2, "the exponent must be a number")]
    [InlineData("pow(u, 1, 2)", 0, "pow(...) takes 2 arguments, got 3")]
    [InlineData("u_t + (x > 0)", 6, "expected a number, got the condition '(x > 0)'")]
    [InlineData("u = 1", 2, "'=' is only for equations; compare with '=='")]
    [InlineData("", 0, "expected an expression for a residual")]
    public void ErrorsSayWhatWasExpectedAndWhere(string text, int offset, string message)
    {
        var e = Assert.Throws<ExpressionException>(() => ExpressionParser.Parse(text, ExpressionScope.Residual(F, Names)));
        Assert.Contains(message, e.Message);
        Assert.Equal(offset, e.Offset);
    }

    [Fact]
    public void ValuesOfTheCoordinatesCannotReadFieldsOrTrainableParameters()
    {
        var scope = ExpressionScope.OfCoordinates(["x", "t"], Names, "a boundary value");
        var field = Assert.Throws<ExpressionException>(() => ExpressionParser.Parse("x + u", scope));
        Assert.Contains("unknown name 'u' in a boundary value; known: coordinates x, t; parameters nu; constants pi, e", field.Message);
        Assert.Equal(4, field.Offset);
        Assert.Contains("cannot use the trainable parameter 'lambda'",
            Assert.Throws<ExpressionException>(() => ExpressionParser.Parse("lambda", scope)).Message);
        Assert.Contains("cannot use d(...)", Assert.Throws<ExpressionException>(() => ExpressionParser.Parse("d(u, x)", scope)).Message);
    }

    [Fact]
    public void PredicatesCompareWithinTheTolerance()
    {
        const double tolerance = 1e-9;
        bool Holds(string text, params double[] point) =>
            ExpressionParser.ParsePredicate(text, ExpressionScope.OfCoordinates(["x", "y"], Names, "where:"), tolerance)(point);
        Assert.True(Holds("x == 1", 1 + 0.5e-9, 0));
        Assert.False(Holds("x == 1", 1 + 2e-9, 0));
        Assert.False(Holds("x < 1", 1 - 0.5e-9, 0));
        Assert.True(Holds("x <= 1", 1 + 0.5e-9, 0));
        Assert.True(Holds("x != 1", 0.5, 0));
        Assert.True(Holds("y > 0 and x < 0", -0.5, 0.5));
        Assert.False(Holds("y > 0 and x < 0", 0.5, 0.5));
        Assert.True(Holds("x < 0 or y < 0 and x > 10", -1, 1));   // and binds tighter than or
        Assert.False(Holds("(x < 0 or y < 0) and x > 10", -1, 1));
        Assert.True(Holds("not x > 0", -1, 0));
        Assert.True(Holds("-1 < x < 1", 0, 0));
        Assert.False(Holds("-1 < x < 1", 1, 0));
        Assert.True(Holds("x^2 + y^2 == nu^2*4", 0.6, 0.8));
        var number = Assert.Throws<ExpressionException>(() => Holds("x + 1", 0, 0));
        Assert.Contains("expected a condition such as x == 1", number.Message);
        var mixed = Assert.Throws<ExpressionException>(() => Holds("x > 0 and y", 0, 0));
        Assert.Equal(10, mixed.Offset);
    }
}
