// What both weight-sync mechanisms share: the bound engine and export settings, one push at a time, the next version number.
using Hybrid.Export.Decoder;
using Hybrid.Export.Onnx;
using Hybrid.Models.Config;
using Hybrid.Rollout;

namespace Hybrid.Training.WeightSync;

/// <summary>
/// Base of <see cref="ReExportWeightSync"/> and <see cref="AdapterWeightSync"/>: binds to an engine whose folder was
/// exported from a model of <see cref="Config"/> with <see cref="Options"/>, serialises pushes, and hands each push the
/// version it installs (the engine's current version + 1). A subclass writes that version's files and installs them.
/// </summary>
public abstract class EngineWeightSync : IWeightSync
{
    private readonly Lock _pushLock = new();

    protected EngineWeightSync(RolloutEngine engine, DecoderConfig config, DecoderExportOptions options)
    {
        Engine = engine ?? throw new ArgumentNullException(nameof(engine));
        Config = config ?? throw new ArgumentNullException(nameof(config));
        Options = options ?? throw new ArgumentNullException(nameof(options));
    }

    protected RolloutEngine Engine { get; }
    protected DecoderConfig Config { get; }
    protected DecoderExportOptions Options { get; }

    public abstract string Mechanism { get; }

    public long Version => Engine.PolicyVersion;

    public void Push(IReadOnlyDictionary<string, Tensor> hfWeights)
    {
        ArgumentNullException.ThrowIfNull(hfWeights);
        lock (_pushLock) Install(Engine.PolicyVersion + 1, hfWeights);
    }

    /// <summary>Writes <paramref name="hfWeights"/> as <paramref name="version"/>'s files in the engine's folder and installs them (called under the push lock).</summary>
    protected abstract void Install(long version, IReadOnlyDictionary<string, Tensor> hfWeights);

    /// <summary>The graph of the engine's model.onnx (weights stay on disk: only the protobuf's graph is parsed).</summary>
    protected ModelProto ReadGraph()
    {
        using FileStream stream = File.OpenRead(Path.Combine(Engine.ModelDirectory, Engine.Info.ModelFileName));
        return ModelProto.Parser.ParseFrom(stream);
    }
}
