using static TorchSharp.torch;

namespace Physis.Differentiation;

/// <summary>The derivatives of a contiguous block of rows, taken from derivatives computed on a larger batch.</summary>
public sealed class RowSlice(IFieldDerivatives all, long start, long count) : IFieldDerivatives
{
    public Tensor Points { get; } = all.Points.narrow(0, start, count);
    public Tensor Get(DerivativeRequest request) => all.Get(request).narrow(0, start, count);
    public Tensor Laplacian(int field) => all.Laplacian(field).narrow(0, start, count);
}
