// Weight sync by re-export: a new versioned data file and model.onnx, switched in by rename, then a fresh GenAI Model.
using Hybrid.Export.Decoder;
using Hybrid.Export.Onnx;
using Hybrid.Models.Config;
using Hybrid.Rollout;

namespace Hybrid.Training.WeightSync;

/// <summary>
/// Version n:
/// <code>
/// BuildCausalLM(new weights) ─► model.v{n}.onnx.data (new file, renamed into place)
///                            ─► model.onnx referencing it (written beside, renamed over the old one)
///                            ─► engine.InstallReloadedModel(n, data file): loaded on the engine's backend (GenAI Model /
///                               ORT session), installed as version n
/// old version's last request ends ─► its Model disposed ─► its data file deleted (by the engine)
/// </code>
/// A data file is never overwritten: ORT memory-maps external weights, and overwriting a file a live model maps mixes
/// old and new weights inside that model. Costs a model load (~1 ms per MB + 4 ms measured) plus the graph build and
/// the file write; works with any export (prepacking stays on).
/// </summary>
public sealed class ReExportWeightSync : EngineWeightSync
{
    /// <summary>
    /// Binds to <paramref name="engine"/>, whose folder was exported from a model of <paramref name="config"/> with
    /// <paramref name="options"/> (the same kernel and context length are used for every re-export). The folder's current
    /// data file is deleted once the first push has replaced it and no request uses it.
    /// </summary>
    public ReExportWeightSync(RolloutEngine engine, DecoderConfig config, DecoderExportOptions options) : base(engine, config, options)
    {
        string? dataFile = ReadGraph().Graph.Initializer
            .SelectMany(t => t.ExternalData.Where(e => e.Key == "location").Select(e => e.Value))
            .FirstOrDefault();
        Engine.DeleteWithCurrentModel(dataFile is null ? null : Path.Combine(engine.ModelDirectory, dataFile));
    }

    public override string Mechanism => "reexport";

    protected override void Install(long version, IReadOnlyDictionary<string, Tensor> hfWeights)
    {
        string modelFile = Engine.Info.ModelFileName;
        string dataFile = $"{Path.GetFileNameWithoutExtension(modelFile)}.v{version}.onnx.data";
        ModelProto graph;
        using (no_grad()) graph = DecoderExporter.BuildCausalLM(Config, hfWeights, Options);
        OnnxModelWriter.Save(graph, Engine.ModelDirectory, modelFile, dataFileName: dataFile);
        Engine.InstallReloadedModel(version, Path.Combine(Engine.ModelDirectory, dataFile));
    }
}
