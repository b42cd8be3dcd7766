using Physis.Training.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Tests.Training;

public class LbfgsTests
{
    private static double Rosenbrock(Parameter p)
    {
        var x = p[0];
        var y = p[1];
        var f = (1 - x).square() + 100 * (y - x.square()).square();
        f.backward();
        return f.ToDouble();
    }

    [Fact]
    public void ConvergesOnRosenbrockAndCountsIterationsExactly()
    {
        using var p = new Parameter(tensor(new[] { -1.2, 1.0 }, ScalarType.Float64));
        using var lbfgs = new Lbfgs([p], new LbfgsSettings { History = 10 });
        // Each Step is one quasi-Newton iteration: five calls, five iterations, not one call doing many.
        for (int i = 0; i < 5; i++) Assert.True(lbfgs.Step(new LossObjective(() => Rosenbrock(p))));
        Assert.Equal(5, lbfgs.Iterations);
        Assert.True(lbfgs.Evaluations >= 6);

        int steps = 5;
        while (lbfgs.Step(new LossObjective(() => Rosenbrock(p))) && steps < 200) steps++;
        Assert.True(lbfgs.Converged, "L-BFGS must stop by itself on Rosenbrock");
        var solution = p.detach().data<double>().ToArray();
        Assert.Equal(1.0, solution[0], 6);
        Assert.Equal(1.0, solution[1], 6);
        Assert.True(steps < 100, $"took {steps} iterations; strong-Wolfe L-BFGS needs about 35 on Rosenbrock from (-1.2, 1)");
    }

    [Fact]
    public void EveryAcceptedStepSatisfiesSufficientDecrease()
    {
        using var p = new Parameter(tensor(new[] { -1.2, 1.0 }, ScalarType.Float64));
        using var lbfgs = new Lbfgs([p]);
        double previous = double.PositiveInfinity;
        for (int i = 0; i < 30 && lbfgs.Step(new LossObjective(() => Rosenbrock(p))); i++)
        {
            Assert.True(lbfgs.LastLoss <= previous, $"iteration {i}: loss rose from {previous} to {lbfgs.LastLoss}");
            previous = lbfgs.LastLoss;
        }
    }
}
