using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Training.Optimizers;

/// <summary>
/// MultiAdam (Yao et al. 2023): Adam with separate first and second moments for each group of loss terms. Each group's
/// gradient is normalised by its own second moment, and the parameter update is the mean over groups of
/// m_hat_k / (sqrt(v_hat_k) + eps); multiplying a group's loss by a constant leaves the update unchanged (up to eps).
/// </summary>
public sealed class MultiAdam : IPinnOptimizer
{
    private readonly IReadOnlyList<Parameter> parameters;
    private readonly LearningRateSchedule schedule;
    private readonly double beta1, beta2, epsilon;
    private readonly int[] groupOfTerm;
    private readonly int groups;
    private readonly Tensor[][] firstMoment, secondMoment;
    private int iteration;

    /// <param name="groupOfTerm">the group index of each loss term (0-based, every group
    /// used); one group per term is the default of <see cref="MultiAdamPhase"/></param>
    public MultiAdam(IReadOnlyList<Parameter> parameters, LearningRateSchedule schedule, int[] groupOfTerm, double beta1 = 0.99, double beta2 = 0.99,
        double epsilon = 1e-8)
    {
        if (groupOfTerm.Length == 0) throw new ArgumentException("MultiAdam needs at least one loss term.");
        groups = groupOfTerm.Max() + 1;
        if (groupOfTerm.Min() < 0 || Enumerable.Range(0, groups).Any(g => !groupOfTerm.Contains(g)))
            throw new ArgumentException($"MultiAdam: group indices must be 0..{groups - 1} with every group used, "
                + $"got [{string.Join(", ", groupOfTerm)}].");
        this.parameters = parameters;
        this.schedule = schedule;
        (this.beta1, this.beta2, this.epsilon) = (beta1, beta2, epsilon);
        this.groupOfTerm = groupOfTerm;
        firstMoment = Enumerable.Range(0, groups).Select(_ => parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray()).ToArray();
        secondMoment = Enumerable.Range(0, groups).Select(_ => parameters.Select(p => zeros_like(p).DetachFromDisposeScope()).ToArray()).ToArray();
    }

    public string Name => "multiadam";
    public double LastLoss { get; private set; } = double.NaN;
    public int Evaluations => iteration;
    public double StepScale { get; set; } = 1;
    public int Groups => groups;

    public bool Step(IObjective objective)
    {
        var terms = objective.Terms();
        if (terms.Length != groupOfTerm.Length)
            throw new ArgumentException($"MultiAdam was set up for {groupOfTerm.Length} loss terms, the objective has {terms.Length}.");
        LastLoss = terms.Sum(t => t.ToDouble());
        var gradients = new Tensor?[groups][];
        for (int g = 0; g < groups; g++)
        {
            Tensor? groupLoss = null;
            for (int i = 0; i < terms.Length; i++)
                if (groupOfTerm[i] == g) groupLoss = groupLoss is null ? terms[i] : groupLoss + terms[i];
            gradients[g] = objective.Gradients(groupLoss!, parameters, retainGraph: g + 1 < groups);
        }
        using var noGrad = no_grad();
        Update(gradients);
        return true;
    }

    private void Update(Tensor?[][] gradients)
    {
        double rate = schedule.RateAt(iteration) * StepScale;
        iteration++;
        double correction1 = 1 - Math.Pow(beta1, iteration);
        double correction2 = 1 - Math.Pow(beta2, iteration);
        using var scope = NewDisposeScope();
        for (int i = 0; i < parameters.Count; i++)
        {
            Tensor? direction = null;
            for (int g = 0; g < gradients.Length; g++)
            {
                var grad = gradients[g][i];
                if (grad is null) continue;
                firstMoment[g][i].mul_(beta1).add_(grad, alpha: 1 - beta1);
                secondMoment[g][i].mul_(beta2).addcmul_(grad, grad, value: 1 - beta2);
            }
            for (int g = 0; g < gradients.Length; g++)
            {
                var normalised = (firstMoment[g][i] / correction1) / ((secondMoment[g][i] / correction2).sqrt() + epsilon);
                direction = direction is null ? normalised : direction + normalised;
            }
            parameters[i].add_(direction!, alpha: -rate / gradients.Length);
        }
    }

    public Dictionary<string, Tensor> SaveState()
    {
        var state = new Dictionary<string, Tensor> { ["iteration"] = tensor((long)iteration), ["groups"] = tensor((long)groups) };
        if (StepScale != 1) state["step_scale"] = tensor(StepScale);
        for (int g = 0; g < groups; g++)
            for (int i = 0; i < parameters.Count; i++)
            {
                state[$"m{g}_{i}"] = firstMoment[g][i].clone();
                state[$"v{g}_{i}"] = secondMoment[g][i].clone();
            }
        return state;
    }

    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
        long savedGroups = state["groups"].item<long>();
        if (savedGroups != groups)
            throw new InvalidDataException($"The checkpoint's MultiAdam state has {savedGroups} loss groups, this run has {groups}.");
        using var noGrad = no_grad();
        iteration = (int)state["iteration"].item<long>();
        StepScale = state.TryGetValue("step_scale", out var scale) ? scale.item<double>() : 1;
        for (int g = 0; g < groups; g++)
            for (int i = 0; i < parameters.Count; i++)
            {
                firstMoment[g][i].copy_(state[$"m{g}_{i}"]);
                secondMoment[g][i].copy_(state[$"v{g}_{i}"]);
            }
    }

    public void Dispose()
    {
        foreach (var t in firstMoment.Concat(secondMoment).SelectMany(m => m)) t.Dispose();
    }
}
