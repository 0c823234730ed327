// The policy's weights loaded as an ONNX Runtime GenAI model, with its adapters.
using Hybrid.Onnx.GenAI;
using Hybrid.Rollout.Decoding;

namespace Hybrid.Rollout;

/// <summary>A <see cref="GenAIModel"/> (our binding of GenAI's C API, whose generators' logits can be read and replaced).</summary>
internal sealed class GenAILoadedModel : LoadedModel
{
    private readonly GenAIModel _model;

    private GenAILoadedModel(GenAIModel model, string? dataFileToDelete) : base(dataFileToDelete) => _model = model;

    /// <summary>
    /// Loads the folder with the engine's intra-op threads and, when set, <see cref="RolloutEngineOptions.Device"/>, as a
    /// config overlay on genai_config.json (the folder is not changed).
    /// </summary>
    public static GenAILoadedModel Open(string directory, RolloutEngineOptions options, string? dataFileToDelete) =>
        new(GenAIModel.Open(directory, new GenAIModelOptions { IntraOpThreads = options.SessionIntraOpThreads, Device = options.Device }), dataFileToDelete);

    public override IDecoderBatch StartBatch(IReadOnlyList<int[]> prompts, int maxLength, string? adapterName) =>
        new GenAIDecoderBatch(_model, adapterName, prompts, maxLength);

    public override float[] PromptLogits(IReadOnlyList<int> tokens, string? adapterName)
    {
        using GenAIGenerator generator = _model.CreateGenerator(batchSize: 1, maxLength: tokens.Count + 1, adapterName);
        generator.AppendTokens(tokens.ToArray());
        return generator.GetOutput("logits", out _);  // [1, T, V]
    }

    public override void LoadAdapter(string path, string name) => _model.LoadAdapter(path, name);

    public override void UnloadAdapter(string name) => _model.UnloadAdapter(name);

    protected override void FreeRuntime() => _model.Dispose();
}
