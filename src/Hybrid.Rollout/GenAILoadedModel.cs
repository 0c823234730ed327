// The policy's weights loaded as an ONNX Runtime GenAI Model, with its adapter container.
using System.Globalization;
using Hybrid.Rollout.Decoding;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Hybrid.Rollout;

/// <summary>A GenAI <see cref="Model"/> and (created on first use) its <see cref="Adapters"/>.</summary>
internal sealed class GenAILoadedModel : LoadedModel
{
    private readonly Model _model;
    private Adapters? _adapters;

    private GenAILoadedModel(Model model, string? dataFileToDelete) : base(dataFileToDelete) => _model = model;

    /// <summary>
    /// Loads the folder; <see cref="RolloutEngineOptions.IntraOpThreads"/>, when set, overrides the decoder's
    /// <c>session_options.intra_op_num_threads</c> through a config overlay (the folder is not changed).
    /// </summary>
    public static GenAILoadedModel Open(string directory, RolloutEngineOptions options, string? dataFileToDelete)
    {
        using var config = new Config(directory);
        if (options.IntraOpThreads is int threads)
            config.Overlay("{\"model\": {\"decoder\": {\"session_options\": {\"intra_op_num_threads\": " + threads.ToString(CultureInfo.InvariantCulture) + "}}}}");
        return new GenAILoadedModel(new Model(config), dataFileToDelete);
    }

    private Adapters Adapters => _adapters ??= new Adapters(_model);

    public override IDecoderBatch StartBatch(IReadOnlyList<int[]> prompts, int maxLength, string? adapterName) =>
        new GenAIDecoderBatch(_model, adapterName is null ? null : Adapters, adapterName, prompts, maxLength);

    public override float[] PromptLogits(IReadOnlyList<int> tokens, string? adapterName)
    {
        using var parameters = new GeneratorParams(_model);
        parameters.SetSearchOption("max_length", tokens.Count + 1);
        parameters.SetSearchOption("do_sample", false);
        parameters.SetSearchOption("random_seed", 0);  // skips GenAI's std::random_device seeding (~12 ms), see GenAIDecoderBatch
        using var generator = new Generator(_model, parameters);
        if (adapterName is not null) generator.SetActiveAdapter(Adapters, adapterName);
        generator.AppendTokens(tokens.ToArray());
        generator.GenerateNextToken();
        using Microsoft.ML.OnnxRuntimeGenAI.Tensor logits = generator.GetOutput("logits");  // [1, T, V]
        return logits.GetData<float>().ToArray();
    }

    public override void LoadAdapter(string path, string name) => Adapters.LoadAdapter(path, name);

    public override void UnloadAdapter(string name) => Adapters.UnloadAdapter(name);

    protected override void FreeRuntime()
    {
        _adapters?.Dispose();
        _model.Dispose();
    }
}
