using System.Reflection;
using System.Runtime.InteropServices;
using MPI;

namespace Physis.Infrastructure.Distributed;

/// <summary>
/// MPI_COMM_WORLD through MPI.NET's bindings. MPI.NET names MS-MPI's msmpi.dll; MS-MPI derives from MPICH and shares its
/// integer handles, so on Linux the binding is pointed at MPICH's libmpich.so.12 (Open MPI's pointer handles would not fit).
/// All calls come from the thread that initialised MPI.
/// </summary>
public sealed class MpiCommunicator : Communicator
{
    private const string MpichLibrary = "libmpich.so.12";
    // Below this length one all-gather costs less than a reduce-scatter followed by an all-gather.
    private const int GatherLength = 1 << 14;
    private static MpiCommunicator? world;
    private readonly int rank, size;

    private MpiCommunicator(int rank, int size) => (this.rank, this.size) = (rank, size);

    public override int Rank => rank;
    public override int Size => size;

    /// <summary>Initialises MPI once per process (finalised when the process exits) and returns MPI_COMM_WORLD.</summary>
    public static MpiCommunicator World()
    {
        if (world is not null) return world;
        NativeLibrary.SetDllImportResolver(typeof(Unsafe).Assembly, Resolve);
        int provided;
        unsafe
        {
            int argc = 0;
            byte** argv = null;
            Check(Unsafe.MPI_Init_thread(ref argc, ref argv, Unsafe.MPI_THREAD_FUNNELED, out provided), "MPI_Init_thread");
        }
        Check(Unsafe.MPI_Comm_rank(Unsafe.MPI_COMM_WORLD, out int rank), "MPI_Comm_rank");
        Check(Unsafe.MPI_Comm_size(Unsafe.MPI_COMM_WORLD, out int size), "MPI_Comm_size");
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Unsafe.MPI_Finalize();
        return world = new MpiCommunicator(rank, size);
    }

    private static IntPtr Resolve(string name, Assembly assembly, DllImportSearchPath? path)
    {
        if (NativeLibrary.TryLoad(MpichLibrary, out var handle)) return handle;
        throw new DllNotFoundException($"MPI needs MPICH's {MpichLibrary}, which is not installed: on Debian, apt-get install mpich.");
    }

    public override void Abort(int exitCode) => Unsafe.MPI_Abort(Unsafe.MPI_COMM_WORLD, exitCode);

    /// <summary>
    /// Short vectors: every rank gathers all and adds in rank order. Long ones: an all-to-all hands each rank one block
    /// from every rank, it adds them in rank order, and an all-gather returns the summed blocks (about twice the
    /// vector's bytes sent per rank, as a ring all-reduce sends, and the order still fixed).
    /// </summary>
    protected override void ReduceInRankOrder(double[] values)
    {
        int n = values.Length;
        if (n < GatherLength)
        {
            var all = new double[size * n];
            Gather(values, all);
            SumBlocks(all, n, values);
            return;
        }
        int block = (n + size - 1) / size;
        var padded = new double[size * block];
        values.CopyTo(padded, 0);
        var received = new double[size * block];
        Collective(padded, received, (s, r) => Unsafe.MPI_Alltoall(s, block, Unsafe.MPI_DOUBLE, r, block, Unsafe.MPI_DOUBLE,
            Unsafe.MPI_COMM_WORLD), "MPI_Alltoall");
        var mine = new double[block];
        SumBlocks(received, block, mine);
        Collective(mine, padded, (s, r) => Unsafe.MPI_Allgather(s, block, Unsafe.MPI_DOUBLE, r, block, Unsafe.MPI_DOUBLE,
            Unsafe.MPI_COMM_WORLD), "MPI_Allgather");
        Array.Copy(padded, values, n);
    }

    /// <summary>target[i] = sum over ranks r of source[r * stride + i] for i below target's length, rank 0 first.</summary>
    private void SumBlocks(double[] source, int stride, double[] target)
    {
        for (int i = 0; i < target.Length; i++)
        {
            double sum = source[i];
            for (int r = 1; r < size; r++) sum += source[r * stride + i];
            target[i] = sum;
        }
    }

    protected override void Gather(double[] local, double[] all) =>
        Collective(local, all, (s, r) => Unsafe.MPI_Allgather(s, local.Length, Unsafe.MPI_DOUBLE, r, local.Length, Unsafe.MPI_DOUBLE,
            Unsafe.MPI_COMM_WORLD), "MPI_Allgather");

    protected override void WaitForAll() => Check(Unsafe.MPI_Barrier(Unsafe.MPI_COMM_WORLD), "MPI_Barrier");

    private static void Collective(double[] send, double[] receive, Func<IntPtr, IntPtr, int> call, string name)
    {
        var s = GCHandle.Alloc(send, GCHandleType.Pinned);
        var r = GCHandle.Alloc(receive, GCHandleType.Pinned);
        try
        {
            Check(call(s.AddrOfPinnedObject(), r.AddrOfPinnedObject()), name);
        }
        finally
        {
            s.Free();
            r.Free();
        }
    }

    private static void Check(int code, string call)
    {
        if (code != Unsafe.MPI_SUCCESS) throw new InvalidOperationException($"{call} failed with MPI error code {code}.");
    }
}
