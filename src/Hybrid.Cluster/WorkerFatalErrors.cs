// What a worker silo does when Orleans declares it unable to go on (its cluster's membership lost, or the silo declared
// dead): report it once and let WorkerHost rejoin with a fresh silo, instead of Orleans's default process abort.
using Orleans.Runtime;

namespace Hybrid.Cluster;

/// <summary>
/// Replaces Orleans's <see cref="IFatalErrorHandler"/> in a worker silo. The default ends the process with
/// <c>Environment.FailFast</c> and a page of stack; the usual cause for a worker is benign — its localhost driver, the
/// primary silo holding the membership, stopped and a new driver (a run resumed from a checkpoint, or the next run) took
/// its port — so <see cref="Lost"/> completes with the reason and <see cref="WorkerHost"/> rejoins.
/// </summary>
internal sealed class WorkerFatalErrors : IFatalErrorHandler
{
    private readonly TaskCompletionSource<string> _lost = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes with a one-line reason when the silo must stop.</summary>
    public Task<string> Lost => _lost.Task;

    public bool IsUnexpected(Exception exception) => exception is not ThreadAbortException;

    public void OnFatalException(object? sender = null, string? context = null, Exception? exception = null) =>
        _lost.TrySetResult((exception?.Message ?? context ?? "a fatal cluster error").ReplaceLineEndings(" "));
}
