// Interop for native/hy_runtime.cpp: last error, allocator/thread settings, seeding, grad mode, live-tensor count.
using System.Runtime.InteropServices;

namespace Hybrid.Torch.Interop;

internal static partial class NativeRuntime
{
    // const char* hy_last_error(void)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_last_error();

    // int64_t hy_live_tensors(void)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial long hy_live_tensors();

    // void hy_tensor_free(hy_tensor)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial void hy_tensor_free(IntPtr tensor);

    // int hy_runtime_configure(int64_t mmap_threshold, int64_t trim_threshold, int aten_threads, int blas_threads)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_runtime_configure(long mmapThreshold, long trimThreshold, int atenThreads, int blasThreads);

    // int hy_runtime_aten_threads(void)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_runtime_aten_threads();

    // int hy_runtime_blas_threads(void): -1 when the BLAS in use is not OpenBLAS
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_runtime_blas_threads();

    // int hy_manual_seed(uint64_t seed)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_manual_seed(ulong seed);

    // int hy_rng_get_state(uint8_t* buffer, int64_t capacity, int64_t* size)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static unsafe partial int hy_rng_get_state(byte* buffer, long capacity, long* size);

    // int hy_rng_set_state(const uint8_t* buffer, int64_t size)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static unsafe partial int hy_rng_set_state(byte* buffer, long size);

    // int hy_set_deterministic(int on)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_set_deterministic(int on);

    // int hy_grad_enabled(void)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_grad_enabled();

    // void hy_set_grad_enabled(int on)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial void hy_set_grad_enabled(int on);

    // int hy_debug_throw(const char* message)
    [LibraryImport(NativeLibraryName.Shim, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int hy_debug_throw(string message);
}
