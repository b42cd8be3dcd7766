using Physis.Differentiation;
using static TorchSharp.torch;

namespace Physis.Tests.Networks;

/// <summary>Evaluation helpers for network tests: values and autograd derivatives as plain arrays, float64 points.</summary>
internal static class NetworkAssert
{
    public static Tensor Points(double[,] points) =>
        tensor(points.Cast<double>().ToArray(), [points.GetLength(0), points.GetLength(1)], ScalarType.Float64);

    public static double[] Values(Tensor t) => t.detach().to(ScalarType.Float64).contiguous().data<double>().ToArray();

    /// <summary>Random points in [lo, hi]^d from a seeded generator.</summary>
    public static double[,] RandomPoints(int n, int d, int seed, double lo = -1, double hi = 1)
    {
        var random = new Random(seed);
        var p = new double[n, d];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < d; j++) p[i, j] = lo + (hi - lo) * random.NextDouble();
        return p;
    }

    /// <summary>The derivative of output <paramref name="field"/> of the given multi-index at every point, by nested autograd.</summary>
    public static double[] Derivative(nn.Module<Tensor, Tensor> network, double[,] points, int field, params int[] order)
    {
        using var scope = NewDisposeScope();
        var request = new DerivativeRequest(field, new MultiIndex(order));
        var d = new AutogradEngine().Evaluate(network, Points(points), [request]);
        return Values(d.Get(request));
    }

    public static double[,] Forward(nn.Module<Tensor, Tensor> network, double[,] points)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var y = network.forward(Points(points));
        var values = Values(y);
        int n = points.GetLength(0), m = (int)y.shape[1];
        var result = new double[n, m];
        for (int i = 0; i < n; i++)
            for (int j = 0; j < m; j++) result[i, j] = values[i * m + j];
        return result;
    }

    public static double[,] Shift(double[,] points, int coordinate, double by)
    {
        var shifted = (double[,])points.Clone();
        for (int i = 0; i < points.GetLength(0); i++) shifted[i, coordinate] += by;
        return shifted;
    }

    public static void AllClose(double[] expected, double[] actual, double tolerance, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        double scale = Math.Max(1, expected.Max(Math.Abs));
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= tolerance * scale, $"{what}: largest difference {worst:E2} exceeds {tolerance:E1} x {scale:G3}");
    }
}
