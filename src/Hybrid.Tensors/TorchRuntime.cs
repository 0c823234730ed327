// Start-up settings of libtorch (OpenMP wait policy, intra-op threads, allocator thresholds), each overridable.
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using TorchSharp;

namespace Hybrid.Tensors;

/// <summary>
/// Applies, once per process when this library loads, the settings measured best on the project's 2-core machines, each
/// overridable by an environment variable or by <see cref="Configure"/>:
/// <list type="bullet">
/// <item><c>OMP_WAIT_POLICY</c> defaults to <c>PASSIVE</c> (set before libtorch loads its OpenMP runtime). With the
/// default active policy, OpenMP threads spin between ops; beside another busy process (a rollout engine, a test runner)
/// a tiny model's step was measured 3–13× slower. Set the variable yourself to choose another policy.</item>
/// <item><c>HYBRID_TORCH_THREADS</c> (default: libtorch's own, one per core): libtorch's intra-op threads.</item>
/// <item><c>HYBRID_MALLOC_MMAP_THRESHOLD</c> (default 32 MiB) and <c>HYBRID_MALLOC_TRIM_THRESHOLD</c> (default 256 MiB):
/// glibc otherwise unmaps and re-faults a step's activations every step (a C#-driven step was 25% slower than C++).</item>
/// </list>
/// </summary>
public static class TorchRuntime
{
    public const long DefaultMmapThreshold = 32L << 20;
    public const long DefaultTrimThreshold = 256L << 20;
    public const string DefaultWaitPolicy = "PASSIVE";

    private static int _initialized;

    /// <summary>Runs the start-up configuration (idempotent); it also runs automatically when this library loads.</summary>
    // A library module initializer on purpose (CA2255): the OpenMP policy must be in the C environment before libtorch loads.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    public static void Initialize()
    {
        if (Interlocked.Exchange(ref _initialized, 1) == 1) return;
        if (OperatingSystem.IsLinux())
        {
            if (string.IsNullOrEmpty(Environment.GetEnvironmentVariable("OMP_WAIT_POLICY")))
            {
                _ = setenv("OMP_WAIT_POLICY", DefaultWaitPolicy, 0);
                Environment.SetEnvironmentVariable("OMP_WAIT_POLICY", DefaultWaitPolicy);
            }
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

    /// <summary>The OpenMP wait policy in effect for this process (as read from the environment at start-up).</summary>
    public static string WaitPolicy => Environment.GetEnvironmentVariable("OMP_WAIT_POLICY") ?? "";

    private const int TrimThresholdParam = -1, MmapThresholdParam = -3;  // M_TRIM_THRESHOLD, M_MMAP_THRESHOLD (malloc.h)

    [DllImport("libc", CharSet = CharSet.Ansi)]
    private static extern int setenv(string name, string value, int overwrite);

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
