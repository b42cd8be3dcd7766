using Physis.Differentiation;
using static TorchSharp.torch;

namespace Physis.Training;

/// <summary>
/// One loss term as residuals at its points: the term is sum_p w_p r_p^2 with point weights w, uniform 1/n unless a
/// method (causal training) reweights the points. The residual form serves Gauss-Newton methods and kernel traces.
/// Under data-parallel training <see cref="Residual"/> holds this rank's points and the sums run over all ranks'.
/// </summary>
public sealed class TermResidual
{
    private Tensor? squares, weighted;

    /// <param name="residual">the residual at this rank's points</param>
    /// <param name="total">the term's points over all ranks</param>
    /// <param name="replicated">
    /// whether every rank holds the whole term (an integral condition's one residual), so its sum is not summed over ranks
    /// </param>
    internal TermResidual(Tensor residual, long total, bool replicated = false)
    {
        (Residual, Total, Replicated) = (residual, total, replicated);
    }

    /// <summary>Residual at each of this rank's points, [n].</summary>
    public Tensor Residual { get; }
    /// <summary>The term's points over all ranks (n in a single process).</summary>
    public long Total { get; }
    internal bool Replicated { get; }
    /// <summary>Weights of this rank's points, [n], summing to about 1 over all ranks; null for the uniform 1/n.</summary>
    public Tensor? PointWeights { get; set; }

    /// <summary>Mean square residual: the term as reported in the loss history.</summary>
    public Tensor Raw() => Squares() / Total;

    /// <summary>The term the optimizer minimises (equal to <see cref="Raw"/> without point weights).</summary>
    public Tensor Objective() => PointWeights is null ? Raw() : weighted ?? (Residual.Squared() * PointWeights).sum();

    /// <summary>This rank's residuals scaled so that their squared norm, summed over ranks, is <see cref="Objective"/>.</summary>
    public Tensor Scaled() => PointWeights is null ? Residual / Math.Sqrt(Total) : Residual * PointWeights.sqrt();

    private Tensor Squares() => squares ?? Residual.Squared().sum();

    /// <summary>
    /// Sums each term's squares (and weighted squares) over the ranks in one collective operation: the values become
    /// global, their gradients stay this rank's part (<see cref="RankSums.Sum"/>).
    /// </summary>
    internal static void SumOverRanks(IReadOnlyList<TermResidual> terms, RankSums sums)
    {
        var spread = terms.Where(t => !t.Replicated).ToList();
        if (!sums.Ranks.IsDistributed || spread.Count == 0) return;
        var local = new List<Tensor>();
        foreach (var t in spread)
        {
            local.Add(t.Residual.Squared().sum());
            if (t.PointWeights is { } w) local.Add((t.Residual.Squared() * w).sum());
        }
        var global = sums.Sum(stack(local));
        int k = 0;
        foreach (var t in spread)
        {
            t.squares = global[k++];
            if (t.PointWeights is not null) t.weighted = global[k++];
        }
    }
}
