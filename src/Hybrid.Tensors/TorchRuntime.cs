// Start-up settings of libtorch (intra-op threads, allocator thresholds), each overridable; the OpenMP wait policy measured.
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace Hybrid.Tensors;

/// <summary>
/// Applies, once per process when this library loads, the settings measured best on the project's 2-core machines, each
/// overridable by an environment variable or by <see cref="Configure"/>:
/// <list type="bullet">
/// <item>The OpenMP wait policy is left to libgomp (its workers spin ~300,000 iterations, then sleep), because that is
/// fastest on a machine the trainer has to itself: <c>OMP_WAIT_POLICY=PASSIVE</c> (sleep at once) made a `base100m` bf16
/// step 1.4× slower (1,155 vs 821 ms) and a `tiny` step 1.7× slower (34 vs 20 ms), measured with <c>tools/bench sft</c>.
/// Beside another busy process PASSIVE wins (`tiny`: 22 vs 53 ms/step), so set <c>OMP_WAIT_POLICY=PASSIVE</c> on a
/// shared machine; <c>tools/test.sh</c> does, since it runs test projects side by side.</item>
/// <item><c>HYBRID_TORCH_THREADS</c> (default: libtorch's own, one per core): libtorch's intra-op threads.</item>
/// <item><c>HYBRID_MALLOC_MMAP_THRESHOLD</c> (default 32 MiB) and <c>HYBRID_MALLOC_TRIM_THRESHOLD</c> (default 256 MiB):
/// glibc otherwise unmaps and re-faults a step's activations every step (a C#-driven step was 25% slower than C++).</item>
/// </list>
/// </summary>
public static class TorchRuntime
{
    public const long DefaultMmapThreshold = 32L << 20;
    public const long DefaultTrimThreshold = 256L << 20;

    private static int _initialized;

    /// <summary>Runs the start-up configuration (idempotent); it also runs automatically when this library loads.</summary>
    // A library module initializer on purpose (CA2255): the allocator settings must precede the first tensor.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    public static void Initialize()
    {
        if (Interlocked.Exchange(ref _initialized, 1) == 1) return;
        if (OperatingSystem.IsLinux())
        {
            _ = mallopt(MmapThresholdParam, (int)Math.Min(int.MaxValue, EnvLong("HYBRID_MALLOC_MMAP_THRESHOLD") ?? DefaultMmapThreshold));
            _ = mallopt(TrimThresholdParam, (int)Math.Min(int.MaxValue, EnvLong("HYBRID_MALLOC_TRIM_THRESHOLD") ?? DefaultTrimThreshold));
        }
        // libtorch's own default is one intra-op thread per core; only an explicit setting loads libtorch here, so a
        // process that never trains (scoring, export) never maps it.
        if (EnvLong("HYBRID_TORCH_THREADS") is { } threads) Configure(threads: (int)threads);
    }

    /// <summary>Sets libtorch's intra-op thread count; null leaves it as it is.</summary>
    public static void Configure(int? threads = null)
    {
        if (threads is { } n)
        {
            if (n < 1) throw new ArgumentOutOfRangeException(nameof(threads), n, "threads must be >= 1");
            torch.set_num_threads(n);
        }
    }

    /// <summary>Intra-op threads libtorch uses.</summary>
    public static int Threads => torch.get_num_threads();

    /// <summary>The OpenMP wait policy asked for by the environment (empty: libgomp's default).</summary>
    public static string WaitPolicy => Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "";

    private const int TrimThresholdParam = -1, MmapThresholdParam = -3;  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD (malloc.h)

    [DllImport("libc")]
    private static extern int mallopt(int param, int value);

    private static long? EnvLong(string name)
    {
        string? text = Environment.GetEnvironmentVariable(name);
        if (string.IsNullOrWhiteSpace(text)) return null;
        return long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out long v)
            ? v
            : throw new ArgumentException($"environment variable {name}='{text}' is not an integer");
    }
}
