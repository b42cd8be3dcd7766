using Physis.Networks.Operators;
using static TorchSharp.torch;

namespace Physis.Tests.Operators;

public class DeepOperatorNetworkTests
{
    [Fact]
    public void LayoutsHaveTheirShapesAndAgree()
    {
        using var net = new DeepOperatorNetwork(new DeepOnetSettings { Branch = [10, 12, 12], Trunk = [2, 12, 12], Outputs = 3 });
        using var u = randn(5, 10);
        using var y = rand(7, 2);
        using var grid = net.Cartesian(u, y);
        Assert.Equal([5L, 7, 3], grid.shape);
        // Triples (u_i, y_j) must give the same values as the Cartesian product.
        using var rows = arange(5, dtype: ScalarType.Int64).repeat_interleave(7);
        using var cols = arange(7, dtype: ScalarType.Int64).repeat(5);
        using var triples = net.Pointwise(u.index_select(0, rows), y.index_select(0, cols));
        Assert.Equal([35L, 3], triples.shape);
        Assert.True(allclose(triples.reshape(5, 7, 3), grid, rtol: 1e-5, atol: 1e-6));
    }

    [Fact]
    public void WrongSensorCountIsRejectedClearly()
    {
        using var net = new DeepOperatorNetwork(new DeepOnetSettings { Branch = [10, 8], Trunk = [1, 8] });
        var error = Assert.Throws<ArgumentException>(() => net.Cartesian(zeros(2, 12), zeros(3, 1)));
        Assert.Contains("10 sensors", error.Message);
    }
}
