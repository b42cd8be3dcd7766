namespace Physis.Problems.Text;

/// <summary>
/// The names an expression may use: coordinates, the fields and their derivatives (only where <see cref="Terms"/> is
/// given, that is in residuals), and named values (fixed constants as <see cref="Constant"/>, trainable parameters as
/// <see cref="ParameterRef"/>). <paramref name="Use"/> says what the expression is, for messages ("a condition's value").
/// </summary>
public sealed record ExpressionScope(IReadOnlyList<string> Coordinates, Terms? Terms, IReadOnlyDictionary<string, Expr> Names, string Use)
{
    /// <summary>Numbers only: parameters, geometry sizes, times.</summary>
    public static ExpressionScope Constants(IReadOnlyDictionary<string, Expr> names, string use) => new([], null, names, use);

    /// <summary>The residual of a problem: everything its terms can state.</summary>
    public static ExpressionScope Residual(Terms terms, IReadOnlyDictionary<string, Expr> names, string use = "a residual") =>
        new(terms.Coordinates, terms, names, use);

    /// <summary>A function of the coordinates (boundary and initial values, exact solutions, where-predicates).</summary>
    public static ExpressionScope OfCoordinates(IReadOnlyList<string> coordinates, IReadOnlyDictionary<string, Expr> names, string use) =>
        new(coordinates, null, names, use);
}
