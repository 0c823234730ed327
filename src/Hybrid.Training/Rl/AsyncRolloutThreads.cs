// How async RL splits the cores between the rollout engine (ONNX Runtime) and the trainer (libtorch) while both compute at once.
using Hybrid.Rollout;

namespace Hybrid.Training.Rl;

/// <summary>
/// With rollouts overlapping the update (<see cref="RlConfig.AsyncRollout"/>) two intra-op thread pools compute at the
/// same time, and each defaults to one thread per core: together they oversubscribe the cores, and libgomp's workers
/// spin before they sleep (see <see cref="TorchRuntime"/>), so each pool steals cycles from the other. The split gives the
/// engine's session half the cores (<see cref="EngineThreads"/>; its pool is fixed when the session is built, so the
/// caller sets <see cref="RolloutEngineOptions.IntraOpThreads"/> when it opens the policy) and libtorch the cores the
/// engine leaves (<see cref="ShareWith"/>, for the run, restored after). On this project's 2-core machines that is one
/// thread each: decoding a small batch gains little from a second thread (one token per row per step), and the update
/// keeps a core of its own. Halves are a default, not a tuned optimum; <c>tools/bench async</c> reports the phase times
/// that decide it.
/// </summary>
public static class AsyncRolloutThreads
{
    /// <summary>The rollout engine's intra-op threads in an async run on <paramref name="cores"/> cores: half (at least 1).</summary>
    public static int EngineThreads(int cores) => Math.Max(1, cores / 2);

    /// <summary>
    /// Sets libtorch's intra-op threads to the cores <paramref name="engine"/>'s session leaves (at least 1) until the
    /// result is disposed, which restores the previous count.
    /// </summary>
    public static IDisposable ShareWith(RolloutEngineOptions engine)
    {
        int before = TorchRuntime.Threads;
        TorchRuntime.Configure(threads: Math.Max(1, Environment.ProcessorCount - engine.SessionIntraOpThreads));
        return new Restore(before);
    }

    private sealed class Restore(int threads) : IDisposable
    {
        public void Dispose() => TorchRuntime.Configure(threads: threads);
    }
}
