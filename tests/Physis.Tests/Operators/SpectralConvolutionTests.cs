using System.Numerics;
using Physis.Networks.Operators;
using static TorchSharp.torch;

namespace Physis.Tests.Operators;

public class SpectralConvolutionTests
{
    /// <summary>
    /// The layer against the definition, summed directly: X_i(k) = sum_x x_i(x) e^{-2 pi i k.x / n} over the whole grid,
    /// Y_o(k) = sum_i R[i, o, k] X_i(k) on the retained modes, and the real inverse transform of the half spectrum Y
    /// (each mode k2 in (0, n2/2) counted with its conjugate, the k2 = 0 column by its real part).
    /// </summary>
    private static double[,,,] Direct(double[,,,] x, Complex[,,,] weight, int m1, int m2)
    {
        int batch = x.GetLength(0), channels = x.GetLength(1), n1 = x.GetLength(2), n2 = x.GetLength(3), outs = weight.GetLength(1);
        var y = new double[batch, outs, n1, n2];
        var retained = Enumerable.Range(0, m1).Concat(Enumerable.Range(n1 - m1, m1)).ToArray();
        for (int b = 0; b < batch; b++)
            for (int o = 0; o < outs; o++)
                for (int p = 0; p < retained.Length; p++)
                    for (int k2 = 0; k2 < m2; k2++)
                    {
                        int k1 = retained[p];
                        Complex mode = 0;
                        for (int i = 0; i < channels; i++)
                        {
                            Complex transform = 0;
                            for (int a = 0; a < n1; a++)
                                for (int c = 0; c < n2; c++)
                                    transform += x[b, i, a, c]
                                        * Complex.Exp(new Complex(0, -2 * Math.PI * ((double)k1 * a / n1 + (double)k2 * c / n2)));
                            mode += weight[i, o, p, k2] * transform;
                        }
                        for (int a = 0; a < n1; a++)
                            for (int c = 0; c < n2; c++)
                            {
                                var term = mode * Complex.Exp(new Complex(0, 2 * Math.PI * ((double)k1 * a / n1 + (double)k2 * c / n2)));
                                y[b, o, a, c] += (k2 == 0 ? term.Real : 2 * term.Real) / (n1 * n2);
                            }
                    }
        return y;
    }

    [Fact]
    public void TwoDimensionalLayerEqualsDirectFourierSums()
    {
        const int batch = 2, inputs = 2, outputs = 3, n1 = 8, n2 = 6, m1 = 2, m2 = 3;
        using var layer = new SpectralConvolution(inputs, outputs, [m1, m2], generator: new Generator(3), dtype: ScalarType.Float64);
        using var x = randn([batch, inputs, n1, n2], dtype: ScalarType.Float64, generator: new Generator(4));
        using var y = layer.forward(x);
        using var dense = layer.Weights.Reconstruct();
        var w = new Complex[inputs, outputs, 2 * m1, m2];
        var values = view_as_real(dense).contiguous().data<double>().ToArray();
        for (int i = 0, q = 0; i < inputs; i++)
            for (int o = 0; o < outputs; o++)
                for (int p = 0; p < 2 * m1; p++)
                    for (int k = 0; k < m2; k++, q += 2) w[i, o, p, k] = new Complex(values[q], values[q + 1]);
        var xs = new double[batch, inputs, n1, n2];
        var flat = x.data<double>().ToArray();
        Buffer.BlockCopy(flat, 0, xs, 0, flat.Length * sizeof(double));
        var expected = Direct(xs, w, m1, m2);
        var actual = y.data<double>().ToArray();
        Assert.Equal(batch * outputs * n1 * n2, actual.Length);
        int index = 0;
        foreach (double e in expected) Assert.Equal(e, actual[index++], 1e-10);
    }

    [Fact]
    public void OneDimensionalLayerEqualsDirectFourierSums()
    {
        // A 1D layer is the 2D formula with a single point along the first axis and only the zero mode there.
        const int batch = 3, inputs = 2, outputs = 2, n = 16, m = 5;
        using var layer = new SpectralConvolution(inputs, outputs, [m], generator: new Generator(5), dtype: ScalarType.Float64);
        using var x = randn([batch, inputs, n], dtype: ScalarType.Float64, generator: new Generator(6));
        using var y = layer.forward(x);
        var values = view_as_real(layer.Weights.Reconstruct()).contiguous().data<double>().ToArray();
        var w = new Complex[inputs, outputs, 1, m];
        for (int i = 0, q = 0; i < inputs; i++)
            for (int o = 0; o < outputs; o++)
                for (int k = 0; k < m; k++, q += 2) w[i, o, 0, k] = new Complex(values[q], values[q + 1]);
        var xs = new double[batch, inputs, 1, n];
        var flat = x.data<double>().ToArray();
        Buffer.BlockCopy(flat, 0, xs, 0, flat.Length * sizeof(double));
        var expected = DirectOneAxis(xs, w, m);
        var actual = y.data<double>().ToArray();
        int index = 0;
        foreach (double e in expected) Assert.Equal(e, actual[index++], 1e-10);
    }

    private static double[,,,] DirectOneAxis(double[,,,] x, Complex[,,,] w, int m)
    {
        // Only the zero mode along the unit axis: retained = {0}, so reuse Direct with m1 = 1 and a weight laid out for it.
        var padded = new Complex[w.GetLength(0), w.GetLength(1), 2, m];
        for (int i = 0; i < w.GetLength(0); i++)
            for (int o = 0; o < w.GetLength(1); o++)
                for (int k = 0; k < m; k++) padded[i, o, 0, k] = w[i, o, 0, k];
        // With n1 = 1 the retained rows {0} and {n1 - 1} coincide; the second carries zero weight.
        return Direct(x, padded, 1, m);
    }

    [Fact]
    public void BandLimitedInputGivesTheSameFunctionAtEveryResolution()
    {
        using var layer = new SpectralConvolution(1, 1, [6], generator: new Generator(1), dtype: ScalarType.Float64);
        Tensor Sample(int n)
        {
            var x = arange(n, dtype: ScalarType.Float64) / n;
            return (sin(2 * Math.PI * x) + 0.5 * cos(6 * Math.PI * x) + 0.25 * sin(10 * Math.PI * x)).reshape(1, 1, n);
        }
        using var coarse = layer.forward(Sample(32));
        using var fine = layer.forward(Sample(128));
        using var subsampled = fine.index_select(2, arange(0, 128, 4, dtype: ScalarType.Int64));
        Assert.True(allclose(coarse, subsampled, rtol: 0, atol: 1e-12));
    }

    [Fact]
    public void TooCoarseGridIsRejectedClearly()
    {
        using var layer = new SpectralConvolution(1, 1, [8, 8]);
        using var x = zeros(1, 1, 12, 32);
        var error = Assert.Throws<ArgumentException>(() => layer.forward(x));
        Assert.Contains("cannot resolve 8 Fourier modes", error.Message);
    }
}
