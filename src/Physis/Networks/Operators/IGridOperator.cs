using static TorchSharp.torch;

namespace Physis.Networks.Operators;

/// <summary>
/// A neural operator that maps fields on a regular grid to fields on the same grid: [B, in, n1, ..., nd] to
/// [B, out, n1, ..., nd] (FNO, MgNO, LSM). Which grids it accepts depends on its construction.
/// </summary>
public interface IGridOperator
{
    /// <summary>Number of spatial axes.</summary>
    int Dimension { get; }

    /// <summary>Throws an <see cref="ArgumentException"/> that says which grids work unless the operator can evaluate on this one.</summary>
    void CheckResolution(IReadOnlyList<long> grid);

    Tensor forward(Tensor x);

    /// <summary>
    /// <see cref="forward(Tensor)"/> on the grid with these coordinates (one 1D tensor per axis), which an operator with
    /// positional features takes as its grid features; the others ignore them.
    /// </summary>
    Tensor forward(Tensor x, IReadOnlyList<Tensor> coordinates) => forward(x);
}
