// The public entry points that export a Qwen2/Llama decoder (or its reward model) as ONNX and as a GenAI folder.
using Hybrid.Data;
using Hybrid.Export.Onnx;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using DataType = Hybrid.Export.Onnx.TensorProto.Types.DataType;

namespace Hybrid.Export.Decoder;

/// <summary>
/// Exports the decoders of <c>Hybrid.Models</c> for ONNX Runtime and ONNX Runtime GenAI. Weights are Hugging Face
/// tensors by name (<see cref="DecoderConfig.ParameterShapes"/>), any float dtype; graphs hold them as float32.
/// Graph interface (GenAI's decoder interface):
/// <code>
/// inputs   input_ids [B,S] int64, attention_mask [B,T] int64 (T = P + S), position_ids [B,S] int64 (Reference only),
///          past_key_values.{l}.key / .value [B,Hkv,P,D] float32
/// outputs  logits [B,S,V] float32, present.{l}.key / .value [B,Hkv,T,D] float32
/// </code>
/// </summary>
public static class DecoderExporter
{
    /// <summary>
    /// The float32 initializers exactly as <see cref="BuildCausalLM"/> holds them: (ONNX initializer name, tensor in graph
    /// layout — MatMul weights [in, out], q/k/v packed for <see cref="AttentionKernel.Optimized"/>), caller-owned, in
    /// graph order. Besides the learned weights the list holds the two constant rotary tables
    /// (<c>model.rotary.cos_cache</c>/<c>sin_cache</c>), so a data file written from it is complete. Always float32:
    /// <see cref="DecoderExportOptions.Int4"/> is ignored here (the int4 tensors are quantized from these while building).
    /// </summary>
    public static List<(string Name, Tensor Value)> GraphWeights(DecoderConfig config, IReadOnlyDictionary<string, Tensor> hfWeights, DecoderExportOptions options) =>
        DecoderGraphWeights.Build(config, hfWeights, options.Kernel, ContextLength(config, options), lora: options.Lora).Select(w => (w.Name, w.Value)).ToList();

    /// <summary>
    /// Only the LoRA initializers of an export with <see cref="DecoderExportOptions.Lora"/> (names and layout as in
    /// <see cref="GraphWeights"/>), computed without copying the frozen base: what an adapter-only sync pushes.
    /// </summary>
    public static List<(string Name, Tensor Value)> LoraGraphWeights(DecoderConfig config, IReadOnlyDictionary<string, Tensor> hfWeights, DecoderExportOptions options) =>
        DecoderGraphWeights.LoraWeights(config, hfWeights, options.Kernel,
                options.Lora ?? throw new ArgumentException("DecoderExportOptions.Lora is not set: the export has no LoRA weights", nameof(options)))
            .Select(w => (w.Name, w.Value)).ToList();

    /// <summary>The causal LM graph (weights inline as raw data; <see cref="OnnxModelWriter.Save"/> moves them to model.onnx.data).</summary>
    public static ModelProto BuildCausalLM(DecoderConfig config, IReadOnlyDictionary<string, Tensor> hfWeights, DecoderExportOptions options)
    {
        ValidateInt4(options);
        List<GraphWeight> weights = DecoderGraphWeights.Build(config, hfWeights, options.Kernel, ContextLength(config, options), lora: options.Lora);
        try
        {
            var parts = new DecoderGraphParts($"{config.ModelType}_causal_lm", config, weights, options.OverridableWeights, options.Int4);
            OnnxGraphBuilder g = parts.Graph;
            g.AddInput(DecoderGraphParts.InputIds, DataType.Int64, "batch_size", "sequence_length");
            g.AddInput(DecoderGraphParts.AttentionMask, DataType.Int64, "batch_size", "total_sequence_length");
            string hidden;
            if (options.Kernel == AttentionKernel.Optimized)
            {
                parts.AddPastInputs();
                hidden = OptimizedDecoderGraph.Backbone(parts);
            }
            else
            {
                g.AddInput(DecoderGraphParts.PositionIds, DataType.Int64, "batch_size", "sequence_length");
                parts.AddPastInputs();
                hidden = ReferenceDecoderGraph.Backbone(parts, DecoderGraphParts.PositionIds, kvCache: true);
            }
            parts.LmHead(hidden);
            parts.AddPresentOutputs();
            return g.Build();
        }
        finally
        {
            foreach (GraphWeight w in weights) w.Value.Dispose();
        }
    }

    /// <summary>
    /// The reward model: input_ids [B,T] int64, attention_mask [B,T] int64 → score [B] float32, <c>score.weight</c> [1,Dm]
    /// applied to the final-normed hidden state at each row's last real token (left or right padding); positions
    /// <c>max(cumsum(mask) − 1, 0)</c> as the trainer uses. Reference operators, no KV cache.
    /// </summary>
    public static ModelProto BuildScoreModel(DecoderConfig config, IReadOnlyDictionary<string, Tensor> hfWeightsWithScore)
    {
        if (!hfWeightsWithScore.TryGetValue("score.weight", out Tensor? score) || score.dim() != 2 || score.size(0) != 1 || score.size(1) != config.HiddenSize)
            throw new ArgumentException($"weight 'score.weight' [1, {config.HiddenSize}] is missing or misshapen (a SequenceScoreModel state dict has it)", nameof(hfWeightsWithScore));
        List<GraphWeight> weights = DecoderGraphWeights.Build(config, hfWeightsWithScore, AttentionKernel.Reference, config.MaxPositionEmbeddings, lmHead: false);
        try
        {
            using (no_grad())
            using (NewDisposeScope())
                weights.Add(new GraphWeight(ScoreGraph.ScoreWeight, score.to(ScalarType.Float32).transpose(0, 1).contiguous().DetachFromDisposeScope(), Learned: true)); // [Dm,1]
            return ScoreGraph.Build(new DecoderGraphParts($"{config.ModelType}_score", config, weights, overridable: false));
        }
        finally
        {
            foreach (GraphWeight w in weights) w.Value.Dispose();
        }
    }

    /// <summary>
    /// Writes a folder GenAI loads as is: model.onnx + model.onnx.data (weights external, shape constants inline),
    /// genai_config.json (token ids from <paramref name="config"/>, overridden by <paramref name="generation"/>; search
    /// defaults from <paramref name="generation"/>, greedy without one) and the tokenizer files of
    /// <paramref name="tokenizerSourceDir"/> with a chat template. Files are replaced atomically (a live model keeps its
    /// memory-mapped data).
    /// </summary>
    public static void ExportGenAIFolder(string outputDir, DecoderConfig config, IReadOnlyDictionary<string, Tensor> hfWeights,
        string tokenizerSourceDir, DecoderExportOptions options, GenerationConfig? generation = null)
    {
        TokenizerFiles.Validate(tokenizerSourceDir);
        Directory.CreateDirectory(outputDir);
        OnnxModelWriter.Save(BuildCausalLM(config, hfWeights, options), outputDir);
        TokenizerFiles.Copy(tokenizerSourceDir, outputDir);
        // Last: genai_config.json is what makes a folder loadable by GenAI.
        DecoderGenAIConfig.Write(Path.Combine(outputDir, "genai_config.json"), config, options.Kernel, ContextLength(config, options), generation, options.Device);
    }

    /// <summary>
    /// Loads a Hugging Face checkpoint folder (<see cref="HfCheckpoint.Load"/>) and exports it: a causal LM as a GenAI folder
    /// (<see cref="ExportGenAIFolder"/>), a <c>*ForSequenceClassification</c> reward model as a scoring folder
    /// (<see cref="ExportScoreModel"/>). Everything is checked (config, weights, tokenizer, options) before anything is
    /// written (the tokenizer by the folder writers, first), and the folder is replaced whole (<see cref="AtomicDirectory.Replace"/>): after an error or a kill,
    /// <paramref name="outputDir"/> is the complete previous export (or absent), never a mix.
    /// </summary>
    public static void ExportCheckpoint(string checkpointDir, string outputDir, DecoderExportOptions options)
    {
        using LoadedCheckpoint checkpoint = HfCheckpoint.Load(checkpointDir);
        if (checkpoint.Config.IsSequenceClassifier && options.Int4 is not null)
            throw new ArgumentException($"'{checkpointDir}' is a reward model (*ForSequenceClassification): int4 export applies to causal LMs only; export it without --int4");
        ValidateInt4(options);
        if (!checkpoint.Config.IsSequenceClassifier) ContextLength(checkpoint.Config, options);
        AtomicDirectory.Replace(outputDir, staging =>
        {
            if (checkpoint.Config.IsSequenceClassifier)  // a reward model: the ORT scoring folder `hybrid score` reads
                ExportScoreModel(staging, checkpoint.Config, checkpoint.Tensors, checkpoint.Directory);
            else
                ExportGenAIFolder(staging, checkpoint.Config, checkpoint.Tensors, checkpoint.Directory, options, checkpoint.Generation);
        });
    }

    /// <summary>Writes the reward model: model.onnx (+ .data), config.json and the tokenizer files.</summary>
    public static void ExportScoreModel(string outputDir, DecoderConfig config, IReadOnlyDictionary<string, Tensor> hfWeightsWithScore, string tokenizerSourceDir)
    {
        TokenizerFiles.Validate(tokenizerSourceDir);
        Directory.CreateDirectory(outputDir);
        OnnxModelWriter.Save(BuildScoreModel(config, hfWeightsWithScore), outputDir);
        TokenizerFiles.Copy(tokenizerSourceDir, outputDir);
        config.Save(Path.Combine(outputDir, HfCheckpoint.ConfigFile));
    }

    /// <summary>Int4 needs the contrib-op graph and fixed weights; says which option to change otherwise.</summary>
    private static void ValidateInt4(DecoderExportOptions options)
    {
        if (options.Int4 is null) return;
        if (options.Lora is not null)
            throw new ArgumentException("DecoderExportOptions.Int4 cannot be combined with Lora: merge the adapter first (hybrid export --merge-lora --int4)");
        options.Int4.Validate();
        if (options.Kernel != AttentionKernel.Optimized)
            throw new ArgumentException($"DecoderExportOptions.Int4 needs Kernel = Optimized (got {options.Kernel}): MatMulNBits is an ONNX Runtime contrib operator, " +
                "and the Reference kernel uses standard ONNX operators only");
        if (options.OverridableWeights)
            throw new ArgumentException("DecoderExportOptions.Int4 cannot be combined with OverridableWeights = true: an adapter replaces float initializers, " +
                "not packed int4 weights; export the int4 folder without overridable weights");
    }

    private static int ContextLength(DecoderConfig config, DecoderExportOptions options)
    {
        int context = options.ContextLength ?? config.MaxPositionEmbeddings;
        if (context < 1 || context > config.MaxPositionEmbeddings)
            throw new ArgumentException($"--context-length {context}: must be in [1, {config.MaxPositionEmbeddings}] (the model's max_position_embeddings)", nameof(options));
        return context;
    }
}
