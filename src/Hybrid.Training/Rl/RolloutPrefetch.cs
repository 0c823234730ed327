// The rollout side of async RL: batches generated ahead of the update on one background task, never more than a bounded number of policy versions ahead.
using System.Diagnostics;

namespace Hybrid.Training.Rl;

/// <summary>
/// Hands iteration j its batch, collected by <c>collect(j)</c> (generate, score, filter). With bound S = 0 every batch
/// is collected inline when its iteration asks (the synchronous loop). With S ≥ 1, <see cref="StartAhead"/> at iteration
/// k collects batches k+1 … k+S on one background task while the trainer computes log-probs and updates on batch k:
/// <code>
/// trainer:  [take k] [old/ref log-probs, adv, update on k ............] [Drain] [sync v→v+1] [take k+1] ...
/// rollouts:          [generate + score k+1 with version v ....]         (idle while the engine installs v+1)
/// </code>
/// The trainer calls <see cref="Drain"/> before every weight sync, so the engine never installs a version while a
/// generation is in flight: a batch is sampled with one version from start to end. Batch j is collected during
/// iteration i ≥ j − S, with the version iteration i updates from; only the syncs that end iterations i … j−1 come between,
/// so it is at most S versions behind the weights it updates. One task at a time collects batches strictly in order, so
/// the data order, the GHPO hints and the rollout seeds advance exactly as in the synchronous loop. The batches are
/// managed objects (ids, log-probs and scores as arrays): the background task creates no tensors.
/// </summary>
/// <param name="collected">Batches a resumed run's checkpoint saved, collected ahead by the interrupted run (from
/// <paramref name="first"/> on, in order): handed out before anything new is collected.</param>
internal sealed class RolloutPrefetch<T>(Func<int, T> collect, int bound, int last, int first = 1, IReadOnlyList<T>? collected = null) : IDisposable
{
    // batches collected ahead, in order
    private readonly Queue<(int Iteration, T Batch)> _ready = new((collected ?? []).Select((batch, i) => (first + i, batch)));
    private Task<List<(int Iteration, T Batch)>>? _inFlight;           // the background collection, if one runs
    private int _next = first + (collected?.Count ?? 0);               // the first batch not yet collected or started

    /// <summary>The batches collected ahead and not yet taken, in order (after <see cref="Drain"/>: all of them).</summary>
    public IReadOnlyList<(int Iteration, T Batch)> Ready => _ready.ToList();

    /// <summary>
    /// Batch <paramref name="iteration"/>: the one collected ahead (waiting for the background task if it still runs; the
    /// wait is <c>WaitedSeconds</c>), or, when none was, collected now on this thread (<c>Ahead</c> = false).
    /// </summary>
    public (T Batch, bool Ahead, double WaitedSeconds) Take(int iteration)
    {
        double waited = _ready.Count == 0 ? Drain() : 0;
        if (_ready.TryDequeue(out var ahead))
        {
            if (ahead.Iteration != iteration)
                throw new InvalidOperationException($"rollout prefetch: iteration {iteration} was handed batch {ahead.Iteration}");
            return (ahead.Batch, true, waited);
        }
        if (iteration != _next)
            throw new InvalidOperationException($"rollout prefetch: iteration {iteration} asked for a batch while batch {_next} is next");
        _next++;
        return (collect(iteration), false, waited);
    }

    /// <summary>
    /// With S ≥ 1 and no collection running: starts collecting batches up to <paramref name="iteration"/> + S (and no
    /// further than the last iteration) on a background task. A no-op otherwise.
    /// </summary>
    public void StartAhead(int iteration)
    {
        int from = _next, to = Math.Min(iteration + bound, last);
        if (bound == 0 || _inFlight is not null || from > to) return;
        _next = to + 1;
        _inFlight = Task.Run(() =>
        {
            using var scope = NewDisposeScope();  // a backstop: a tensor a reward function makes on this thread dies with the task
            var batches = new List<(int, T)>(to - from + 1);
            for (int j = from; j <= to; j++) batches.Add((j, collect(j)));
            return batches;
        });
    }

    /// <summary>Waits for the background collection, if one runs, and queues its batches; returns the seconds waited.</summary>
    public double Drain()
    {
        if (_inFlight is not { } task) return 0;
        long start = Stopwatch.GetTimestamp();
        try
        {
            foreach (var batch in task.GetAwaiter().GetResult()) _ready.Enqueue(batch);  // rethrows the collection's own exception
        }
        finally
        {
            _inFlight = null;
        }
        return Stopwatch.GetElapsedTime(start).TotalSeconds;
    }

    /// <summary>
    /// Waits for a collection still running when a run ends early (the trainer threw): the engine and the data it reads
    /// must outlive it. Its own exception, if any, is dropped: the run's exception is the one to report.
    /// </summary>
    public void Dispose()
    {
        if (_inFlight is not { } task) return;
        _inFlight = null;
        try { task.Wait(); }
        catch (AggregateException) { /* the trainer's exception is already propagating */ }
    }
}
