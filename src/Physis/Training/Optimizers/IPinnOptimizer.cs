using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Training.Optimizers;

/// <summary>
/// What an optimizer minimises, in the three forms optimizers use: the total loss with its gradient (Adam, L-BFGS),
/// the weighted terms separately (MultiAdam), or the residual vector whose squared norm is the total (natural gradient).
/// </summary>
public interface IObjective
{
    /// <summary>The total loss at the current parameters; its gradient is accumulated into each parameter's <c>grad</c>.</summary>
    double Evaluate();
    /// <summary>Each loss term weighted as in the total, with its autograd graph and without backward.</summary>
    Tensor[] Terms();
    /// <summary>The residual vector r with |r|^2 the weighted total, with its autograd graph and without backward.</summary>
    Tensor Residuals();

    /// <summary>
    /// The gradient of a scalar made from <see cref="Terms"/> for each parameter (null where it does not depend on one):
    /// under data-parallel training, summed over the ranks.
    /// </summary>
    Tensor?[] Gradients(Tensor scalar, IReadOnlyList<Parameter> parameters, bool retainGraph) => LocalGradients(scalar, parameters, retainGraph);

    /// <summary>autograd's gradient of <paramref name="scalar"/> in this process (null where it does not depend on a parameter).</summary>
    static Tensor?[] LocalGradients(Tensor scalar, IReadOnlyList<Parameter> parameters, bool retainGraph) =>
        [.. autograd.grad([scalar], [.. parameters], retain_graph: retainGraph, allow_unused: true)
            .Select(t => t is { IsInvalid: false } ? t : null)];
}

/// <summary>An objective known only as a total: a closure that evaluates the loss and backpropagates it.</summary>
public sealed class LossObjective(Func<double> evaluate) : IObjective
{
    public double Evaluate() => evaluate();
    public Tensor[] Terms() => throw new InvalidOperationException("This objective has only a total loss; the optimizer needs its terms.");
    public Tensor Residuals() =>
        throw new InvalidOperationException("This objective has only a total loss; the optimizer needs its residual vector.");
}

/// <summary>
/// An optimizer whose complete state can be saved in a checkpoint and restored, so that a resumed run
/// continues exactly as an uninterrupted one.
/// </summary>
public interface IPinnOptimizer : IDisposable
{
    string Name { get; }
    /// <summary>Takes one iteration. Returns false once the optimizer has converged and will not move further.</summary>
    bool Step(IObjective objective);
    /// <summary>Loss value after the last iteration.</summary>
    double LastLoss { get; }
    /// <summary>Loss evaluations (forward and backward passes) so far.</summary>
    int Evaluations { get; }
    /// <summary>
    /// Factor on the optimizer's step: Adam's learning rate, L-BFGS's first trial step of each line search. Divergence
    /// recovery lowers it; an optimizer without such a step (natural gradient, whose line search sets it) ignores it.
    /// </summary>
    double StepScale { get => 1; set { } }
    /// <summary>Why the optimizer stopped moving, once it has (for example "converged: gradient below tolerance"); null before.</summary>
    string? StopReason => null;
    Dictionary<string, Tensor> SaveState();
    void LoadState(IReadOnlyDictionary<string, Tensor> state);
}
