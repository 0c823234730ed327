// Weight sync by re-export: a new versioned data file and model.onnx, switched in by rename, then a fresh GenAI Model.
using Hybrid.Export.Decoder;
using Hybrid.Export.Onnx;
using Hybrid.Models.Config;
using Hybrid.Rollout;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

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
public sealed class ReExportWeightSync : IWeightSync
{
    private readonly RolloutEngine _engine;
    private readonly DecoderConfig _config;
    private readonly DecoderExportOptions _options;
    private readonly Lock _pushLock = new();

    /// <summary>
    /// Binds to <paramref name="engine"/>, whose folder was exported from a model of <paramref name="config"/> with
    /// <paramref name="options"/> (the same kernel and context length are used for every re-export). The folder's current
    /// data file is deleted once the first push has replaced it and no request uses it.
    /// </summary>
    public ReExportWeightSync(RolloutEngine engine, DecoderConfig config, DecoderExportOptions options)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _config = config ?? throw new ArgumentNullException(nameof(config));
        _options = options ?? throw new ArgumentNullException(nameof(options));
        string modelPath = Path.Combine(engine.ModelDirectory, engine.Info.ModelFileName);
        _engine.DeleteWithCurrentModel(ExternalDataFiles(modelPath).Select(f => Path.Combine(engine.ModelDirectory, f)).FirstOrDefault());
    }

    public string Mechanism => "reexport";

    public long Version => _engine.PolicyVersion;

    public void Push(IReadOnlyDictionary<string, Tensor> hfWeights)
    {
        ArgumentNullException.ThrowIfNull(hfWeights);
        lock (_pushLock)
        {
            long version = _engine.PolicyVersion + 1;
            string modelFile = _engine.Info.ModelFileName;
            string dataFile = $"{Path.GetFileNameWithoutExtension(modelFile)}.v{version}.onnx.data";
            string dataPath = Path.Combine(_engine.ModelDirectory, dataFile);
            ModelProto graph;
            using (no_grad()) graph = DecoderExporter.BuildCausalLM(_config, hfWeights, _options);
            OnnxModelWriter.Save(graph, _engine.ModelDirectory, modelFile, dataFileName: dataFile);
            _engine.InstallReloadedModel(version, dataPath);
        }
    }

    /// <summary>The external data file names a saved model.onnx refers to (its graph only is read; weights stay on disk).</summary>
    private static IEnumerable<string> ExternalDataFiles(string modelPath)
    {
        ModelProto model;
        using (FileStream stream = File.OpenRead(modelPath)) model = ModelProto.Parser.ParseFrom(stream);
        return model.Graph.Initializer
            .SelectMany(t => t.ExternalData.Where(e => e.Key == "location").Select(e => e.Value))
            .Distinct()
            .ToArray();
    }
}
