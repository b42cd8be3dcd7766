using Physis.Networks.Operators;
using static TorchSharp.torch;

namespace Physis.Tests.Operators;

public class FourierNeuralOperatorTests
{
    [Theory]
    [InlineData(new[] { 6 }, new long[] { 40 })]
    [InlineData(new[] { 4, 3 }, new long[] { 12, 10 })]
    public void OutputHasTheInputGrid(int[] modes, long[] grid)
    {
        using var fno = new FourierNeuralOperator(new FnoSettings { Modes = modes, Width = 8, InChannels = 2, OutChannels = 3, Padding = 0.25 });
        using var x = randn([4, 2, .. grid]);
        using var y = fno.forward(x);
        Assert.Equal([4L, 3, .. grid], y.shape);
    }

    [Fact]
    public void SmoothInputGivesNearlyTheSameOutputAtDoubleResolution()
    {
        using var fno = new FourierNeuralOperator(new FnoSettings { Modes = [8], Width = 16 }, seed: 2, dtype: ScalarType.Float64);
        Tensor Sample(int n)
        {
            var x = arange(n, dtype: ScalarType.Float64) / n;
            return (sin(2 * Math.PI * x) + 0.3 * cos(4 * Math.PI * x)).reshape(1, 1, n);
        }
        using var coarse = fno.forward(Sample(256));
        using var fine = fno.forward(Sample(512)).index_select(2, arange(0, 512, 2, dtype: ScalarType.Int64));
        // Not exact: GELU makes higher harmonics the coarse grid aliases, and grid features are linspace(0, 1, n).
        double relative = ((coarse - fine).norm() / coarse.norm()).item<double>();
        Assert.True(relative < 1e-2, $"relative difference {relative}");
    }
}
