using static TorchSharp.torch;

namespace Physis.Tests.Engine;

public class TorchSharpLoadTests
{
    [Fact]
    public void NativeLibraryLoadsAndComputesSecondDerivative()
    {
        // d2/dx2 of x^3 is 6x: exercises native loading and nested (create_graph) autograd.
        using var scope = NewDisposeScope();
        var x = tensor(new[] { -1.5, 0.0, 2.0 }, dtype: float64).requires_grad_(true);
        var y = x.pow(3).sum();
        var dy = autograd.grad([y], [x], create_graph: true)[0];
        var d2y = autograd.grad([dy.sum()], [x])[0];
        var values = d2y.data<double>().ToArray();
        Assert.Equal(new[] { -9.0, 0.0, 12.0 }, values);
    }
}
