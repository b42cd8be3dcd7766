using static TorchSharp.torch;

namespace Physis.Training.Optimizers;

/// <summary>
/// Evaluates the loss at the current parameters, leaves its gradient in each parameter's <c>grad</c>,
/// and returns the loss value (the caller records the per-term values it computed on the way).
/// </summary>
public delegate double LossClosure();

/// <summary>
/// An optimizer whose complete state can be saved in a checkpoint and restored, so that a resumed run
/// continues exactly as an uninterrupted one.
/// </summary>
public interface IPinnOptimizer : IDisposable
{
    string Name { get; }
    /// <summary>Takes one iteration. Returns false once the optimizer has converged and will not move further.</summary>
    bool Step(LossClosure closure);
    /// <summary>Loss value after the last iteration.</summary>
    double LastLoss { get; }
    /// <summary>Loss evaluations (forward and backward passes) so far.</summary>
    int Evaluations { get; }
    Dictionary<string, Tensor> SaveState();
    void LoadState(IReadOnlyDictionary<string, Tensor> state);
}
