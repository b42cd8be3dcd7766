using Physis.Differentiation;
using Physis.Geometry;
using TorchSharp;
using static TorchSharp.torch;

namespace Physis.Training.Causal;

/// <summary>
/// Causal training for time-dependent problems (Wang, Sankaran and Perdikaris 2024): the collocation points are split
/// into <see cref="Chunks"/> equal time slabs with mean residual losses L_1..L_M, and the residual term becomes
/// (1/M) sum_i w_i L_i with w_i = exp(-eps sum_{k&lt;i} L_k), computed without gradient, so later times are trained
/// only once earlier ones are resolved. eps follows <see cref="Epsilons"/>: it moves to the next value once the smallest
/// weight exceeds <see cref="Threshold"/> (all of time is resolved at the current tolerance).
/// </summary>
public sealed record CausalTraining(int Chunks = 32, IReadOnlyList<double>? Epsilons = null, double Threshold = 0.99) : ITrainingMethodOptions
{
    public ITrainingMethod Create(PinnTrainer trainer) => trainer.Problem.Geometry is SpaceTime spaceTime
        ? new CausalWeighting(this, trainer, spaceTime.T0, spaceTime.T1)
        : throw new ArgumentException("Causal training weights the residual along time, but this problem's geometry has no time axis. "
            + "Use geometry.WithTime(t0, t1) or remove CausalTraining.");

    public static readonly IReadOnlyList<double> DefaultEpsilons = [1e-2, 1e-1, 1, 10, 100];

    public IReadOnlyList<double> Schedule => Epsilons ?? DefaultEpsilons;

    public void Validate()
    {
        if (Chunks < 2) throw new ArgumentException($"CausalTraining: Chunks must be at least 2 time slabs, got {Chunks}.");
        var eps = Schedule;
        if (eps.Count == 0)
            throw new ArgumentException("CausalTraining: the epsilon schedule is empty; give at least one positive value (e.g. "
                + "[0.01, 0.1, 1, 10, 100]).");
        for (int i = 0; i < eps.Count; i++)
        {
            if (!(eps[i] > 0 && double.IsFinite(eps[i])))
                throw new ArgumentException($"CausalTraining: epsilon values must be positive and finite, got {eps[i]} at position {i}.");
            if (i > 0 && eps[i] <= eps[i - 1])
                throw new ArgumentException($"CausalTraining: the epsilon schedule must increase, but {eps[i]} follows {eps[i - 1]}.");
        }
        if (!(Threshold > 0 && Threshold <= 1))
            throw new ArgumentException($"CausalTraining: Threshold (the smallest weight that moves eps on) must lie in (0, 1], got {Threshold}.");
    }
}

/// <summary>
/// The running state of causal training: the position in the epsilon schedule, the weights of the last evaluation, and
/// the slab weights held fixed while an optimizer that needs one fixed objective (L-BFGS) runs.
/// </summary>
public sealed class CausalWeighting(CausalTraining settings, PinnTrainer trainer, double t0, double t1) : ITrainingMethod
{
    public const string MinWeightColumn = "causal_min_weight";
    public const string EpsilonColumn = "causal_epsilon";
    /// <summary>The smallest change of a slab weight that makes a converged L-BFGS phase start again at the new weights.</summary>
    public const double RefreezeChange = 1e-3;

    private bool capturing;

    public CausalTraining Settings => settings;
    public int EpsilonIndex { get; private set; }
    public double Epsilon => settings.Schedule[EpsilonIndex];
    /// <summary>Weight of each time slab at the last evaluation, earliest first (slabs without points are NaN).</summary>
    public double[]? Weights { get; private set; }
    public double MinWeight { get; private set; } = double.NaN;
    /// <summary>Slab weights every evaluation uses instead of its own while frozen
    /// (null when not frozen, or before the first frozen evaluation).</summary>
    public double[]? FrozenWeights { get; private set; }
    public bool IsFrozen => capturing || FrozenWeights is not null;

    /// <summary>The residual terms' points weighted by their time slab's weight.</summary>
    public void Shape(LossEvaluation loss)
    {
        var weights = PointWeights(loss.DomainPoints.select(1, loss.DomainPoints.shape[1] - 1), loss.Residuals);
        for (int i = 0; i < loss.Residuals.Count; i++) loss.Terms[i].PointWeights = weights;
    }

    public void Record(IDictionary<string, double> values)
    {
        values[MinWeightColumn] = MinWeight;
        values[EpsilonColumn] = Epsilon;
    }

    public void AfterStep(TrainingPhase phase, LossRecord record)
    {
        if (!phase.KeepsObjectiveFixed) Advance(record.Values[MinWeightColumn]);
    }

    // L-BFGS's curvature pairs assume one objective, so the weights hold still during its phase.
    public void OnPhaseStart(TrainingPhase phase)
    {
        if (phase.KeepsObjectiveFixed && !IsFrozen) Freeze();
    }

    public void OnPhaseEnd(TrainingPhase phase) => Thaw();

    /// <summary>
    /// After an optimizer converged at frozen weights: recomputes them at the current network (moving to the next
    /// tolerance first if every slab is resolved) and freezes the new ones. True when some slab weight moved by more than
    /// <see cref="RefreezeChange"/>, that is when there is a new objective to minimise.
    /// </summary>
    public bool ObjectiveMoved()
    {
        if (FrozenWeights is not { } before) return false;
        int epsilonIndex = EpsilonIndex;
        using (NewDisposeScope())
        {
            Freeze();
            trainer.EvaluateLoss();
            Advance(MinWeight);
            if (EpsilonIndex != epsilonIndex)
            {
                Freeze();
                trainer.EvaluateLoss();
            }
        }
        var after = FrozenWeights!;
        return EpsilonIndex != epsilonIndex || before.Zip(after, (b, a) => Math.Abs(a - b)).Max() > RefreezeChange;
    }

    public void Save(IDictionary<string, Tensor> tensors)
    {
        tensors["causal_epsilon_index"] = tensor(new[] { EpsilonIndex });
        if (FrozenWeights is { } frozen) tensors["causal_frozen_weights"] = tensor(frozen);
    }

    public void Load(IReadOnlyDictionary<string, Tensor> tensors)
    {
        EpsilonIndex = tensors.TryGetValue("causal_epsilon_index", out var index) ? Math.Min(index.data<int>()[0], settings.Schedule.Count - 1) : 0;
        if (tensors.TryGetValue("causal_frozen_weights", out var frozen)) Freeze(frozen.data<double>().ToArray());
        else Thaw();
    }

    /// <summary>The next evaluation computes the slab weights as usual and every later one reuses them, until <see cref="Thaw"/>.</summary>
    public void Freeze()
    {
        FrozenWeights = null;
        capturing = true;
    }

    /// <summary>Restores frozen weights from a checkpoint.</summary>
    public void Freeze(double[] weights)
    {
        if (weights.Length != settings.Chunks)
            throw new InvalidDataException($"The checkpoint holds {weights.Length} frozen causal weights, "
                + $"but the run has {settings.Chunks} time slabs.");
        FrozenWeights = weights;
        capturing = false;
    }

    public void Thaw()
    {
        FrozenWeights = null;
        capturing = false;
    }

    /// <summary>
    /// Point weights [n] for the residual terms at domain points with times <paramref name="time"/> [n], from the
    /// residuals of every equation (detached): point p in slab i gets w_i / (M n_i), M the number of occupied slabs.
    /// </summary>
    public Tensor PointWeights(Tensor time, IReadOnlyList<Tensor> residuals)
    {
        using var noGrad = no_grad();
        int m = settings.Chunks;
        var slab = ((time.detach() - t0) / (t1 - t0) * m).floor().clamp(0, m - 1).to(ScalarType.Int64);
        var squares = residuals[0].detach().Squared();
        for (int e = 1; e < residuals.Count; e++) squares = squares + residuals[e].detach().Squared();
        // Slab counts and losses over every rank's points (data-parallel training), so all ranks weigh alike.
        var counts = trainer.Sums.SumDetached(zeros(m, squares.dtype, squares.device).index_add(0, slab, ones_like(squares), 1));
        Tensor weights;
        if (FrozenWeights is not null) weights = tensor(FrozenWeights, squares.dtype, squares.device);
        else
        {
            var losses = trainer.Sums.SumDetached(zeros(m, squares.dtype, squares.device).index_add(0, slab, squares, 1)) / counts.clamp_min(1);
            var before = losses.cumsum(0) - losses;
            weights = (before * -Epsilon).exp();
        }
        var occupied = counts > 0;
        double occupiedCount = occupied.sum().ToDouble();
        var perPoint = (weights / (counts.clamp_min(1) * occupiedCount)).index_select(0, slab);

        var w = weights.to(ScalarType.Float64).cpu().data<double>().ToArray();
        if (capturing) (FrozenWeights, capturing) = (w, false);
        var c = counts.to(ScalarType.Float64).cpu().data<double>().ToArray();
        Weights = w.Select((v, i) => c[i] > 0 ? v : double.NaN).ToArray();
        MinWeight = Weights.Where(v => !double.IsNaN(v)).DefaultIfEmpty(double.NaN).Min();
        return perPoint;
    }

    /// <summary>Moves to the next epsilon once every slab is resolved at the current one (smallest weight above the threshold).</summary>
    public void Advance(double minWeight)
    {
        if (minWeight > settings.Threshold && EpsilonIndex + 1 < settings.Schedule.Count) EpsilonIndex++;
    }
}
