using System.Diagnostics;

namespace Physis.Infrastructure.Distributed;

/// <summary>
/// The processes (ranks) of one run and the few collective operations data-parallel training needs. Every reduction
/// sums in rank order, so all ranks hold bit-identical results and a run on N ranks repeats exactly.
/// </summary>
public abstract class Communicator
{
    private readonly Stopwatch communication = new();

    /// <summary>The one process of a run that is not distributed.</summary>
    public static Communicator SingleProcess { get; } = new SingleProcessCommunicator();

    public abstract int Rank { get; }
    public abstract int Size { get; }
    /// <summary>Rank 0: the one that writes the run folder.</summary>
    public bool IsRoot => Rank == 0;
    public bool IsDistributed => Size > 1;

    /// <summary>Wall time spent inside collective operations so far (the communication share of a step).</summary>
    public TimeSpan CommunicationTime => communication.Elapsed;
    /// <summary>Collective operations so far (each pays the network's latency at least once).</summary>
    public long Collectives { get; private set; }
    /// <summary>Float64 values this rank has contributed to reductions and gathers so far (the message sizes).</summary>
    public long ValuesSent { get; private set; }

    /// <summary>Replaces <paramref name="values"/> on every rank by the sum over ranks, added in rank order 0, 1, ...</summary>
    public void SumInRankOrder(double[] values)
    {
        if (!IsDistributed || values.Length == 0) return;
        Timed(values.Length, () => ReduceInRankOrder(values));
    }

    /// <summary>Every rank's <paramref name="local"/> (all of one length), in rank order.</summary>
    public double[][] AllGather(double[] local)
    {
        if (!IsDistributed) return [(double[])local.Clone()];
        var all = new double[Size * local.Length];
        Timed(local.Length, () => Gather(local, all));
        return [.. Enumerable.Range(0, Size).Select(r => all.AsSpan(r * local.Length, local.Length).ToArray())];
    }

    /// <summary>Waits until every rank has arrived.</summary>
    public void Barrier()
    {
        if (IsDistributed) Timed(0, WaitForAll);
    }

    /// <summary>Runs one collective operation of <paramref name="values"/> values, counted and timed.</summary>
    private void Timed(long values, Action collective)
    {
        Collectives++;
        ValuesSent += values;
        communication.Start();
        try
        {
            collective();
        }
        finally
        {
            communication.Stop();
        }
    }

    /// <summary>
    /// The rows [start, start + count) of <paramref name="total"/> this rank owns: contiguous blocks in rank order whose
    /// union is every row, so the single-process run's rows are split, not redrawn.
    /// </summary>
    public (long Start, long Count) Share(long total) => ShareOf(Rank, total);

    private (long Start, long Count) ShareOf(int rank, long total)
    {
        long start = total * rank / Size, end = total * (rank + 1) / Size;
        return (start, end - start);
    }

    /// <summary>Every rank's <see cref="Share"/> of an array of <paramref name="total"/> values, put together on every rank.</summary>
    public double[] AllGatherShares(double[] share, long total)
    {
        if (share.Length != Share(total).Count)
            throw new ArgumentException($"Rank {Rank} holds {share.Length} values, but its share of {total} is {Share(total).Count}.");
        if (!IsDistributed) return share;
        var padded = new double[(total + Size - 1) / Size];
        share.CopyTo(padded, 0);
        var all = AllGather(padded);
        var result = new double[total];
        for (int r = 0; r < Size; r++)
        {
            var (start, count) = ShareOf(r, total);
            Array.Copy(all[r], 0, result, start, count);
        }
        return result;
    }

    /// <summary>Ends the whole job with <paramref name="exitCode"/> after one rank failed, so the others do not wait forever.</summary>
    public virtual void Abort(int exitCode) { }

    /// <summary>The sum in place (length at least 1, more than one rank).</summary>
    protected abstract void ReduceInRankOrder(double[] values);
    /// <summary>All ranks' <paramref name="local"/> concatenated in rank order into <paramref name="all"/>.</summary>
    protected abstract void Gather(double[] local, double[] all);
    protected abstract void WaitForAll();

    private sealed class SingleProcessCommunicator : Communicator
    {
        public override int Rank => 0;
        public override int Size => 1;
        protected override void ReduceInRankOrder(double[] values) { }
        protected override void Gather(double[] local, double[] all) => local.CopyTo(all, 0);
        protected override void WaitForAll() { }
    }
}
