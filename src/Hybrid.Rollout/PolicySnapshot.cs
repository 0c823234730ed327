// One policy version as the rollout engine serves it: a loaded model, optionally with a named adapter active.
using Hybrid.Rollout.Decoding;

namespace Hybrid.Rollout;

/// <summary>
/// Version <see cref="Version"/> of the policy: <see cref="Model"/> with adapter <see cref="AdapterName"/> active (null:
/// the model's own weights). Rollouts lease the current snapshot for their whole duration; a snapshot replaced by a
/// sync is freed (<see cref="OnFree"/>, then its model's use count drops) only when its last lease ends.
/// </summary>
internal sealed class PolicySnapshot(LoadedModel model, long version, string? adapterName = null, Action? onFree = null)
{
    public LoadedModel Model { get; } = model;

    public long Version { get; } = version;

    public string? AdapterName { get; } = adapterName;

    /// <summary>Frees what this version alone holds (e.g. unloads its adapter, deletes its file).</summary>
    public Action? OnFree { get; } = onFree;

    /// <summary>Rollouts running on this version (guarded by the engine's lock).</summary>
    public int Leases { get; set; }

    /// <summary>True once a newer version replaced it (guarded by the engine's lock).</summary>
    public bool Retired { get; set; }

    /// <summary>A batch decoding <paramref name="prompts"/> on this version (room for <paramref name="maxLength"/> tokens per row).</summary>
    public IDecoderBatch StartBatch(IReadOnlyList<int[]> prompts, int maxLength) => Model.StartBatch(prompts, maxLength, AdapterName);

    /// <summary>This version's logits [T, V] at every position of <paramref name="tokens"/>.</summary>
    public float[] PromptLogits(IReadOnlyList<int> tokens) => Model.PromptLogits(tokens, AdapterName);
}
