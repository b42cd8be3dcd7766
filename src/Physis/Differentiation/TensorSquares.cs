using static TorchSharp.torch;

namespace Physis.Differentiation;

/// <summary>
/// x^2 as x * x. TorchSharp's <c>square()</c> is <c>pow(2)</c> with a temporary Scalar that the garbage collector may
/// finalize while libtorch still reads it, which libtorch reports as "Unknown scalar type"; large high-dimensional
/// batches make collections frequent enough to hit it within a few steps.
/// </summary>
public static class TensorSquares
{
    public static Tensor Squared(this Tensor x) => x * x;
}
