using Physis.Differentiation;
using static TorchSharp.torch;

namespace Physis.Training.Operators;

public enum OperatorLoss
{
    /// <summary>Relative L2 error per sample, averaged over the batch.</summary>
    RelativeL2,
    /// <summary>Relative H1 (Sobolev) error per sample: values and first differences together.</summary>
    RelativeH1,
    /// <summary>Mean square error over all values (DeepONet's usual loss).</summary>
    MeanSquare,
}

/// <summary>The finite differences of the H1 norm.</summary>
public enum H1Differences
{
    /// <summary>Forward differences between neighbours, spacing 1 / (n - 1): a grid with both ends of [0, 1], not wrapped around.</summary>
    OneSided,
    /// <summary>Central differences that wrap around, spacing 1 / n: a periodic grid on [0, 1) (neuraloperator's H1Loss).</summary>
    Periodic,
}

/// <summary>Losses between predicted and true fields [B, ...] (sample axis first, grid after).</summary>
public static class OperatorLosses
{
    /// <summary>mean over samples of ||prediction - truth||_p / ||truth||_p, norms over each sample's grid values.</summary>
    public static Tensor RelativeLp(Tensor prediction, Tensor truth, double p = 2)
    {
        long batch = truth.shape[0];
        var difference = (prediction - truth).reshape(batch, -1);
        var reference = truth.reshape(batch, -1);
        return (linalg.vector_norm(difference, p, [1]) / linalg.vector_norm(reference, p, [1])).mean();
    }

    /// <summary>
    /// Relative H1 error per sample, mean over the batch: sqrt(||e||^2 + sum_j ||D_j e||^2) over the same of the truth.
    /// One-sided: D_j is the forward difference along grid axis j divided by the spacing 1 / (n_j - 1), so the data need
    /// not be periodic, and each sum of differences is rescaled by n / (n - 1) to a sum over about n points. Periodic:
    /// D_j is the central difference (u[i+1] - u[i-1]) / (2 h) with h = 1 / n_j, wrapping around.
    /// </summary>
    public static Tensor RelativeH1(Tensor prediction, Tensor truth, int spatialDimensions, H1Differences differences = H1Differences.OneSided)
    {
        long batch = truth.shape[0];
        var error = prediction - truth;
        Tensor Squares(Tensor v)
        {
            var total = v.Squared().reshape(batch, -1).sum(1);
            for (int j = 0; j < spatialDimensions; j++)
            {
                long axis = v.dim() - spatialDimensions + j;
                long n = v.shape[axis];
                // Each one-sided difference stands for one grid cell; rescale so both terms are sums over about n points.
                total = differences == H1Differences.Periodic
                    ? total + ((v.roll(-1, axis) - v.roll(1, axis)) * (n / 2.0)).Squared().reshape(batch, -1).sum(1)
                    : total + ((v.narrow(axis, 1, n - 1) - v.narrow(axis, 0, n - 1)) * (n - 1)).Squared().reshape(batch, -1).sum(1)
                        * (n / (double)(n - 1));
            }
            return total;
        }
        return (Squares(error) / Squares(truth)).sqrt().mean();
    }

    public static Tensor MeanSquare(Tensor prediction, Tensor truth) => (prediction - truth).Squared().mean();

    public static Tensor Evaluate(OperatorLoss loss, Tensor prediction, Tensor truth, int spatialDimensions,
        H1Differences differences = H1Differences.OneSided) => loss switch
        {
            OperatorLoss.RelativeL2 => RelativeLp(prediction, truth),
            OperatorLoss.RelativeH1 => RelativeH1(prediction, truth, spatialDimensions, differences),
            OperatorLoss.MeanSquare => MeanSquare(prediction, truth),
            _ => throw new ArgumentException($"Unknown loss {loss}."),
        };
}
