namespace Physis.Problems.Text;

/// <summary>An expression that does not parse or names something unknown; <see cref="Offset"/> is where, in its text.</summary>
public sealed class ExpressionException(string message, int offset) : ArgumentException(message)
{
    public int Offset { get; } = offset;
}
