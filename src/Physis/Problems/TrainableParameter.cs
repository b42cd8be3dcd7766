namespace Physis.Problems;

/// <summary>
/// A scalar learned together with the network: an unknown PDE coefficient (inverse problem) or an eigenvalue.
/// It converts to an expression, so it is used in residuals like any other term.
/// </summary>
public sealed class TrainableParameter(string name, double initialValue)
{
    public string Name { get; } = string.IsNullOrWhiteSpace(name) ? throw new ArgumentException("A parameter needs a name.", nameof(name)) : name;
    public double InitialValue { get; } = double.IsFinite(initialValue)
        ? initialValue
        : throw new ArgumentException($"Parameter '{name}' needs a finite initial value.", nameof(initialValue));

    public static implicit operator Expr(TrainableParameter parameter) => new ParameterRef(parameter);

    public override string ToString() => Name;
}
