using Physis.Differentiation;
using Physis.Infrastructure.Distributed;
using static TorchSharp.torch;

namespace Physis.Training;

/// <summary>How a <see cref="PinnTrainer"/> computes: seed, floating-point type, device, derivative engine and training methods.</summary>
public sealed record TrainerOptions
{
    public int Seed { get; init; }
    public ScalarType DType { get; init; } = ScalarType.Float32;
    public Device? Device { get; init; }
    public IDifferentiationEngine? Engine { get; init; }
    /// <summary>
    /// Training methods, applied in this order: loss balancing (<see cref="Weighting.GradientNormBalancing"/>, ...),
    /// causal weighting (<see cref="Causal.CausalTraining"/>), adaptive sampling (<see cref="Adaptive.ResidualAdaptiveRefinement"/>, ...).
    /// </summary>
    public IReadOnlyList<ITrainingMethodOptions> Methods { get; init; } = [];
    /// <summary>Rollback and retry when the loss diverges; null turns it off.</summary>
    public DivergenceRecovery? Recovery { get; init; } = new();
    /// <summary>
    /// The ranks that train together (data-parallel over MPI): each holds a share of every block of points, sums over
    /// points and gradients are summed across ranks, and only rank 0 writes checkpoints. One process by default.
    /// </summary>
    public Communicator Communicator { get; init; } = Communicator.SingleProcess;

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public void Validate()
    {
        foreach (var method in Methods) method.Validate();
        Recovery?.Validate();
    }
}
