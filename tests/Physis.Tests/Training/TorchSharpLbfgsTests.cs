using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Tests.Training;

/// <summary>
/// Peer libraries have shipped PINN L-BFGS phases that silently ran one iteration per call because of how the
/// framework's closure-based optimizer counts iterations. These tests pin down what TorchSharp 0.107's built-in
/// <c>torch.optim.LBFGS</c> actually does. It has no line-search option (no strong Wolfe) and spells its gradient
/// tolerance parameter <c>tolerange_grad</c>, which is why Physis uses its own <see cref="Physis.Training.Optimizers.Lbfgs"/>.
/// </summary>
public class TorchSharpLbfgsTests
{
    private static (Parameter p, Func<Tensor> closure, Func<int> calls) Rosenbrock()
    {
        var p = new Parameter(tensor(new[] { -1.2, 1.0 }, ScalarType.Float64));
        int count = 0;
        Tensor Closure()
        {
            count++;
            p.grad?.zero_();
            var f = (1 - p[0]).square() + 100 * (p[1] - p[0].square()).square();
            f.backward();
            return f;
        }
        return (p, Closure, () => count);
    }

    [Fact]
    public void OneStepRunsUpToMaxIterIterations()
    {
        var (p, closure, calls) = Rosenbrock();
        using var lbfgs = optim.LBFGS([p], 1, 200, 400, 1e-12, 1e-14, 10);
        var loss = lbfgs.step(closure).ToDouble();
        // Without a line search, unit steps on Rosenbrock still make progress over many inner iterations:
        // a single step() call must evaluate the closure far more than once.
        // One step() call iterates as asked: measured 89 closure evaluations and the Rosenbrock minimum (1, 1).
        Assert.True(calls() > 20, $"one step() evaluated the closure only {calls()} times");
        Assert.Equal(1.0, p[0].ToDouble(), 6);
        Assert.Equal(1.0, p[1].ToDouble(), 6);
        // The pitfall: step() returns the loss of its FIRST evaluation (24.2 at (-1.2, 1)), not the final one,
        // so a training loop that logs the returned value reports a stale loss for the whole phase.
        Assert.Equal(24.2, loss, 9);
    }

    [Fact]
    public void MaxIterOneMeansOneIterationPerCall()
    {
        var (p, closure, calls) = Rosenbrock();
        using var lbfgs = optim.LBFGS([p], lr: 1, max_iter: 1, history_size: 10);
        for (int i = 0; i < 5; i++) lbfgs.step(closure);
        // max_iter bounds iterations per call: five calls, at most two closure evaluations each.
        Assert.InRange(calls(), 5, 10);
    }
}
