using System.Runtime.CompilerServices;
using Physis.Infrastructure;

namespace Physis.Tests.Engine;

internal static class NativeLibrarySetup
{
    /// <summary>Some tests call TorchSharp before any Physis type, so the library's fix must run when this assembly loads.</summary>
    [ModuleInitializer]
    [System.Diagnostics.CodeAnalysis.SuppressMessage("Usage", "CA2255", Justification = "Must precede TorchSharp's first call.")]
    internal static void Initialize() => LibTorchLoader.Ensure();
}
