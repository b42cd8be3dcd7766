using Physis.Geometry;

namespace Physis.Training.Adaptive;

/// <summary>
/// Residual-based adaptive sampling: every <see cref="Every"/> iterations the trainer evaluates |residual| on
/// <see cref="Candidates"/> fresh uniform points of the domain and changes the collocation points. The candidates and
/// random draws are seeded by the trainer's seed and the iteration, and the points in use are stored in checkpoints.
/// Like all objective changes, it pauses in L-BFGS phases.
/// </summary>
public abstract record AdaptiveSampling(int Every, int Candidates) : ITrainingMethodOptions
{
    public virtual ITrainingMethod Create(PinnTrainer trainer) => new AdaptiveResampling(this, trainer);

    public virtual void Validate()
    {
        if (Every <= 0) throw new ArgumentException($"{GetType().Name}: the interval Every must be a positive number of iterations, got {Every}.");
        if (Candidates <= 0) throw new ArgumentException($"{GetType().Name}: Candidates must be a positive number of points, got {Candidates}.");
    }

    /// <summary>Whether <see cref="NewDomain"/> reads |residual| at the candidates (else it is not computed).</summary>
    internal virtual bool UsesResidual => true;

    /// <summary>How many candidates to draw.</summary>
    internal virtual int CandidateCount(PinnTrainer trainer) => Candidates;

    /// <summary>The new collocation points, given the current ones and |residual| at the candidates.</summary>
    internal abstract double[,] NewDomain(double[,] current, double[,] candidates, double[] residual, ulong seed);

    internal static double[,] Rows(double[,] source, IReadOnlyList<int> rows, double[,]? prefix = null)
    {
        int d = source.GetLength(1), offset = prefix?.GetLength(0) ?? 0;
        var result = new double[offset + rows.Count, d];
        if (prefix is not null) Buffer.BlockCopy(prefix, 0, result, 0, prefix.Length * sizeof(double));
        for (int i = 0; i < rows.Count; i++)
            for (int j = 0; j < d; j++) result[offset + i, j] = source[rows[i], j];
        return result;
    }
}

/// <summary>
/// Residual-based adaptive refinement, RAR (Lu et al. 2021): adds the <see cref="PointsAdded"/> candidates with the
/// largest |residual| to the collocation points, which therefore grow by that many at each refinement, up to
/// <see cref="MaxPoints"/> (null: no limit).
/// </summary>
public sealed record ResidualAdaptiveRefinement(int Every = 1000, int Candidates = 10_000, int PointsAdded = 10, int? MaxPoints = null)
    : AdaptiveSampling(Every, Candidates)
{
    public override void Validate()
    {
        base.Validate();
        if (PointsAdded <= 0 || PointsAdded > Candidates)
            throw new ArgumentException("ResidualAdaptiveRefinement: PointsAdded must lie between 1 and Candidates "
                + $"({Candidates}), got {PointsAdded}.");
        if (MaxPoints is <= 0) throw new ArgumentException($"ResidualAdaptiveRefinement: MaxPoints must be positive when given, got {MaxPoints}.");
    }

    internal override double[,] NewDomain(double[,] current, double[,] candidates, double[] residual, ulong seed)
    {
        int room = MaxPoints is { } max ? Math.Max(0, max - current.GetLength(0)) : PointsAdded;
        // Largest residual first; ties keep candidate order, so the choice is deterministic.
        var top = Enumerable.Range(0, residual.Length).OrderByDescending(i => residual[i]).ThenBy(i => i).Take(Math.Min(PointsAdded, room)).ToArray();
        return Rows(candidates, top, prefix: current);
    }
}

/// <summary>
/// Residual-based adaptive distribution, RAD (Wu et al. 2023): replaces all collocation points by as many candidates
/// drawn without replacement with probability proportional to |r|^k / mean(|r|^k) + c (<see cref="Exponent"/> k,
/// <see cref="Offset"/> c; k = 0 or large c is uniform sampling).
/// </summary>
public sealed record ResidualAdaptiveDistribution(int Every = 1000, int Candidates = 10_000, double Exponent = 1, double Offset = 1)
    : AdaptiveSampling(Every, Candidates)
{
    public override ITrainingMethod Create(PinnTrainer trainer) => Candidates >= trainer.Sampling.Domain
        ? base.Create(trainer)
        : throw new ArgumentException($"ResidualAdaptiveDistribution draws the {trainer.Sampling.Domain} collocation points from its candidates, "
            + $"so Candidates must be at least {trainer.Sampling.Domain}, got {Candidates}.");

    public override void Validate()
    {
        base.Validate();
        if (!(Exponent >= 0 && double.IsFinite(Exponent)))
            throw new ArgumentException($"ResidualAdaptiveDistribution: Exponent k must be finite and non-negative, got {Exponent}.");
        if (!(Offset >= 0 && double.IsFinite(Offset)))
            throw new ArgumentException($"ResidualAdaptiveDistribution: Offset c must be finite and non-negative, got {Offset}.");
    }

    internal override double[,] NewDomain(double[,] current, double[,] candidates, double[] residual, ulong seed)
    {
        int n = current.GetLength(0);
        if (candidates.GetLength(0) < n)
            throw new ArgumentException($"ResidualAdaptiveDistribution needs at least as many candidates as collocation points ({n}), "
                + $"got {candidates.GetLength(0)}.");
        var powered = residual.Select(r => Math.Pow(r, Exponent)).ToArray();
        double mean = powered.Average();
        var density = powered.Select(p => (mean > 0 ? p / mean : 1) + Offset).ToArray();
        // Weighted sampling without replacement (Efraimidis and Spirakis 2006): keep the n largest keys log(u) / weight.
        var random = new Xoshiro256((long)seed);
        var keys = density.Select(w => w > 0 ? Math.Log(1 - random.NextDouble()) / w : double.NegativeInfinity).ToArray();
        var chosen = Enumerable.Range(0, keys.Length).OrderByDescending(i => keys[i]).ThenBy(i => i).Take(n).OrderBy(i => i).ToArray();
        return Rows(candidates, chosen);
    }
}

/// <summary>
/// Fresh uniform collocation points every <see cref="AdaptiveSampling.Every"/> iterations, as many as before, with no
/// residual measured: the per-step resampling of the high-dimensional benchmarks (SDGD, STDE), where a fixed set of
/// points in d dimensions would be fitted rather than the equation.
/// </summary>
public sealed record UniformResampling(int Every = 1) : AdaptiveSampling(Every, Candidates: 1)
{
    internal override bool UsesResidual => false;

    internal override int CandidateCount(PinnTrainer trainer) => (int)trainer.Batch.Domain.Total;

    internal override double[,] NewDomain(double[,] current, double[,] candidates, double[] residual, ulong seed) => candidates;
}
