namespace Physis.Solvers.Linear;

/// <summary>A square linear map y = A x on vectors of length <see cref="Size"/>.</summary>
public interface ILinearOperator
{
    int Size { get; }

    /// <summary>Writes A x into <paramref name="y"/> (which must not overlap <paramref name="x"/>).</summary>
    void Apply(ReadOnlySpan<double> x, Span<double> y);
}

/// <summary>
/// An approximate inverse z = M⁻¹ r used by preconditioned conjugate gradients. It must be a fixed,
/// symmetric positive definite linear map for PCG (and recycling) to stay valid.
/// </summary>
public interface IPreconditioner
{
    int Size { get; }

    void Apply(ReadOnlySpan<double> residual, Span<double> correction);
}
