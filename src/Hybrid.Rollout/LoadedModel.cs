// One loaded copy of the policy's weights on the engine's backend, shared by every policy version that runs on it.
using Hybrid.Rollout.Decoding;

namespace Hybrid.Rollout;

/// <summary>
/// A model the backend loaded from the folder (one per re-export; one for all adapter versions). It is freed — with its
/// adapters — and its versioned data file deleted once no policy version uses it: ORT memory-maps external weights, so
/// the file must outlive the model, never the other way round.
/// </summary>
internal abstract class LoadedModel(string? dataFileToDelete)
{
    /// <summary>The versioned data file this model alone maps, deleted with it (set before the model is shared).</summary>
    public string? DataFileToDelete { get; set; } = dataFileToDelete;

    /// <summary>Policy versions installed on this model and not yet freed (guarded by the engine's lock).</summary>
    public int Users { get; set; }

    /// <summary>Loads <c>{directory}</c>'s model on the backend <paramref name="options"/> name.</summary>
    public static LoadedModel Load(string directory, GenAIFolderInfo info, RolloutEngineOptions options, string? dataFileToDelete) =>
        options.Backend switch
        {
            RolloutBackend.GenAI => GenAILoadedModel.Open(directory, options, dataFileToDelete),
            RolloutBackend.Ort => OrtLoadedModel.Open(directory, info, options, dataFileToDelete),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Backend, "unknown RolloutBackend"),
        };

    /// <summary>
    /// A batch decoding <paramref name="prompts"/> with room for <paramref name="maxLength"/> tokens per row (longest prompt
    /// + new tokens), with adapter <paramref name="adapterName"/> active (null: the model's own weights).
    /// </summary>
    public abstract IDecoderBatch StartBatch(IReadOnlyList<int[]> prompts, int maxLength, string? adapterName);

    /// <summary>The model's logits [T, V] (row-major) at every position of <paramref name="tokens"/>.</summary>
    public abstract float[] PromptLogits(IReadOnlyList<int> tokens, string? adapterName);

    /// <summary>Loads the .onnx_adapter at <paramref name="path"/> under <paramref name="name"/>.</summary>
    public abstract void LoadAdapter(string path, string name);

    /// <summary>Unloads adapter <paramref name="name"/> (no batch may still use it).</summary>
    public abstract void UnloadAdapter(string name);

    /// <summary>Frees the runtime objects and adapters, then deletes <see cref="DataFileToDelete"/>.</summary>
    public void Free()
    {
        FreeRuntime();
        if (DataFileToDelete is not null) File.Delete(DataFileToDelete);
    }

    protected abstract void FreeRuntime();
}
