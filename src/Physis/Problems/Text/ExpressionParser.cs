using System.Globalization;

namespace Physis.Problems.Text;

/// <summary>
/// Reads residuals, values and predicates written as text (<c>u_t + u*u_x - nu*u_xx</c>, <c>laplacian(u)</c>,
/// <c>d(u, x, x, t)</c>, <c>y > 0 and x &lt; 0</c>) into <see cref="Expr"/> trees, the same trees <see cref="Terms"/>
/// builds in C#. Precedence, lowest first: <c>or</c>, <c>and</c>, <c>not</c>, comparisons (chains such as
/// <c>0 &lt; x &lt; 1</c> are conjunctions), <c>+ -</c>, <c>* /</c>, unary minus, <c>^</c> (right-associative, so
/// <c>-x^2</c> is <c>-(x^2)</c> and <c>2^3^2</c> is <c>2^9</c>). Subtrees without a field, coordinate or trainable
/// parameter are folded into one number. Errors are <see cref="ExpressionException"/>s with the offset in the text.
/// </summary>
public static class ExpressionParser
{
    /// <summary>Functions of one argument and what each becomes.</summary>
    private static readonly Dictionary<string, Func<Expr, Expr>> Elementary = new()
    {
        ["sin"] = Problems.Functions.Sin,
        ["cos"] = Problems.Functions.Cos,
        ["tan"] = a => Problems.Functions.Sin(a) / Problems.Functions.Cos(a),
        ["exp"] = Problems.Functions.Exp,
        ["log"] = Problems.Functions.Log,
        ["sqrt"] = Problems.Functions.Sqrt,
        ["abs"] = Problems.Functions.Abs,
        ["tanh"] = Problems.Functions.Tanh,
        ["sinh"] = a => (Problems.Functions.Exp(a) - Problems.Functions.Exp(-a)) / 2.0,
        ["cosh"] = a => (Problems.Functions.Exp(a) + Problems.Functions.Exp(-a)) / 2.0,
        ["sech"] = a => 2.0 / (Problems.Functions.Exp(a) + Problems.Functions.Exp(-a)),
    };

    /// <summary>Every function an expression can call.</summary>
    public static IReadOnlyList<string> Functions { get; } = [.. Elementary.Keys, "pow", "d", "laplacian", "laplacian_operator"];

    private static readonly Dictionary<string, double> NamedConstants = new() { ["pi"] = Math.PI, ["e"] = Math.E };

    /// <summary>Names a problem cannot give to a field, coordinate or parameter.</summary>
    public static IReadOnlyList<string> ReservedNames { get; } = [.. Functions, .. NamedConstants.Keys, "and", "or", "not"];

    /// <summary>A numeric expression.</summary>
    public static Expr Parse(string text, ExpressionScope scope) => new Parser(text, scope, 0).Number(allowEquation: false);

    /// <summary>A residual, written either as an expression that is zero or as <c>left = right</c> (read as left - right).</summary>
    public static Expr ParseEquation(string text, ExpressionScope scope) => new Parser(text, scope, 0).Number(allowEquation: true);

    /// <summary>
    /// A predicate on points (a boundary part): comparisons joined by and, or, not. <c>a == b</c> holds where
    /// |a - b| &lt;= <paramref name="tolerance"/>, <c>a &lt;= b</c> where a &lt;= b + tolerance and <c>a &lt; b</c> where
    /// a &lt; b - tolerance, so points on x = 1 count as x == 1 and not as x &lt; 1 even with rounding in their coordinates.
    /// </summary>
    public static Func<double[], bool> ParsePredicate(string text, ExpressionScope scope, double tolerance) =>
        new Parser(text, scope, tolerance).Predicate();

    /// <summary>The value of an expression without coordinates (a parameter, a size).</summary>
    public static double ParseNumber(string text, ExpressionScope scope)
    {
        var e = Parse(text, scope);
        return e is Constant c ? c.Value : throw new ExpressionException($"expected a number in {scope.Use}, got '{text.Trim()}'", 0);
    }

    private enum Kind { Number, Name, Symbol, End }

    private readonly record struct Token(Kind Kind, string Text, int Offset);

    /// <summary>A parsed piece: a number-valued expression or a predicate, with where it starts.</summary>
    private sealed record Node(Expr? Value, Func<double[], bool>? Test, int Offset, string Text);

    private sealed class Parser
    {
        private readonly string text;
        private readonly ExpressionScope scope;
        private readonly double tolerance;
        private readonly List<Token> tokens;
        private int position;

        public Parser(string text, ExpressionScope scope, double tolerance)
        {
            this.text = text;
            this.scope = scope;
            this.tolerance = tolerance;
            tokens = Tokenize(text);
        }

        private Token Current => tokens[position];

        public Expr Number(bool allowEquation)
        {
            if (Current.Kind == Kind.End) throw Expected($"an expression for {scope.Use}");
            var left = AsNumber(Or());
            if (allowEquation && Is("="))
            {
                position++;
                left = Fold(left - AsNumber(Or()));
            }
            End();
            return left;
        }

        public Func<double[], bool> Predicate()
        {
            if (Current.Kind == Kind.End) throw Expected("a condition such as x == 1");
            var node = Or();
            End();
            return node.Test ?? throw new ExpressionException($"expected a condition such as x == 1 or y > 0, got the number '{node.Text}'",
                node.Offset);
        }

        private void End()
        {
            if (Current.Kind == Kind.End) return;
            throw Current.Text == "=" ? new ExpressionException("'=' is only for equations; compare with '=='", Current.Offset)
                : Current.Text == ")" ? new ExpressionException("unmatched ')'", Current.Offset)
                : Expected("an operator or the end of the expression");
        }

        private Node Or()
        {
            var left = And();
            while (IsWord("or"))
            {
                position++;
                var (a, b) = (AsTest(left), AsTest(And()));
                left = Span(left, p => a(p) || b(p));
            }
            return left;
        }

        private Node And()
        {
            var left = Not();
            while (IsWord("and"))
            {
                position++;
                var (a, b) = (AsTest(left), AsTest(Not()));
                left = Span(left, p => a(p) && b(p));
            }
            return left;
        }

        private Node Not()
        {
            if (!IsWord("not")) return Comparison();
            int start = Current.Offset;
            position++;
            var operand = AsTest(Not());
            return new Node(null, p => !operand(p), start, Slice(start));
        }

        private static readonly string[] Comparisons = ["==", "!=", "<=", ">=", "<", ">"];

        private Node Comparison()
        {
            var left = Sum();
            Func<double[], bool>? test = null;
            var current = left;
            while (Current.Kind == Kind.Symbol && Comparisons.Contains(Current.Text))
            {
                var op = Current;
                position++;
                var right = Sum();
                var compare = Compare(op, Pointwise(current), Pointwise(right));
                var before = test;
                test = before is null ? compare : p => before(p) && compare(p);
                current = right;
            }
            return test is null ? left : new Node(null, test, left.Offset, Slice(left.Offset));
        }

        private Func<double[], bool> Compare(Token op, Func<double[], double> a, Func<double[], double> b)
        {
            double tol = tolerance;
            return op.Text switch
            {
                "==" => p => Math.Abs(a(p) - b(p)) <= tol,
                "!=" => p => Math.Abs(a(p) - b(p)) > tol,
                "<=" => p => a(p) <= b(p) + tol,
                ">=" => p => a(p) >= b(p) - tol,
                "<" => p => a(p) < b(p) - tol,
                _ => p => a(p) > b(p) + tol,
            };
        }

        /// <summary>A comparison's side as a function of the point.</summary>
        private Func<double[], double> Pointwise(Node node)
        {
            var e = AsNumber(node);
            if (!PointValue.IsPointwise(e))
                throw new ExpressionException($"a comparison can only use coordinates and numbers, not '{node.Text}'", node.Offset);
            return PointValue.Function(e);
        }

        private Node Sum()
        {
            var left = Product();
            while (Is("+") || Is("-"))
            {
                bool add = Is("+");
                position++;
                var (a, b) = (AsNumber(left), AsNumber(Product()));
                left = Span(left, Fold(add ? a + b : a - b));
            }
            return left;
        }

        private Node Product()
        {
            var left = Unary();
            while (Is("*") || Is("/"))
            {
                bool multiply = Is("*");
                position++;
                var (a, b) = (AsNumber(left), AsNumber(Unary()));
                left = Span(left, Fold(multiply ? a * b : a / b));
            }
            return left;
        }

        private Node Unary()
        {
            if (!Is("-") && !Is("+")) return Power();
            int start = Current.Offset;
            bool negate = Is("-");
            position++;
            var operand = AsNumber(Unary());
            return new Node(negate ? Fold(-operand) : operand, null, start, Slice(start));
        }

        private Node Power()
        {
            var basis = Primary();
            if (!Is("^") && !Is("**")) return basis;
            position++;
            var exponent = Unary();
            return Span(basis, Raise(AsNumber(basis), exponent));
        }

        private Expr Raise(Expr basis, Node exponentNode)
        {
            var exponent = AsNumber(exponentNode);
            if (exponent is not Constant { Value: var p })
                throw new ExpressionException($"the exponent must be a number (or pi, or a fixed parameter), not '{exponentNode.Text}'",
                    exponentNode.Offset);
            return Fold(basis.Pow(p));
        }

        private Node Primary()
        {
            var token = Current;
            switch (token.Kind)
            {
                case Kind.Number:
                    position++;
                    return new Node(new Constant(double.Parse(token.Text, NumberStyles.Float, CultureInfo.InvariantCulture)), null,
                        token.Offset, token.Text);
                case Kind.Name when ReservedWord(token.Text):
                    throw Expected("a number, a name or '('");
                case Kind.Name:
                    position++;
                    if (Is("(")) return Call(token);
                    return new Node(Name(token), null, token.Offset, token.Text);
                case Kind.Symbol when token.Text == "(":
                    {
                        position++;
                        var inner = Or();
                        Expect(")", "to close the '(' at column " + (token.Offset + 1));
                        return inner with { Offset = token.Offset, Text = Slice(token.Offset) };
                    }
                default:
                    throw Expected("a number, a name or '('");
            }
        }

        private static bool ReservedWord(string name) => name is "and" or "or" or "not";

        private Node Call(Token name)
        {
            position++;
            var arguments = new List<Node>();
            string function = name.Text;
            if (function == "d")
            {
                var field = FieldArgument(function);
                var coordinates = new List<string>();
                do
                {
                    if (!Is(","))
                        throw Expected(coordinates.Count == 0
                            ? "',' and a coordinate after the field of d(...)"
                            : "')' after the arguments of d(...)");
                    position++;
                    coordinates.Add(CoordinateArgument());
                } while (!Is(")"));
                position++;
                return new Node(Terms().D(field, [.. coordinates]), null, name.Offset, Slice(name.Offset));
            }
            if (function is "laplacian" or "laplacian_operator")
            {
                var field = FieldArgument(function);
                Expect(")", $"after the field of {function}(...)");
                var laplacian = function == "laplacian" ? Terms().Laplacian(field) : Terms().LaplacianOperator(field);
                return new Node(laplacian, null, name.Offset, Slice(name.Offset));
            }
            bool unary = Elementary.ContainsKey(function);
            if (!unary && function != "pow")
                throw new ExpressionException($"unknown function '{function}'; known: {string.Join(", ", Functions)}", name.Offset);
            if (Is(")")) throw Expected($"an argument of {function}(...)");
            arguments.Add(Or());
            while (Is(","))
            {
                position++;
                arguments.Add(Or());
            }
            int count = unary ? 1 : 2;
            if (arguments.Count != count)
                throw new ExpressionException($"{function}(...) takes {count} argument{(count == 1 ? "" : "s")}, got {arguments.Count}",
                    name.Offset);
            Expect(")", $"after the argument{(count == 1 ? "" : "s")} of {function}(...)");
            var value = unary ? Fold(Elementary[function](AsNumber(arguments[0]))) : Raise(AsNumber(arguments[0]), arguments[1]);
            return new Node(value, null, name.Offset, Slice(name.Offset));
        }

        private string FieldArgument(string function)
        {
            var token = Current;
            var terms = Terms(token.Offset, $"{function}(...)");
            if (token.Kind != Kind.Name || !terms.Fields.Contains(token.Text))
                throw Expected($"a field as the first argument of {function}(...) (fields: {string.Join(", ", terms.Fields)})");
            position++;
            return token.Text;
        }

        private string CoordinateArgument()
        {
            var token = Current;
            if (token.Kind != Kind.Name || !scope.Coordinates.Contains(token.Text))
                throw Expected($"a coordinate ({string.Join(", ", scope.Coordinates)})");
            position++;
            return token.Text;
        }

        private Terms Terms(int? offset = null, string what = "a derivative") => scope.Terms
            ?? throw new ExpressionException($"{scope.Use} cannot use {what}: it is a function of the coordinates", offset ?? Current.Offset);

        /// <summary>A name: coordinate, field, named value, pi or e, or a derivative such as u_xt.</summary>
        private Expr Name(Token token)
        {
            string name = token.Text;
            int index = scope.Coordinates.ToList().IndexOf(name);
            if (index >= 0) return new Coordinate(index, name);
            if (scope.Names.TryGetValue(name, out var value))
            {
                if (scope.Terms is null && value is ParameterRef)
                    throw new ExpressionException($"{scope.Use} cannot use the trainable parameter '{name}'", token.Offset);
                return value;
            }
            if (NamedConstants.TryGetValue(name, out double constant)) return new Constant(constant);
            if (scope.Terms is { } terms)
            {
                if (terms.Fields.Contains(name)) return terms[name];
                if (Derivative(terms, name) is { } derivative) return derivative;
            }
            throw new ExpressionException($"unknown name '{name}' in {scope.Use}; known: {Known()}", token.Offset);
        }

        /// <summary>FIELD_COORDS, the coordinates written one after another (u_xx, h_re_xt): null when the name is not one.</summary>
        private static Expr? Derivative(Terms terms, string name)
        {
            for (int cut = name.IndexOf('_'); cut > 0; cut = name.IndexOf('_', cut + 1))
            {
                string field = name[..cut];
                if (!terms.Fields.Contains(field)) continue;
                if (Split(name[(cut + 1)..], terms.Coordinates) is { } coordinates) return terms.D(field, [.. coordinates]);
            }
            return null;
        }

        /// <summary>The text as coordinate names one after another (the first split found), or null.</summary>
        private static List<string>? Split(string text, IReadOnlyList<string> coordinates)
        {
            if (text.Length == 0) return [];
            foreach (string c in coordinates.Where(c => text.StartsWith(c, StringComparison.Ordinal)))
                if (Split(text[c.Length..], coordinates) is { } rest) return [c, .. rest];
            return null;
        }

        private string Known()
        {
            var parts = new List<string>();
            if (scope.Terms is { } terms)
                parts.Add($"fields {string.Join(", ", terms.Fields)} and their derivatives ({terms.Fields[0]}_{terms.Coordinates[0]}, ...)");
            if (scope.Coordinates.Count > 0) parts.Add($"coordinates {string.Join(", ", scope.Coordinates)}");
            var names = scope.Names.Where(n => scope.Terms is not null || n.Value is not ParameterRef).Select(n => n.Key).ToList();
            if (names.Count > 0) parts.Add($"parameters {string.Join(", ", names)}");
            parts.Add($"constants {string.Join(", ", NamedConstants.Keys)}");
            parts.Add($"functions {string.Join(", ", scope.Terms is null ? Functions.Except(["d", "laplacian", "laplacian_operator"]) : Functions)}");
            return string.Join("; ", parts);
        }

        private Expr AsNumber(Node node) => node.Value
            ?? throw new ExpressionException($"expected a number, got the condition '{node.Text}'", node.Offset);

        private static Func<double[], bool> AsTest(Node node) => node.Test
            ?? throw new ExpressionException($"expected a condition such as x == 1, got the number '{node.Text}'", node.Offset);

        private Node Span(Node start, Expr value) => new(value, null, start.Offset, Slice(start.Offset));
        private Node Span(Node start, Func<double[], bool> test) => new(null, test, start.Offset, Slice(start.Offset));

        /// <summary>The text from <paramref name="start"/> to the last token read.</summary>
        private string Slice(int start)
        {
            var last = tokens[Math.Max(position - 1, 0)];
            return text[start..Math.Max(start, last.Offset + last.Text.Length)];
        }

        private bool Is(string symbol) => Current.Kind == Kind.Symbol && Current.Text == symbol;
        private bool IsWord(string word) => Current.Kind == Kind.Name && Current.Text == word;

        private void Expect(string symbol, string why)
        {
            if (!Is(symbol)) throw Expected($"'{symbol}' {why}");
            position++;
        }

        private ExpressionException Expected(string what) => new(
            $"expected {what}, got {(Current.Kind == Kind.End ? "the end of the expression" : $"'{Current.Text}'")}", Current.Offset);
    }

    /// <summary>Numbers and constant functions of numbers become one number, so 0.01/pi reads as the C# constant 0.01 / Math.PI.</summary>
    private static Expr Fold(Expr e) => e is not Constant && e.Nodes().All(n => n is Constant or Unary or Binary or Power)
        ? new Constant(PointValue.At(e, []))
        : e;

    private static readonly string[] Symbols = ["**", "==", "!=", "<=", ">=", "+", "-", "*", "/", "^", "(", ")", ",", "<", ">", "="];

    private static List<Token> Tokenize(string text)
    {
        var tokens = new List<Token>();
        int i = 0;
        while (i < text.Length)
        {
            char c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
                continue;
            }
            int start = i;
            if (char.IsAsciiDigit(c) || (c == '.' && i + 1 < text.Length && char.IsAsciiDigit(text[i + 1])))
            {
                while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                if (i < text.Length && text[i] == '.') i++;
                while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                if (i < text.Length && text[i] is 'e' or 'E')
                {
                    int exponent = i + 1;
                    if (exponent < text.Length && text[exponent] is '+' or '-') exponent++;
                    if (exponent < text.Length && char.IsAsciiDigit(text[exponent]))
                    {
                        i = exponent;
                        while (i < text.Length && char.IsAsciiDigit(text[i])) i++;
                    }
                }
                if (i < text.Length && (char.IsAsciiLetter(text[i]) || text[i] == '_'))
                    throw new ExpressionException($"expected an operator after the number '{text[start..i]}', got '{text[i]}' "
                        + "(write 2*x, not 2x)", i);
                tokens.Add(new Token(Kind.Number, text[start..i], start));
                continue;
            }
            if (char.IsAsciiLetter(c) || c == '_')
            {
                while (i < text.Length && (char.IsAsciiLetterOrDigit(text[i]) || text[i] == '_')) i++;
                tokens.Add(new Token(Kind.Name, text[start..i], start));
                continue;
            }
            string? symbol = Symbols.FirstOrDefault(s => string.CompareOrdinal(text, i, s, 0, s.Length) == 0);
            if (symbol is null) throw new ExpressionException($"unexpected character '{c}'", i);
            tokens.Add(new Token(Kind.Symbol, symbol, start));
            i += symbol.Length;
        }
        tokens.Add(new Token(Kind.End, "", text.Length));
        return tokens;
    }
}
