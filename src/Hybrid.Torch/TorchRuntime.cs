// Start-up settings of the libtorch runtime (allocator thresholds, ATen and OpenBLAS threads), with overrides.
using System.Globalization;
using System.Runtime.CompilerServices;
using Hybrid.Torch.Interop;

namespace Hybrid.Torch;

/// <summary>
/// Applies, once per process before the first tensor, the settings measured best on the project's 2-core machines
/// (../shared/reference/engines.md), each overridable by an environment variable or by <see cref="Configure"/>:
/// <list type="bullet">
/// <item><c>HYBRID_MALLOC_MMAP_THRESHOLD</c> (default 32 MiB) and <c>HYBRID_MALLOC_TRIM_THRESHOLD</c> (default 256 MiB):
/// glibc otherwise unmaps and re-faults a step's activations every step, which made a C#-driven step 25% slower than C++.</item>
/// <item><c>HYBRID_ATEN_THREADS</c> (default 1) and <c>HYBRID_BLAS_THREADS</c> (default: all cores): ATen 1 + OpenBLAS 2 was
/// fastest; ATen 2 + OpenBLAS 2 was 3.5-4x slower (OpenMP spin-waits fight OpenBLAS's pool).</item>
/// </list>
/// </summary>
public static class TorchRuntime
{
    public const long DefaultMmapThreshold = 32L << 20;
    public const long DefaultTrimThreshold = 256L << 20;
    public const int DefaultAtenThreads = 1;

    private static int _initialized;

    /// <summary>Runs the start-up configuration; called automatically when Hybrid.Torch loads.</summary>
    // A library module initializer on purpose (CA2255): the allocator and thread settings must precede the first tensor,
    // whichever type of the library the application touches first.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void Initialize()
    {
        if (Interlocked.Exchange(ref _initialized, 1) == 1) return;
        SelectOpenBlasKernel();
        Configure(
            mmapThreshold: EnvLong("HYBRID_MALLOC_MMAP_THRESHOLD") ?? DefaultMmapThreshold,
            trimThreshold: EnvLong("HYBRID_MALLOC_TRIM_THRESHOLD") ?? DefaultTrimThreshold,
            atenThreads: (int?)EnvLong("HYBRID_ATEN_THREADS") ?? DefaultAtenThreads,
            blasThreads: (int?)EnvLong("HYBRID_BLAS_THREADS") ?? Environment.ProcessorCount);
    }

    /// <summary>Changes allocator thresholds (bytes) and thread counts; null leaves a setting as it is.</summary>
    public static void Configure(long? mmapThreshold = null, long? trimThreshold = null, int? atenThreads = null, int? blasThreads = null)
    {
        // OpenBLAS is optional here so that a BLAS other than OpenBLAS (reported by BlasThreads == -1) still runs.
        int blas = blasThreads is > 0 && NativeRuntime.hy_runtime_blas_threads() >= 0 ? blasThreads.Value : -1;
        TorchException.Check(NativeRuntime.hy_runtime_configure(mmapThreshold ?? -1, trimThreshold ?? -1, atenThreads ?? -1, blas));
    }

    /// <summary>Intra-op threads ATen uses.</summary>
    public static int AtenThreads => NativeRuntime.hy_runtime_aten_threads();

    /// <summary>Threads of OpenBLAS's own pool, or -1 when libtorch's BLAS is not OpenBLAS.</summary>
    public static int BlasThreads => NativeRuntime.hy_runtime_blas_threads();

    /// <summary>
    /// Debian 12's OpenBLAS (0.3.21) does not recognise recent Intel CPUs (e.g. family 6 model 207) and falls back to its
    /// generic Prescott kernels: a 512³ fp32 matmul measured 30–59 GFLOP/s instead of 178–198 with the AVX-512 ones. On a
    /// CPU with AVX-512 and no <c>OPENBLAS_CORETYPE</c> set, this selects them (<c>SkylakeX</c>) before libtorch loads
    /// OpenBLAS, which reads the variable once from the C environment (hence <c>setenv</c>, not .NET's managed copy).
    /// </summary>
    private static void SelectOpenBlasKernel()
    {
        if (!OperatingSystem.IsLinux() || !System.Runtime.Intrinsics.X86.Avx512F.IsSupported) return;
        if (!string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OPENBLAS_CORETYPE"))) return;
        _ = setenv("OPENBLAS_CORETYPE", "SkylakeX", 0);
    }

    [System.Runtime.InteropServices.DllImport("libc", CharSet = System.Runtime.InteropServices.CharSet.Ansi)]
    private static extern int setenv(string name, string value, int overwrite);

    private static long? EnvLong(string name)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new ArgumentException($"environment variable {name}='{text}' is not an integer");
    }
}
