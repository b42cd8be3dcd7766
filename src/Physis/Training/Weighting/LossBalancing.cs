using Physis.Differentiation;
using Physis.Training.Optimizers;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace Physis.Training.Weighting;

/// <summary>
/// Adaptive loss weights: every <see cref="Every"/> iterations the trainer re-estimates one weight per loss term from
/// the gradients of the terms, and the optimizer minimises sum_i weight_i * conditionWeight_i * term_i. The weights
/// are stored in checkpoints and logged in each loss record as weight_TERM (<see cref="LossWeighting"/>).
/// </summary>
public abstract record LossBalancing(int Every) : ITrainingMethodOptions
{
    public ITrainingMethod Create(PinnTrainer trainer) => new LossWeighting(this, trainer);

    /// <summary>Throws an <see cref="ArgumentException"/> naming the first invalid setting.</summary>
    public virtual void Validate()
    {
        if (Every <= 0)
            throw new ArgumentException($"{GetType().Name}: the update interval Every must be a positive number of iterations, got {Every}.");
    }

    /// <summary>Weight of the previous value when a new estimate arrives (0 replaces it); the first estimate always replaces the initial 1.</summary>
    internal abstract double Smoothing { get; }

    /// <summary>Gradients below this fraction of the residual's come from terms already satisfied to round-off; they are not reweighted.</summary>
    public const double RoundOff = 1e-12;

    /// <summary>
    /// A fresh estimate of the weights from the terms (condition weights already applied in <paramref name="coefficients"/>),
    /// with gradients summed over ranks by <paramref name="sums"/>.
    /// </summary>
    internal abstract double[] Estimate(IReadOnlyList<TermResidual> terms, double[] coefficients, int residualCount,
        IReadOnlyList<Parameter> parameters, RankSums sums);
}

public enum GradientStatistic { Max, Mean }

/// <summary>
/// Learning-rate annealing (Wang, Teng and Perdikaris 2021): each condition term gets
/// lambda_i = stat |grad L_pde| / mean |grad (w_i L_i)|, stat the max (as in the paper) or mean over all parameter
/// entries, and lambda_i = Alpha lambda_i + (1 - Alpha) lambda_hat_i. Residual terms keep weight 1. Because a term's
/// weight is inversely proportional to its gradient, multiplying a term by a constant leaves the weighted total unchanged.
/// </summary>
public sealed record GradientNormBalancing(int Every = 10, double Alpha = 0.9, GradientStatistic Statistic = GradientStatistic.Max)
    : LossBalancing(Every)
{
    public override void Validate()
    {
        base.Validate();
        if (!(Alpha >= 0 && Alpha < 1))
            throw new ArgumentException("GradientNormBalancing: Alpha (the moving-average weight of the previous value) "
                + $"must lie in [0, 1), got {Alpha}.");
        if (!Enum.IsDefined(Statistic)) throw new ArgumentException($"GradientNormBalancing: unknown statistic {Statistic}; use Max or Mean.");
    }

    internal override double Smoothing => Alpha;

    internal override double[] Estimate(IReadOnlyList<TermResidual> terms, double[] coefficients, int residualCount,
        IReadOnlyList<Parameter> parameters, RankSums sums)
    {
        using var scope = NewDisposeScope();
        Tensor? reference = null;
        for (int i = 0; i < residualCount; i++)
        {
            var g = sums.SumDetached(ParameterGradients.Of(terms[i].Objective() * coefficients[i], parameters));
            reference = reference is null ? g : reference + g;
        }
        double stat = Statistic == GradientStatistic.Max ? reference!.abs().max().ToDouble() : reference!.abs().mean().ToDouble();
        var weights = new double[terms.Count];
        for (int i = 0; i < terms.Count; i++)
        {
            if (i < residualCount) { weights[i] = 1; continue; }
            double mean = sums.SumDetached(ParameterGradients.Of(terms[i].Objective() * coefficients[i], parameters)).abs().mean().ToDouble();
            // A term met to round-off (a periodic condition under a periodic embedding) keeps weight 1: weighting it by
            // stat / mean, about 1e30, would blow its round-off up into the gradient.
            weights[i] = mean > stat * RoundOff && double.IsFinite(stat / mean) ? stat / mean : 1;
        }
        return weights;
    }
}

/// <summary>
/// Neural-tangent-kernel weights (Wang, Yu and Perdikaris 2022): lambda_i = sum_j tr(K_j) / tr(K_i), where tr(K_i) is
/// the mean over the term's points of |d r_p / d theta|^2 (the residual weighted as in the loss), estimated on
/// <see cref="Subsample"/> evenly spaced points per term. Multiplying a term by a constant scales every weight by one
/// common factor, so the direction of the weighted gradient is unchanged.
/// </summary>
public sealed record NtkBalancing(int Every = 100, int Subsample = 64, double Alpha = 0) : LossBalancing(Every)
{
    public override void Validate()
    {
        base.Validate();
        if (Subsample <= 0) throw new ArgumentException($"NtkBalancing: Subsample must be a positive number of points per term, got {Subsample}.");
        if (!(Alpha >= 0 && Alpha < 1))
            throw new ArgumentException($"NtkBalancing: Alpha (the moving-average weight of the previous value) must lie in [0, 1), got {Alpha}.");
    }

    internal override double Smoothing => Alpha;

    internal override double[] Estimate(IReadOnlyList<TermResidual> terms, double[] coefficients, int residualCount,
        IReadOnlyList<Parameter> parameters, RankSums sums)
    {
        using var scope = NewDisposeScope();
        var traces = new double[terms.Count];
        for (int i = 0; i < terms.Count; i++)
        {
            var scaled = terms[i].Scaled() * Math.Sqrt(coefficients[i]);
            long n = terms[i].Total;
            int k = (int)Math.Min(Subsample, n);
            // The evenly spaced points of the whole term; under data-parallel training each rank takes those in its share.
            var (first, count) = terms[i].Replicated ? (0, n) : sums.Ranks.Share(n);
            var rows = Enumerable.Range(0, k).Select(j => j * n / k).Where(r => r >= first && r < first + count).Select(r => r - first).ToArray();
            traces[i] = rows.Length == 0 ? 0 : ParameterGradients.JacobianRows(scaled, parameters, rows).Squared().sum().ToDouble() * n / k;
        }
        var spread = Enumerable.Range(0, terms.Count).Where(i => !terms[i].Replicated).ToArray();
        var partial = spread.Select(i => traces[i]).ToArray();
        sums.Ranks.SumInRankOrder(partial);
        for (int j = 0; j < spread.Length; j++) traces[spread[j]] = partial[j];
        double total = traces.Sum();
        // Traces are squared gradients, so round-off sits at RoundOff^2 of the total (see GradientNormBalancing).
        return traces.Select(t => t > total * RoundOff * RoundOff && double.IsFinite(total / t) ? total / t : 1).ToArray();
    }
}
