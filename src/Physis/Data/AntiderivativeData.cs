using static TorchSharp.torch;

namespace Physis.Data;

/// <summary>
/// The antiderivative operator G(u)(x) = integral from 0 to x of u, the DeepONet benchmark of Lu et al. (2021): inputs u are
/// samples of a zero-mean Gaussian process on [0, 1] with the RBF kernel exp(-(x - x')^2 / (2 l^2)), drawn on a fine grid
/// by a Cholesky factor of the kernel matrix (with a small diagonal jitter, as the RBF matrix is numerically singular)
/// and integrated there with the trapezoid rule; inputs and outputs are both kept at <c>sensors</c> evenly spaced points.
/// </summary>
public static class AntiderivativeData
{
    /// <param name="refinement">Fine-grid intervals per sensor interval; the trapezoid error is O((h / refinement)^2).</param>
    public static OperatorDataset Generate(int samples, int sensors = 100, double lengthScale = 0.2, int seed = 0, int refinement = 10)
    {
        if (samples <= 0 || sensors < 2 || refinement < 1) throw new ArgumentException($"Need samples >= 1, sensors >= 2 and refinement >= 1; got {samples}, {sensors}, {refinement}.");
        if (!(lengthScale > 0)) throw new ArgumentException($"The length scale must be positive; got {lengthScale}.");
        int fine = (sensors - 1) * refinement + 1;
        using var scope = NewDisposeScope();
        var x = linspace(0, 1, fine, dtype: ScalarType.Float64);
        var kernel = (-(x.unsqueeze(1) - x.unsqueeze(0)).square() / (2 * lengthScale * lengthScale)).exp();
        var factor = linalg.cholesky(kernel + eye(fine, dtype: ScalarType.Float64) * 1e-10);
        using var generator = new Generator((ulong)seed);
        var u = factor.matmul(randn([fine, samples], dtype: ScalarType.Float64, generator: generator)).t();   // [samples, fine]
        double h = 1.0 / (fine - 1);
        var trapezoids = (u.narrow(1, 1, fine - 1) + u.narrow(1, 0, fine - 1)) * (h / 2);
        var integral = cat([zeros(samples, 1, dtype: ScalarType.Float64), trapezoids.cumsum(1)], 1);
        var keep = arange(0, fine, refinement, dtype: ScalarType.Int64);
        double[] inputs = u.index_select(1, keep).contiguous().data<double>().ToArray();
        double[] targets = integral.index_select(1, keep).contiguous().data<double>().ToArray();
        double[] coordinates = [.. Enumerable.Range(0, sensors).Select(i => i / (double)(sensors - 1))];
        return new OperatorDataset(inputs, targets, samples, [coordinates]);
    }
}
