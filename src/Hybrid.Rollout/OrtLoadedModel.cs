// The policy's weights loaded as an ONNX Runtime InferenceSession over the folder's model.onnx, with LoRA adapters.
using Hybrid.Rollout.Decoding;
using Microsoft.ML.OnnxRuntime;

namespace Hybrid.Rollout;

/// <summary>
/// An <see cref="InferenceSession"/> on the GenAI folder's decoder and the <see cref="OrtLoraAdapter"/>s loaded into it by
/// name. An adapter replaces the initializers the graph also declares as inputs (overridable weights), for the runs
/// whose <see cref="RunOptions"/> activate it — the same .onnx_adapter files and semantics as GenAI's adapters.
/// Batches from several threads may run on the session at once.
/// </summary>
internal sealed class OrtLoadedModel : LoadedModel
{
    private readonly InferenceSession _session;
    private readonly OrtDecoderGraph _graph;
    private readonly GenAIFolderInfo _info;
    private readonly long _prefillLogitsBytes;
    private readonly Dictionary<string, OrtLoraAdapter> _adapters = new(StringComparer.Ordinal);
    private readonly Lock _adapterLock = new();

    private OrtLoadedModel(InferenceSession session, OrtDecoderGraph graph, GenAIFolderInfo info, long prefillLogitsBytes, string? dataFileToDelete)
        : base(dataFileToDelete) => (_session, _graph, _info, _prefillLogitsBytes) = (session, graph, info, prefillLogitsBytes);

    /// <summary>
    /// Opens <c>{directory}/{model file}</c> with <see cref="RolloutEngineOptions.IntraOpThreads"/> (default: cores ÷ parallel chunks),
    /// one inter-op thread and all graph optimisations (weights pre-packed unless overridable).
    /// </summary>
    public static OrtLoadedModel Open(string directory, GenAIFolderInfo info, RolloutEngineOptions options, string? dataFileToDelete)
    {
        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = options.SessionIntraOpThreads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
            // Overridable weights (the adapter weight sync) are graph inputs by design; ORT would warn once per weight.
            LogSeverityLevel = OrtLoggingLevel.ORT_LOGGING_LEVEL_ERROR,
        };
        options.Device.Configure(sessionOptions);
        var session = new InferenceSession(Path.Combine(directory, info.ModelFileName), sessionOptions);
        try
        {
            return new OrtLoadedModel(session, OrtDecoderGraph.Read(session, info), info, options.PrefillLogitsBytes, dataFileToDelete);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    public override IDecoderBatch StartBatch(IReadOnlyList<int[]> prompts, int maxLength, string? adapterName) =>
        new OrtDecoderBatch(_session, _graph, Adapter(adapterName), prompts, maxLength, _info.PadTokenId, _prefillLogitsBytes);

    public override float[] PromptLogits(IReadOnlyList<int> tokens, string? adapterName)
    {
        var logits = new float[(long)tokens.Count * _graph.Vocab];  // [1, T, V]
        using var batch = new OrtDecoderBatch(_session, _graph, Adapter(adapterName), [tokens.ToArray()], tokens.Count + 1, _info.PadTokenId,
            prefillLogitsBytes: long.MaxValue, promptLogits: logits);
        return logits;
    }

    public override void LoadAdapter(string path, string name)
    {
        OrtLoraAdapter adapter = OrtLoraAdapter.Create(path, null!);  // null: parameters stay in the memory-mapped file (CPU)
        lock (_adapterLock)
        {
            if (_adapters.TryAdd(name, adapter)) return;
        }
        adapter.Dispose();
        throw new InvalidOperationException($"an adapter named '{name}' is already loaded");
    }

    public override void UnloadAdapter(string name)
    {
        OrtLoraAdapter? adapter;
        lock (_adapterLock)
        {
            if (!_adapters.Remove(name, out adapter)) throw new InvalidOperationException($"no adapter named '{name}' is loaded");
        }
        adapter.Dispose();
    }

    private OrtLoraAdapter? Adapter(string? name)
    {
        if (name is null) return null;
        lock (_adapterLock)
        {
            return _adapters.TryGetValue(name, out OrtLoraAdapter? adapter) ? adapter
                : throw new InvalidOperationException($"no adapter named '{name}' is loaded");
        }
    }

    protected override void FreeRuntime()
    {
        lock (_adapterLock)
        {
            foreach (OrtLoraAdapter adapter in _adapters.Values) adapter.Dispose();
            _adapters.Clear();
        }
        _session.Dispose();
    }
}
