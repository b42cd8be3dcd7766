using Physis.Geometry;
using Physis.Problems;
using static TorchSharp.torch;

namespace Physis.Training.Eigen;

public sealed record EigenSolverOptions
{
    /// <summary>The eigenfunction's field.</summary>
    public string Field { get; init; } = "u";
    /// <summary>Weights of the normalisation term (integral of u^2 = 1) and of each orthogonality term (integral of u u_k = 0).</summary>
    public double NormalizationWeight { get; init; } = 1;
    public double OrthogonalityWeight { get; init; } = 1;
    /// <summary>How a state is kept orthogonal to the earlier ones: a penalty term each, or an exact projection.</summary>
    public Orthogonality Orthogonality { get; init; } = Orthogonality.Penalty;
    /// <summary>Domain length, area or volume for the integrals; null takes it from a box-shaped geometry.</summary>
    public double? Measure { get; init; }
    /// <summary>With a folder, state n checkpoints to state{n+1}.ckpt there, and a repeated call resumes where the last one stopped.</summary>
    public string? CheckpointFolder { get; init; }
    public int CheckpointEvery { get; init; } = 100;

    public void Validate()
    {
        if (CheckpointEvery <= 0) throw new ArgumentException($"EigenSolverOptions: CheckpointEvery must be positive, got {CheckpointEvery}.");
        if (string.IsNullOrWhiteSpace(Field)) throw new ArgumentException("EigenSolverOptions: Field must name the eigenfunction's field.");
        if (!(NormalizationWeight > 0 && double.IsFinite(NormalizationWeight)))
            throw new ArgumentException($"EigenSolverOptions: NormalizationWeight must be positive, got {NormalizationWeight}.");
        if (!(OrthogonalityWeight > 0 && double.IsFinite(OrthogonalityWeight)))
            throw new ArgumentException($"EigenSolverOptions: OrthogonalityWeight must be positive, got {OrthogonalityWeight}.");
        if (Measure is { } m && !(m > 0 && double.IsFinite(m)))
            throw new ArgumentException($"EigenSolverOptions: Measure must be positive, got {m}.");
    }
}

public enum Orthogonality
{
    /// <summary>A loss term (integral of u u_k)^2 per earlier state, weighted by <see cref="EigenSolverOptions.OrthogonalityWeight"/>.</summary>
    Penalty,
    /// <summary>The network's output with the earlier states projected out (<see cref="ProjectedState"/>); no loss term.</summary>
    Projection,
}

/// <summary>One eigenpair found by <see cref="EigenStates.Solve"/>: its eigenvalue, and the trainer holding its network.</summary>
public sealed class EigenState(int index, PinnTrainer trainer, nn.Module<Tensor, Tensor> network, string eigenvalueName) : IDisposable
{
    /// <summary>0 for the lowest state found.</summary>
    public int Index => index;
    public double Eigenvalue => trainer.ParameterValues[eigenvalueName];
    public PinnTrainer Trainer => trainer;
    public nn.Module<Tensor, Tensor> Network => network;

    public void Dispose()
    {
        trainer.Dispose();
        network.Dispose();
    }
}

/// <summary>
/// Eigenvalue problems L u = E u as PINNs: E is a trainable parameter, u is kept away from zero by the normalisation
/// integral of u^2 = 1, and the states are found one after another, each orthogonal (integral of u u_k = 0) to the
/// earlier ones, which are held fixed. The integrals are Monte Carlo means over the collocation points.
/// </summary>
public static class EigenStates
{
    /// <param name="problem">builds the problem of one state from its eigenvalue parameter
    /// and the extra conditions (normalisation and orthogonality) to include</param>
    /// <param name="initialEigenvalues">the starting guess of each state's eigenvalue; their number is the number of states</param>
    /// <param name="network">a new network for state n (0-based); the returned <see cref="EigenState"/> owns it</param>
    public static IReadOnlyList<EigenState> Solve(Func<TrainableParameter, IReadOnlyList<Condition>, PdeProblem> problem,
        IReadOnlyList<double> initialEigenvalues, Func<int, nn.Module<Tensor, Tensor>> network, Sampling sampling,
        IReadOnlyList<TrainingPhase> schedule, TrainerOptions? trainerOptions = null, EigenSolverOptions? options = null,
        params ITrainingCallback[] callbacks)
    {
        options ??= new EigenSolverOptions();
        options.Validate();
        if (initialEigenvalues.Count == 0)
            throw new ArgumentException("EigenStates.Solve: give at least one initial eigenvalue (one per state to find).");
        // The projection onto lower states integrates over quadrature points that every rank holds in full.
        if (trainerOptions?.Communicator.IsDistributed == true)
            throw new ArgumentException("Eigenvalue problems do not run data-parallel; run them in one process.");
        var states = new List<EigenState>();
        try
        {
            for (int n = 0; n < initialEigenvalues.Count; n++)
            {
                var eigenvalue = new TrainableParameter($"E{n + 1}", initialEigenvalues[n]);
                var extra = new List<Condition> { Condition.Normalization(options.Field, options.Measure).WithWeight(options.NormalizationWeight) };
                if (options.Orthogonality == Orthogonality.Penalty)
                    foreach (var earlier in states)
                    {
                        int field = earlier.Trainer.Problem.Terms.FieldIndex(options.Field);
                        var frozen = FrozenSolution.Of(earlier.Network, field, $"state{earlier.Index + 1}");
                        extra.Add(Condition.Orthogonality(options.Field, frozen, $"state{earlier.Index + 1}", options.Measure)
                            .WithWeight(options.OrthogonalityWeight));
                    }
                var stateProblem = problem(eigenvalue, extra);
                if (!stateProblem.Parameters.Contains(eigenvalue))
                    throw new ArgumentException("EigenStates.Solve: the problem does not use the eigenvalue parameter it was given; "
                        + "write the residual with it (for example -u'' - E u).");
                var net = network(n);
                if (options.Orthogonality == Orthogonality.Projection && states.Count > 0)
                    net = Projected(net, states, stateProblem, sampling, trainerOptions ?? new TrainerOptions(), options.Field);
                var trainer = new PinnTrainer(stateProblem, net, sampling, trainerOptions);
                states.Add(new EigenState(n, trainer, net, eigenvalue.Name));
                if (options.CheckpointFolder is { } folder)
                {
                    Directory.CreateDirectory(folder);
                    trainer.ResumeOrStart(Path.Combine(folder, $"state{n + 1}.ckpt"), options.CheckpointEvery);
                }
                trainer.Train(schedule, callbacks);
            }
            return states;
        }
        catch
        {
            foreach (var s in states) s.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The state network with the earlier states projected out on the points the trainer will sample as its
    /// collocation points, so the projection's inner product is the normalisation's. The earlier networks are
    /// finished: their weights stop tracking gradients, which now flow only through their inputs.
    /// </summary>
    private static ProjectedState Projected(nn.Module<Tensor, Tensor> net, IReadOnlyList<EigenState> earlier, PdeProblem problem,
        Sampling sampling, TrainerOptions trainerOptions, string field)
    {
        foreach (var state in earlier)
            foreach (var p in state.Network.parameters()) p.requires_grad = false;
        var points = problem.Geometry.SampleInterior(sampling.Domain, new PointSampler(sampling.Method, trainerOptions.Seed));
        using var quadrature = tensor(points, dtype: trainerOptions.DType, device: trainerOptions.Device);
        return new ProjectedState(net, [.. earlier.Select(s => s.Network)], problem.Terms.FieldIndex(field), quadrature);
    }
}
