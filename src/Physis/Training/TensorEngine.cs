using System.Runtime.InteropServices;
using static TorchSharp.torch;

namespace Physis.Training;

/// <summary>Process-wide settings of the tensor engine (libtorch) that every training or evaluation command makes first.</summary>
public static class TensorEngine
{
    private const int MallocTrimThreshold = -1; // M_TRIM_THRESHOLD in glibc's malloc.h
    private const int MallocMmapThreshold = -3; // M_MMAP_THRESHOLD
    private const int LargestHeapAllocation = 32 << 20; // glibc refuses an mmap threshold above HEAP_MAX_SIZE / 2 = 32 MiB
    private static bool memoryRetained, oneDnnAvoided;

    /// <summary>
    /// Sets libtorch's intra-op thread count and, on glibc, keeps freed memory in the process.
    /// libtorch's CPU allocator frees every intermediate tensor to malloc; with glibc's defaults the top of the heap is
    /// returned to the kernel and each training step faults the same pages back in, zeroed: measured on the Burgers FNO
    /// as 150,000 page faults a second and a third of the run's CPU time in the kernel.
    /// </summary>
    public static void Configure(int threads)
    {
        if (threads <= 0) throw new ArgumentException($"--threads must be positive, got {threads}.");
        RetainFreedMemory();
        set_num_threads(threads);
    }

    /// <summary>Raises glibc's trim and mmap thresholds so that freed tensor memory is reused instead of unmapped (once per process; a no-op elsewhere).</summary>
    public static void RetainFreedMemory()
    {
        if (memoryRetained || !OperatingSystem.IsLinux()) return;
        try
        {
            // mallopt returns 1 on success; musl's stub returns 0 and changes nothing, which is harmless.
            Mallopt(MallocTrimThreshold, int.MaxValue);
            Mallopt(MallocMmapThreshold, LargestHeapAllocation);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            // Not glibc: keep the allocator's defaults.
        }
        memoryRetained = true;
    }

    /// <summary>
    /// Routes libtorch's convolutions past oneDNN (mkldnn) to its reference kernels, once per process.
    /// In TorchSharp 0.107 (libtorch 2.10, oneDNN 3.7.1) oneDNN's input gradients of 3 x 3 and 3-point convolutions, and
    /// the transposed convolutions built on the same kernels, were wrong on the AMD EPYC (Zen 5) these tests and CI run
    /// on, with its jit:avx512_core and jit:avx2 kernels alike: up to 100 % off, or NaN whenever freed memory held NaN,
    /// as if accumulated into uninitialised memory (1 to 32 channels; channels-last only moved the failures). The MgNO
    /// and LSM trained to NaN. The reference kernels made an MgNO step 6 to 7 times slower; FNOs (1 x 1 convolutions
    /// and FFTs) ran as fast.
    /// </summary>
    public static void AvoidOneDnnConvolutions()
    {
        if (oneDnnAvoided) return;
        InitializeDeviceType(TorchSharp.DeviceType.CPU); // loads libtorch
        SetUserEnabledMkldnn(GlobalContext(), false);
        oneDnnAvoided = true;
    }

    // at::globalContext() and at::Context::setUserEnabledMkldnn(bool), which TorchSharp does not wrap (Itanium C++ names).
    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at13globalContextEv")]
    private static extern IntPtr GlobalContext();

    [DllImport("libtorch_cpu", EntryPoint = "_ZN2at7Context20setUserEnabledMkldnnEb")]
    private static extern void SetUserEnabledMkldnn(IntPtr context, [MarshalAs(UnmanagedType.U1)] bool enabled);

    [DllImport("libc", EntryPoint = "mallopt")]
    private static extern int Mallopt(int parameter, int value);
}
