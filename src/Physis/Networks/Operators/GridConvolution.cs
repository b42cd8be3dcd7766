using static TorchSharp.torch;

namespace Physis.Networks.Operators;

/// <summary>
/// Convolutions of fields [B, c, n] or [B, c, n1, n2] with kernels [out, in, k] or [out, in, k1, k2] (cross-correlation,
/// as conv1d / conv2d) whose gradients libtorch never computes with oneDNN's backward-data kernels.
/// Why: in TorchSharp 0.107 (libtorch 2.10, oneDNN 3.7.1) those kernels, and oneDNN's transposed convolution built on
/// them, returned wrong input gradients on the AMD EPYC (Zen 5) of the development machine and CI, jit:avx512_core and
/// jit:avx2 alike: for 3 x 3 kernels with 1 to 16 channels at stride 1, every trial NaN or up to 100 % off once freed
/// memory held NaN, as if accumulated into uninitialised memory (channels-last only moved the failures). oneDNN's
/// forward and weight-gradient kernels agreed with libtorch's reference kernels in every case, and are fast: the input
/// gradient here is the adjoint written as a forward convolution (of the upstream gradient, spread by the stride, with
/// the kernel flipped and its channel axes swapped), and the transposed convolution is a forward convolution of the
/// spread input. Switching oneDNN off instead made an MgNO step 6 to 7 times slower.
/// </summary>
public static class GridConvolution
{
    /// <summary>Zero padding <paramref name="padding"/> on both sides of every axis, then the stride-<paramref name="stride"/> convolution.</summary>
    public static Tensor Convolve(Tensor x, Tensor kernel, Tensor? bias = null, long stride = 1, long padding = 0)
    {
        if (kernel.dim() != x.dim() || x.dim() is not (3 or 4) || kernel.shape[1] != x.shape[1])
            throw new ArgumentException($"A kernel [{string.Join(", ", kernel.shape)}] cannot convolve a field [{string.Join(", ", x.shape)}].");
        var y = AdjointGradientConvolution.apply(x, kernel, stride, padding);
        return bias is null ? y : y + bias.reshape([kernel.shape[0], .. Enumerable.Repeat(1L, (int)x.dim() - 2)]);
    }

    /// <summary>
    /// The transposed convolution (conv_transpose1d / 2d with kernel [in, out, ...]), the adjoint of <see cref="Convolve"/>
    /// with the same stride and padding; per axis the output has (m - 1) stride - 2 padding + k + output padding nodes.
    /// </summary>
    public static Tensor ConvolveTransposed(Tensor x, Tensor kernel, long stride, long padding, IReadOnlyList<long> outputPadding)
    {
        if (kernel.dim() != x.dim() || x.dim() is not (3 or 4) || kernel.shape[0] != x.shape[1] || outputPadding.Count != x.dim() - 2)
            throw new ArgumentException($"A kernel [{string.Join(", ", kernel.shape)}] cannot transpose-convolve a field "
                + $"[{string.Join(", ", x.shape)}].");
        long[] taps = [.. kernel.shape.Skip(2)];
        if (taps.Any(k => padding > k - 1)) throw new ArgumentException($"Padding {padding} exceeds the kernel's reach [{string.Join(", ", taps)}].");
        return Convolve(Spread(x, stride, taps, padding, [.. outputPadding]), Adjoint(kernel));
    }

    /// <summary>The kernel of the adjoint convolution: flipped in space, input and output channels swapped.</summary>
    private static Tensor Adjoint(Tensor kernel) => kernel.transpose(0, 1).flip([.. Enumerable.Range(2, (int)kernel.dim() - 2).Select(a => (long)a)]);

    /// <summary>
    /// stride - 1 zeros between neighbouring nodes, k - 1 - padding zeros before the first node and
    /// k - 1 - padding + extra[j] after the last: a plain convolution with the adjoint kernel then applies the adjoint.
    /// </summary>
    private static Tensor Spread(Tensor x, long stride, long[] taps, long padding, long[] extra)
    {
        int d = (int)x.dim() - 2;
        for (int j = 0; j < d && stride > 1; j++)
        {
            long m = x.shape[2 + j];
            var interleaved = stack([x, .. Enumerable.Range(1, (int)stride - 1).Select(_ => zeros_like(x))], 3 + j);
            x = interleaved.reshape([.. x.shape.Take(2 + j), m * stride, .. x.shape.Skip(3 + j)]).narrow(2 + j, 0, (m - 1) * stride + 1);
        }
        // nn.functional.pad lists the last axis first.
        return nn.functional.pad(x,
            [.. Enumerable.Range(0, d).Reverse().SelectMany(j => new[] { taps[j] - 1 - padding, taps[j] - 1 - padding + extra[j] })]);
    }

    private static Tensor Plain(Tensor x, Tensor kernel, long stride, long padding) => x.dim() == 3
        ? nn.functional.conv1d(x, kernel, null, stride, padding)
        : nn.functional.conv2d(x, kernel, null, [stride, stride], [padding, padding]);

    /// <summary>libtorch's forward convolution, with the input gradient as a forward convolution (see the class comment).</summary>
    private sealed class AdjointGradientConvolution : autograd.SingleTensorFunction<AdjointGradientConvolution>
    {
        public override string Name => nameof(AdjointGradientConvolution);

        public override Tensor forward(autograd.AutogradContext ctx, params object[] vars)
        {
            var (x, kernel, stride, padding) = ((Tensor)vars[0], (Tensor)vars[1], (long)vars[2], (long)vars[3]);
            ctx.save_for_backward([x, kernel]);
            ctx.save_data("stride", stride);
            ctx.save_data("padding", padding);
            ctx.save_data("inputGradient", x.requires_grad);
            ctx.save_data("kernelGradient", kernel.requires_grad);
            return Plain(x, kernel, stride, padding);
        }

        public override List<Tensor> backward(autograd.AutogradContext ctx, Tensor upstream)
        {
            var saved = ctx.get_saved_variables();
            var (x, kernel) = (saved[0], saved[1]);
            var (stride, padding) = ((long)ctx.get_data("stride"), (long)ctx.get_data("padding"));
            Tensor? inputGradient = null, kernelGradient = null;
            if ((bool)ctx.get_data("inputGradient"))
            {
                long[] taps = [.. kernel.shape.Skip(2)];
                // Nodes at the end that no output window reached (when (n + 2p - k) is not a multiple of the stride).
                long[] extra =
                    [.. x.shape.Skip(2).Select((n, j) => n + padding - (upstream.shape[2 + j] - 1) * stride - 1 - (taps[j] - 1 - padding))];
                inputGradient = Plain(Spread(upstream, stride, taps, padding, extra), Adjoint(kernel), 1, 0);
            }
            if ((bool)ctx.get_data("kernelGradient"))
                using (enable_grad())
                {
                    // Only the kernel requires a gradient here, so libtorch runs its weight-gradient kernel alone.
                    var weights = kernel.detach().requires_grad_(true);
                    kernelGradient = autograd.grad([Plain(x.detach(), weights, stride, padding)], [weights], [upstream])[0];
                }
            return [inputGradient!, kernelGradient!, null!, null!];
        }
    }
}
