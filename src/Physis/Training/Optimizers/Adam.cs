using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Training.Optimizers;

/// <summary>Learning rate as a function of the iteration (0-based) within the Adam phase.</summary>
public delegate double LearningRateSchedule(int iteration);

public static class LearningRateSchedules
{
    public static LearningRateSchedule Constant(double rate) => _ => rate;

    /// <summary>rate * factor^(iteration / every), applied stepwise (PyTorch's StepLR).</summary>
    public static LearningRateSchedule Step(double rate, int every, double factor) =>
        every <= 0 ? throw new ArgumentException("The decay interval must be positive.") : i => rate * Math.Pow(factor, i / every);

    /// <summary>rate * factor^(iteration / every), applied smoothly (inverse-time-free exponential decay).</summary>
    public static LearningRateSchedule Exponential(double rate, int every, double factor) =>
        every <= 0 ? throw new ArgumentException("The decay interval must be positive.") : i => rate * Math.Pow(factor, i / (double)every);
}

/// <summary>Adam (Kingma and Ba, 2015) with bias correction and an optional learning-rate schedule.</summary>
public sealed class Adam : IPinnOptimizer
{
    private readonly IReadOnlyList<Parameter> parameters;
    private readonly LearningRateSchedule schedule;
    private readonly double beta1, beta2, epsilon;
    private readonly Tensor[] firstMoment, secondMoment;
    private int iteration;

    public Adam(IReadOnlyList<Parameter> parameters, LearningRateSchedule schedule, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8)
    {
        this.parameters = parameters;
        this.schedule = schedule;
        this.beta1 = beta1;
        this.beta2 = beta2;
        this.epsilon = epsilon;
        firstMoment = parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
        secondMoment = parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray();
    }

    public string Name => "adam";
    public double LastLoss { get; private set; } = double.NaN;
    public int Evaluations => iteration;

    public bool Step(IObjective objective)
    {
        foreach (var p in parameters) p.grad?.zero_();
        LastLoss = objective.Evaluate();
        double rate = schedule(iteration);
        iteration++;
        double correction1 = 1 - Math.Pow(beta1, iteration);
        double correction2 = 1 - Math.Pow(beta2, iteration);
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        for (int i = 0; i < parameters.Count; i++)
        {
            var g = parameters[i].grad;
            if (g is null) continue;
            firstMoment[i].mul_(beta1).add_(g, alpha: 1 - beta1);
            secondMoment[i].mul_(beta2).addcmul_(g, g, value: 1 - beta2);
            var denominator = (secondMoment[i] / correction2).sqrt_().add_(epsilon);
            parameters[i].addcdiv_(firstMoment[i], denominator, value: -rate / correction1);
        }
        return true;
    }

    public Dictionary<string, Tensor> SaveState()
    {
        var state = new Dictionary<string, Tensor> { ["iteration"] = tensor((long)iteration) };
        for (int i = 0; i < parameters.Count; i++)
        {
            state[$"m{i}"] = firstMoment[i].clone();
            state[$"v{i}"] = secondMoment[i].clone();
        }
        return state;
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        using var noGrad = no_grad();
        iteration = (int)state["iteration"].item<long>();
        for (int i = 0; i < parameters.Count; i++)
        {
            firstMoment[i].copy_(state[$"m{i}"]);
            secondMoment[i].copy_(state[$"v{i}"]);
        }
    }

    public void Dispose()
    {
        foreach (var t in firstMoment.Concat(secondMoment)) t.Dispose();
    }
}
