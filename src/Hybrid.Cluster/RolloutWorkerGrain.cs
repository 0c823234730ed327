// The worker grain: pinned to its own silo, it forwards to the silo's WorkerEngine.
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Hybrid.Cluster;

/// <summary>
/// Placed on the worker's own silo (<see cref="WorkerSiloPlacement"/>); the activation also checks it holds an engine, so
/// a call never runs on a silo without one.
/// </summary>
[WorkerSiloPlacement]
internal sealed class RolloutWorkerGrain(IOptions<SiloOptions> silo, WorkerEngine? engine = null, WorkerScorers? scorers = null) : Grain, IRolloutWorker
{
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (engine is null || this.GetPrimaryKeyString() != silo.Value.SiloName)
            throw new InvalidOperationException($"rollout worker '{this.GetPrimaryKeyString()}' is not on this silo ({silo.Value.SiloName}): it has left the cluster");
        return Task.CompletedTask;
    }

    public Task<long> Version() => Task.FromResult(engine!.Version);

    public Task Receive(long version, string file, long offset, byte[] data)
    {
        engine!.Receive(version, file, offset, data);
        return Task.CompletedTask;
    }

    public Task<long> Install(VersionManifest manifest) => Task.FromResult(engine!.Install(manifest));

    public Task<WorkerRollout[]> Generate(ShardRequest request) => Task.Run(() => engine!.Generate(request));

    public Task<bool> HasScorer(string setId) => Task.FromResult(scorers!.Has(setId));

    public Task ReceiveScorerFile(string setId, int member, string file, long offset, byte[] data)
    {
        scorers!.Receive(setId, member, file, offset, data);
        return Task.CompletedTask;
    }

    public Task InstallScorer(ScorerManifest manifest) => Task.Run(() => scorers!.Install(manifest));

    public Task<ScoreShard> Score(string setId, string[] texts, int firstIndex) => Task.Run(() => scorers!.Score(setId, texts, firstIndex));
}
