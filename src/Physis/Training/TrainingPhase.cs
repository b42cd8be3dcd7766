using Physis.Training.Optimizers;

namespace Physis.Training;

/// <summary>One stage of a training schedule: an optimizer and how many iterations it may take.</summary>
public abstract record TrainingPhase(int Iterations)
{
    public abstract string Name { get; }
    /// <summary>
    /// True for optimizers that assume one fixed objective across iterations (L-BFGS's curvature pairs): adaptive
    /// weights, adaptive points and the causal tolerance stay frozen during such a phase.
    /// </summary>
    public virtual bool KeepsObjectiveFixed => false;
    /// <summary>
    /// The problem's trainable parameters (unknown coefficients, eigenvalues) stay at their current values during this
    /// phase and only the network trains: an eigenvalue left free from the start runs to the Rayleigh quotient of the
    /// untrained network instead of the state it was meant to find.
    /// </summary>
    public bool HoldsProblemParameters { get; init; }

    /// <summary>Checks the settings against the problem's loss terms before any training,
    /// throwing an <see cref="ArgumentException"/> that names the bad one.</summary>
    public virtual void Validate(IReadOnlyList<string> lossTermNames)
    {
        if (Iterations < 0) throw new ArgumentException($"{GetType().Name}: the iteration count cannot be negative, got {Iterations}.");
    }

    internal abstract IPinnOptimizer CreateOptimizer(IReadOnlyList<TorchSharp.Modules.Parameter> parameters, IReadOnlyList<string> lossTermNames);
}

public sealed record AdamPhase(int Iterations, double LearningRate = 1e-3, LearningRateSchedule? Schedule = null) : TrainingPhase(Iterations)
{
    public override string Name => "adam";

    public override void Validate(IReadOnlyList<string> lossTermNames)
    {
        base.Validate(lossTermNames);
        (Schedule ?? new LearningRateSchedule.Constant(LearningRate)).Validate();
    }

    internal override IPinnOptimizer CreateOptimizer(IReadOnlyList<TorchSharp.Modules.Parameter> parameters, IReadOnlyList<string> lossTermNames) =>
        new Adam(parameters, Schedule ?? new LearningRateSchedule.Constant(LearningRate));
}

/// <summary>L-BFGS until it converges or has taken <see cref="TrainingPhase.Iterations"/> iterations.</summary>
public sealed record LbfgsPhase(int Iterations, LbfgsSettings? Settings = null) : TrainingPhase(Iterations)
{
    public override string Name => "lbfgs";
    public override bool KeepsObjectiveFixed => true;
    internal override IPinnOptimizer CreateOptimizer(IReadOnlyList<TorchSharp.Modules.Parameter> parameters, IReadOnlyList<string> lossTermNames) =>
        new Lbfgs(parameters, Settings);
}

/// <summary>
/// MultiAdam: Adam moments per group of loss terms. <see cref="Groups"/> lists groups by term name (for example
/// [["pde"], ["dirichlet_u", "initial_u"]]); terms not listed form one group each; null gives every term its own group.
/// </summary>
public sealed record MultiAdamPhase(int Iterations, double LearningRate = 1e-3, IReadOnlyList<IReadOnlyList<string>>? Groups = null,
    double Beta1 = 0.99, double Beta2 = 0.99, LearningRateSchedule? Schedule = null, double Epsilon = 1e-8) : TrainingPhase(Iterations)
{
    public override string Name => "multiadam";

    public override void Validate(IReadOnlyList<string> lossTermNames)
    {
        base.Validate(lossTermNames);
        if (!(LearningRate > 0 && double.IsFinite(LearningRate)))
            throw new ArgumentException($"MultiAdamPhase: the learning rate must be positive, got {LearningRate}.");
        if (!(Beta1 >= 0 && Beta1 < 1) || !(Beta2 >= 0 && Beta2 < 1))
            throw new ArgumentException($"MultiAdamPhase: Beta1 and Beta2 must lie in [0, 1), got {Beta1} and {Beta2}.");
        if (!(Epsilon > 0 && double.IsFinite(Epsilon))) throw new ArgumentException($"MultiAdamPhase: Epsilon must be positive, got {Epsilon}.");
        GroupOfTerm(lossTermNames);
    }

    internal override IPinnOptimizer CreateOptimizer(IReadOnlyList<TorchSharp.Modules.Parameter> parameters, IReadOnlyList<string> lossTermNames)
    {
        Validate(lossTermNames);
        return new MultiAdam(parameters, Schedule ?? new LearningRateSchedule.Constant(LearningRate), GroupOfTerm(lossTermNames), Beta1, Beta2,
            Epsilon);
    }

    /// <summary>The group index of each loss term, validating the names in <see cref="Groups"/>.</summary>
    public int[] GroupOfTerm(IReadOnlyList<string> lossTermNames)
    {
        var group = Enumerable.Repeat(-1, lossTermNames.Count).ToArray();
        int next = 0;
        foreach (var names in Groups ?? [])
        {
            if (names.Count == 0) throw new ArgumentException("MultiAdamPhase: a loss group is empty.");
            foreach (var name in names)
            {
                int index = lossTermNames.ToList().IndexOf(name);
                if (index < 0)
                    throw new ArgumentException($"MultiAdamPhase: unknown loss term '{name}'; "
                        + $"this problem's terms are: {string.Join(", ", lossTermNames)}.");
                if (group[index] >= 0) throw new ArgumentException($"MultiAdamPhase: loss term '{name}' is in more than one group.");
                group[index] = next;
            }
            next++;
        }
        for (int i = 0; i < group.Length; i++) if (group[i] < 0) group[i] = next++;
        return group;
    }
}

/// <summary>Energy natural gradient (Gauss-Newton with a line search) for small networks; it stops early once no step size lowers the loss.</summary>
public sealed record NaturalGradientPhase(int Iterations, NaturalGradientSettings? Settings = null) : TrainingPhase(Iterations)
{
    public override string Name => "natural_gradient";

    public override void Validate(IReadOnlyList<string> lossTermNames)
    {
        base.Validate(lossTermNames);
        Settings?.Validate();
    }

    internal override IPinnOptimizer CreateOptimizer(IReadOnlyList<TorchSharp.Modules.Parameter> parameters, IReadOnlyList<string> lossTermNames) =>
        new NaturalGradient(parameters, Settings);
}
