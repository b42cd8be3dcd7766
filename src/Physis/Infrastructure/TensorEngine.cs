using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Physis.Infrastructure;

/// <summary>Process-wide settings of the tensor engine (libtorch) that every training or evaluation command makes first.</summary>
public static class TensorEngine
{
    private const int MallocTrimThreshold = -1; // M_TRIM_THRESHOLD in glibc's malloc.h
    private const int MallocMmapThreshold = -3; // M_MMAP_THRESHOLD
    private const int MallocMmapMax = -4; // M_MMAP_MAX
    private const int LargestHeapAllocation = 32 << 20; // glibc refuses an mmap threshold above HEAP_MAX_SIZE / 2 = 32 MiB
    private static bool memoryRetained, configured;
    private const int ThreadsPerCore = 4;

    /// <summary>The most intra-op threads <see cref="Configure"/> accepts on this machine.</summary>
    public static int MaxThreads => ThreadsPerCore * Environment.ProcessorCount;

    /// <summary>
    /// The thread count a trainer sets when the program has not called <see cref="Configure"/>: small PINNs gain
    /// nothing from a second thread, and on a machine whose cores are busy libtorch's OpenMP threads spin against the
    /// other load and slow training many times over (docs/build.md). Programs that want more call Configure first.
    /// </summary>
    public const int DefaultThreads = 1;

    /// <summary>
    /// Sets libtorch's intra-op thread count and, on glibc, keeps freed memory in the process.
    /// libtorch's CPU allocator frees every intermediate tensor to malloc; with glibc's defaults the top of the heap is
    /// returned to the kernel and each training step faults the same pages back in, zeroed, which spends much of an FNO
    /// run's CPU time in the kernel.
    /// </summary>
    public static void Configure(int threads)
    {
        if (threads <= 0) throw new ArgumentException($"Threads must be positive, got {threads}.");
        // Far more threads than cores make OpenMP spin against itself: a run that would take minutes takes hours.
        if (threads > MaxThreads)
            throw new ArgumentException($"Threads must be at most {MaxThreads} ({ThreadsPerCore} per logical core of this machine), got {threads}.");
        RetainFreedMemory();
        ReproducibleMathKernels();
        set_num_threads(threads);
        configured = true;
    }

    /// <summary>Applies <see cref="DefaultThreads"/> unless <see cref="Configure"/> was called; trainers call it when built.</summary>
    public static void ConfigureDefault()
    {
        if (!configured) Configure(DefaultThreads);
    }

    /// <summary>
    /// Asks MKL (inside libtorch) for results that do not depend on memory alignment (conditional numerical
    /// reproducibility, AUTO with STRICT): by default its vector kernels take other code paths for differently aligned
    /// buffers, so the same run gave other last bits from one process to the next (time marching's hard starts showed
    /// it). Results still follow the CPU's instruction set, as every vector kernel does.
    /// </summary>
    /// <returns>
    /// MKL's status: 0 when the mode is set (once per process; Physis asks when it is loaded, as MKL takes the mode only
    /// before its first call), negative when MKL refused it.
    /// </returns>
    public static int ReproducibleMathKernels()
    {
        if (reproducibility is { } status) return status;
        try
        {
            status = SetConditionalReproducibility(MklCbwrAuto | MklCbwrStrict);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            status = MklUnavailable;  // a libtorch built without MKL: its own kernels do not branch on alignment
        }
        reproducibility = status;
        return status;
    }

    private const int MklCbwrAuto = 2, MklCbwrStrict = 0x10000, MklUnavailable = -100;  // mkl_cbwr.h
    private static int? reproducibility;

    [DllImport("libtorch_cpu", EntryPoint = "mkl_serv_cbwr_set")]
    private static extern int SetConditionalReproducibility(int settings);

    /// <summary>Raises glibc's trim and mmap thresholds, and turns mmap off, so that freed tensor memory is reused
    /// instead of unmapped (once per process; a no-op elsewhere). Tensors above the largest mmap threshold (32 MiB, a
    /// batch of 100 points in 100,000 dimensions) were otherwise mapped and faulted in, zeroed, at every step.</summary>
    public static void RetainFreedMemory()
    {
        if (memoryRetained || !OperatingSystem.IsLinux()) return;
        try
        {
            // mallopt returns 1 on success; musl's stub returns 0 and changes nothing, which is harmless.
            Mallopt(MallocTrimThreshold, int.MaxValue);
            Mallopt(MallocMmapThreshold, LargestHeapAllocation);
            Mallopt(MallocMmapMax, 0);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: keep the allocator's defaults.
        }
        memoryRetained = true;
    }

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);
}
