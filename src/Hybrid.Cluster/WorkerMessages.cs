// What the driver and the rollout workers send each other: policy-version manifests, shard requests and their rollouts.
namespace Hybrid.Cluster;

/// <summary>One file of a policy version: its name inside the rollout folder, length in bytes and SHA-256 (lowercase hex).</summary>
[GenerateSerializer, Immutable]
public sealed record VersionFile([property: Id(0)] string Name, [property: Id(1)] long Length, [property: Id(2)] string Sha256);

/// <summary>How a worker installs a version's files.</summary>
public enum VersionKind
{
    /// <summary>The whole rollout folder (export, tokenizer, and the current adapter if any): a new engine at this version.</summary>
    Folder,

    /// <summary>One <c>.onnx_adapter</c> over the installed folder's overridable weights (the adapter sync).</summary>
    Adapter,

    /// <summary>A new external-data file and the <c>model.onnx</c> that maps it (the re-export sync).</summary>
    Reexport,
}

/// <summary>
/// Policy version <see cref="Version"/> as files. A worker installs a <see cref="VersionKind.Folder"/> version from
/// nothing (late join, restart) and an incremental one only on top of <see cref="Version"/> − 1.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record VersionManifest([property: Id(0)] long Version, [property: Id(1)] VersionKind Kind, [property: Id(2)] VersionFile[] Files);

/// <summary>
/// A shard of an iteration's prompts for one worker: the prompts with their indices in the whole iteration, G, the
/// decoding settings as JSON (<c>SamplingParams</c>), and the policy version the driver expects them sampled with.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ShardRequest(
    [property: Id(0)] long Version,
    [property: Id(1)] int[] PromptIndices,
    [property: Id(2)] int[][] Prompts,
    [property: Id(3)] int SamplesPerPrompt,
    [property: Id(4)] string SamplingJson);

/// <summary>One sampled response of a shard, as the engine produced it (see <c>Hybrid.Rollout.Rollout</c>).</summary>
[GenerateSerializer, Immutable]
public sealed record WorkerRollout(
    [property: Id(0)] int PromptIndex,
    [property: Id(1)] int SampleIndex,
    [property: Id(2)] int[] ResponseIds,
    [property: Id(3)] float[] LogProbs,
    [property: Id(4)] int Finish,
    [property: Id(5)] long PolicyVersion);

/// <summary>A worker refused a request made for another policy version than the one it holds.</summary>
[GenerateSerializer]
public sealed class StaleVersionException(string message) : Exception(message);

/// <summary>
/// An exported reward model (or ensemble) for scoring on workers: each member folder's files, the scorer settings of
/// <c>RewardScorerOptions</c> (the device is the worker's own), and an id that is a hash of all of it.
/// </summary>
[GenerateSerializer, Immutable]
public sealed record ScorerManifest(
    [property: Id(0)] string SetId,
    [property: Id(1)] VersionFile[][] Members,
    [property: Id(2)] int BatchSize,
    [property: Id(3)] int IntraOpThreads,
    [property: Id(4)] int? MaxLength);

/// <summary>The scores of a shard of texts (in shard order) and what they cost.</summary>
[GenerateSerializer, Immutable]
public sealed record ScoreShard([property: Id(0)] float[] Scores, [property: Id(1)] int TruncatedRows, [property: Id(2)] long Tokens, [property: Id(3)] long PaddedTokens);
