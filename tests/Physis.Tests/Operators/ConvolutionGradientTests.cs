using Physis.Networks.Operators;
using Physis.Training;
using TorchSharp;
using static TorchSharp.torch;

namespace Physis.Tests.Operators;

/// <summary>
/// The float32 convolutions of the MgNO and the LSM, values and gradients, against the same computation in float64,
/// which libtorch never hands to oneDNN. Freed memory is filled with NaN first: oneDNN's convolution input gradients
/// read uninitialised memory on the AMD EPYC of CI (see <see cref="TensorEngine.AvoidOneDnnConvolutions"/>) and then
/// come back NaN or wrong.
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
            var kernel = randn(prolong ? [inChannels, outChannels, 3, 3] : [outChannels, inChannels, 3, 3], dtype: ScalarType.Float64, generator: generator);
            Tensor Apply(Tensor field, Tensor weights) => operation switch
            {
                "convolve" => MultigridTransfer.Convolve(field, weights, MultigridBoundary.Dirichlet),
                "restrict" => MultigridTransfer.Restrict(field, weights, MultigridBoundary.Dirichlet),
                "prolong" => MultigridTransfer.Prolong(field, weights, [9, 9], MultigridBoundary.Dirichlet),
                _ => LsmGrid.Convolve(field, weights, zeros(outChannels, dtype: field.dtype), 2, 2),
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
            foreach (var (name, got, expected) in new[] { ("value", single.Value, reference.Value), ("input gradient", single.FieldGradient, reference.FieldGradient), ("kernel gradient", single.KernelGradient, reference.KernelGradient) })
            {
                double error = ((got - expected).abs().max() / expected.abs().max()).item<double>();
                Assert.True(error < 1e-5, $"{operation} {inChannels} -> {outChannels}, trial {trial}: {name} off by {error:G3} (relative to its largest entry)");
            }
        }
    }
}
