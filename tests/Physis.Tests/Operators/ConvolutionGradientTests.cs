using Physis.Infrastructure;
using Physis.Networks.Operators;
using static TorchSharp.torch;

namespace Physis.Tests.Operators;

/// <summary>
/// The float32 convolutions of the MgNO and the LSM, values and gradients, against the same computation in float64,
/// which libtorch never hands to oneDNN. Freed memory is filled with NaN first: oneDNN's convolution input gradients
/// read uninitialised memory on the AMD EPYC of CI (see <see cref="GridConvolution"/>) and then come back
/// NaN or wrong.
/// </summary>
public class ConvolutionGradientTests
{
    public static TheoryData<string, int, int> Cases => new()
    {
        { "convolve", 1, 1 }, { "convolve", 8, 1 }, { "convolve", 1, 8 }, { "convolve", 8, 8 },
        { "restrict", 1, 1 }, { "restrict", 8, 8 }, { "prolong", 1, 1 }, { "prolong", 8, 8 }, { "lsm", 1, 8 }, { "lsm", 8, 8 },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Float32GradientsMatchFloat64(string operation, int inChannels, int outChannels)
    {
        TensorEngine.RetainFreedMemory();
        var generator = new Generator(3);
        for (int trial = 0; trial < 4; trial++)
        {
            using var scope = NewDisposeScope();
            for (int k = 1; k < 60; k++) full(new long[] { 500 * k }, double.NaN, ScalarType.Float32).Dispose();
            bool prolong = operation == "prolong";
            long[] grid = prolong ? [5, 5] : [9, 9];
            var x = randn([20, inChannels, .. grid], dtype: ScalarType.Float64, generator: generator);
            var kernel = randn(prolong ? [inChannels, outChannels, 3, 3] : [outChannels, inChannels, 3, 3], dtype: ScalarType.Float64,
                generator: generator);
            Tensor Apply(Tensor field, Tensor weights) => operation switch
            {
                "convolve" => MultigridTransfer.Convolve(field, weights, MultigridBoundary.Dirichlet),
                "restrict" => MultigridTransfer.Restrict(field, weights, MultigridBoundary.Dirichlet),
                "prolong" => MultigridTransfer.Prolong(field, weights, [9, 9], MultigridBoundary.Dirichlet),
                _ => LsmGrid.Convolve(field, weights, zeros(outChannels, dtype: field.dtype), 2),
            };
            var upstream = randn(Apply(x, kernel).shape, dtype: ScalarType.Float64, generator: generator);
            (Tensor Value, Tensor FieldGradient, Tensor KernelGradient) Run(ScalarType dtype)
            {
                var field = x.to(dtype).requires_grad_(true);
                var weights = kernel.to(dtype).requires_grad_(true);
                var value = Apply(field, weights);
                (value * upstream.to(dtype)).sum().backward();
                return (value.detach().to(ScalarType.Float64), field.grad!.to(ScalarType.Float64), weights.grad!.to(ScalarType.Float64));
            }
            var single = Run(ScalarType.Float32);
            var reference = Run(ScalarType.Float64);
            foreach (var (name, got, expected) in new[]
            {
                ("value", single.Value, reference.Value),
                ("input gradient", single.FieldGradient, reference.FieldGradient),
                ("kernel gradient", single.KernelGradient, reference.KernelGradient),
            })
            {
                double error = ((got - expected).abs().max() / expected.abs().max()).item<double>();
                Assert.True(error < 1e-5,
                    $"{operation} {inChannels} -> {outChannels}, trial {trial}: {name} off by {error:G3} (relative to its largest entry)");
            }
        }
    }

    [Theory]
    [InlineData(new long[] { 10 }, 1, 1)]
    [InlineData(new long[] { 10 }, 2, 1)]
    [InlineData(new long[] { 11 }, 2, 0)]
    [InlineData(new long[] { 9, 10 }, 2, 1)]
    [InlineData(new long[] { 7, 8 }, 1, 0)]
    public void ConvolutionsAndTheirGradientsEqualLibtorchsReferenceKernels(long[] grid, long stride, long padding)
    {
        using var scope = NewDisposeScope();
        var generator = new Generator(5);
        int d = grid.Length;
        var x = randn([3, 2, .. grid], dtype: ScalarType.Float64, generator: generator).requires_grad_(true);
        var kernel = randn([4, 2, .. Enumerable.Repeat(3L, d)], dtype: ScalarType.Float64, generator: generator).requires_grad_(true);
        var bias = randn(4, dtype: ScalarType.Float64, generator: generator).requires_grad_(true);
        Tensor Reference(Tensor field, Tensor k, Tensor b) => d == 1
            ? nn.functional.conv1d(field, k, b, stride, padding)
            : nn.functional.conv2d(field, k, b, [stride, stride], [padding, padding]);
        AssertSameWithGradients(() => GridConvolution.Convolve(x, kernel, bias, stride, padding), () => Reference(x, kernel, bias), x, kernel, bias);

        // The transposed convolution with output padding 1 (needs stride 2), against conv_transpose.
        long[] outputPadding = [.. Enumerable.Repeat(stride - 1, d)];
        var coarse = randn([3, 4, .. grid], dtype: ScalarType.Float64, generator: generator).requires_grad_(true);
        Tensor TransposedReference() => d == 1
            ? nn.functional.conv_transpose1d(coarse, kernel, null, stride, padding, outputPadding[0])
            : nn.functional.conv_transpose2d(coarse, kernel, null, [stride, stride], [padding, padding], outputPadding);
        AssertSameWithGradients(() => GridConvolution.ConvolveTransposed(coarse, kernel, stride, padding, outputPadding),
            TransposedReference, coarse, kernel);
    }

    private static void AssertSameWithGradients(Func<Tensor> compute, Func<Tensor> reference, params Tensor[] leaves)
    {
        (Tensor, Tensor[]) Run(Func<Tensor> f)
        {
            var y = f();
            var grads = autograd.grad([y], leaves, [cos(arange(y.numel(), dtype: ScalarType.Float64)).reshape(y.shape)]);
            return (y, [.. grads]);
        }
        var (value, gradients) = Run(compute);
        var (expected, expectedGradients) = Run(reference);
        Assert.Equal(expected.shape, value.shape);
        Assert.True(allclose(value, expected, 1e-12, 1e-12), $"values differ by {(value - expected).abs().max().item<double>():G3}");
        for (int i = 0; i < leaves.Length; i++)
            Assert.True(allclose(gradients[i], expectedGradients[i], 1e-12, 1e-12),
                $"gradient {i} differs by {(gradients[i] - expectedGradients[i]).abs().max().item<double>():G3}");
    }
}
