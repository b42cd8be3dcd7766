using Physis.Training.Optimizers;

namespace Physis.Training;

/// <summary>One stage of a training schedule: an optimizer and how many iterations it may take.</summary>
public abstract record TrainingPhase(int Iterations)
{
    public abstract string Name { get; }
    internal abstract IPinnOptimizer CreateOptimizer(IReadOnlyList<TorchSharp.Modules.Parameter> parameters);
}

public sealed record AdamPhase(int Iterations, double LearningRate = 1e-3, LearningRateSchedule? Schedule = null) : TrainingPhase(Iterations)
{
    public override string Name => "adam";
    internal override IPinnOptimizer CreateOptimizer(IReadOnlyList<TorchSharp.Modules.Parameter> parameters) =>
        new Adam(parameters, Schedule ?? LearningRateSchedules.Constant(LearningRate));
}

/// <summary>L-BFGS until it converges or has taken <see cref="TrainingPhase.Iterations"/> iterations.</summary>
public sealed record LbfgsPhase(int Iterations, LbfgsSettings? Settings = null) : TrainingPhase(Iterations)
{
    public override string Name => "lbfgs";
    internal override IPinnOptimizer CreateOptimizer(IReadOnlyList<TorchSharp.Modules.Parameter> parameters) =>
        new Lbfgs(parameters, Settings);
}
