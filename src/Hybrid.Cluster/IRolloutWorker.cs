// The grain a rollout worker hosts on its own silo: receive policy versions, generate shards with the version named.
namespace Hybrid.Cluster;

/// <summary>
/// Keyed by the worker's silo name; lives only on that silo (an activation elsewhere refuses every call, so a dead
/// worker's key fails instead of silently running without an engine). Orleans runs one call at a time per worker, so a
/// version is never installed while that worker generates.
/// </summary>
public interface IRolloutWorker : IGrainWithStringKey
{
    /// <summary>The policy version the worker's engine holds (−1: none yet).</summary>
    Task<long> Version();

    /// <summary>Stores <paramref name="data"/> at <paramref name="offset"/> of <paramref name="file"/> in version <paramref name="version"/>'s staging folder.</summary>
    Task Receive(long version, string file, long offset, byte[] data);

    /// <summary>Checks every file of <paramref name="manifest"/> (length, SHA-256) and installs the version; returns it.</summary>
    Task<long> Install(VersionManifest manifest);

    /// <summary>Whether the worker holds reward-model set <paramref name="setId"/>.</summary>
    Task<bool> HasScorer(string setId);

    /// <summary>Stores a chunk of member <paramref name="member"/>'s file of scorer set <paramref name="setId"/>.</summary>
    Task ReceiveScorerFile(string setId, int member, string file, long offset, byte[] data);

    /// <summary>Checks the set's files (length, SHA-256) and opens its reward model(s) on ONNX Runtime.</summary>
    Task InstallScorer(ScorerManifest manifest);

    /// <summary>Scores <paramref name="texts"/> with set <paramref name="setId"/>; <paramref name="firstIndex"/> numbers them in errors.</summary>
    Task<ScoreShard> Score(string setId, string[] texts, int firstIndex);

    /// <summary>Samples the shard with version <see cref="ShardRequest.Version"/>; throws <see cref="StaleVersionException"/> when it holds another.</summary>
    Task<WorkerRollout[]> Generate(ShardRequest request);
}
