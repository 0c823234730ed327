// Weight sync without reloading: new weights as an .onnx_adapter over the model's overridable initializers.
using Hybrid.Export.Decoder;
using Hybrid.Export.Onnx;
using Hybrid.Models.Config;
using Hybrid.Rollout;

namespace Hybrid.Training.WeightSync;

/// <summary>
/// Version n:
/// <code>
/// GraphWeights(new weights), learned ones only ─► policy.v{n}.onnx_adapter (OnnxAdapterWriter, renamed into place)
///   ─► engine.InstallAdapter(n, file): loaded as "policy.v{n}" (GenAI Adapters / ORT LoRA adapter), installed as
///      version n (batches activate it)
/// old version's last request ends ─► the engine unloads "policy.v{n−1}" ─► its file deleted
/// </code>
/// Needs a folder exported with <see cref="DecoderExportOptions.OverridableWeights"/> = true: an adapter parameter
/// replaces an initializer only where the graph also declares it as an input. The model is never reloaded, but
/// overridable weights cannot be pre-packed by ORT, so decoding is slower than with a plain export (the bench measures it).
/// </summary>
public sealed class AdapterWeightSync : EngineWeightSync
{
    private readonly HashSet<string> _overridable;
    private readonly int _modelLoad;

    /// <summary>
    /// Binds to <paramref name="engine"/>, whose folder was exported from a model of <paramref name="config"/> with
    /// <paramref name="options"/> (OverridableWeights = true). Throws if the graph declares no overridable weight.
    /// </summary>
    public AdapterWeightSync(RolloutEngine engine, DecoderConfig config, DecoderExportOptions options) : base(engine, config, options)
    {
        _modelLoad = engine.ModelLoads;
        ModelProto graph = ReadGraph();
        var initializers = graph.Graph.Initializer.Select(t => t.Name).ToHashSet();
        _overridable = graph.Graph.Input.Select(i => i.Name).Where(initializers.Contains).ToHashSet();
        if (_overridable.Count == 0)
            throw new ArgumentException($"{engine.ModelDirectory} declares no overridable initializer: export it with DecoderExportOptions.OverridableWeights = true to sync by adapter, or use ReExportWeightSync", nameof(engine));
    }

    public override string Mechanism => "adapter";

    /// <summary>Initializer names the adapter replaces (graph inputs that are also initializers).</summary>
    public IReadOnlyCollection<string> OverridableNames => _overridable;

    protected override void Install(long version, IReadOnlyDictionary<string, Tensor> hfWeights)
    {
        if (Engine.ModelLoads != _modelLoad)
            throw new InvalidOperationException("the engine's model was replaced (by a re-export sync?) since this adapter sync was bound; bind a new AdapterWeightSync");
        string path = Path.Combine(Engine.ModelDirectory, $"policy.v{version}.onnx_adapter");
        WriteAdapter(path, hfWeights, version);
        Engine.InstallAdapter(version, path);
    }

    private void WriteAdapter(string path, IReadOnlyDictionary<string, Tensor> hfWeights, long version)
    {
        using var noGrad = no_grad();
        // Under LoRA only A/B are overridable: build just those, not a copy of the whole base per push.
        List<(string Name, Tensor Value)> weights = Options.Lora is null
            ? DecoderExporter.GraphWeights(Config, hfWeights, Options)
            : DecoderExporter.LoraGraphWeights(Config, hfWeights, Options);
        try
        {
            using var scope = NewDisposeScope();
            var parameters = weights.Where(w => _overridable.Contains(w.Name)).Select(w => (w.Name, w.Value.contiguous())).ToList();
            var missing = _overridable.Except(parameters.Select(p => p.Name)).ToArray();
            if (missing.Length > 0)
                throw new InvalidOperationException($"the graph's overridable initializers [{string.Join(", ", missing)}] have no weight in DecoderExporter.GraphWeights; was the folder exported from this config?");
            OnnxAdapterWriter.Write(path, parameters, adapterVersion: checked((int)version));
        }
        finally
        {
            foreach (var (_, value) in weights) value.Dispose();
        }
    }
}
