// Writes the genai_config.json of an exported Qwen2/Llama decoder (token ids, KV names, search defaults, buffer sharing).
using System.Text.Json;
using System.Text.Json.Nodes;
using Hybrid.Data;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Onnx;

namespace Hybrid.Export.Decoder;

/// <summary>
/// The genai_config.json ONNX Runtime GenAI (0.18) reads for a decoder graph from <see cref="DecoderExporter"/>.
/// <c>model.type</c> is the config's <c>model_type</c> ("qwen2"/"llama": GenAI's decoder-only pipeline with the
/// input names below). The reference graph takes <c>position_ids</c> and grows its KV cache by Concat
/// (<c>past_present_share_buffer: false</c>); the optimized graph has no position_ids (GroupQueryAttention derives
/// positions) and updates a max-length KV buffer in place (<c>past_present_share_buffer: true</c>).
/// </summary>
internal static class DecoderGenAIConfig
{
    public static void Write(string path, DecoderConfig config, AttentionKernel kernel, int contextLength, GenerationConfig? generation, OnnxDevice device = default)
    {
        // [{"cuda": {}}] names the provider GenAI runs the decoder on; an empty list is the CPU.
        var providers = new JsonArray();
        if (device.GenAIProviderName is string provider)
        {
            var providerOptions = new JsonObject();
            if (device.DeviceId != 0) providerOptions["device_id"] = device.DeviceId.ToString(System.Globalization.CultureInfo.InvariantCulture);
            providers.Add(new JsonObject { [provider] = providerOptions });
        }
        IReadOnlyList<int> eos = generation?.EosTokenIds.Count > 0 ? generation.EosTokenIds : config.EosTokenIds;
        if (eos.Count == 0)
            throw new ArgumentException("the model has no eos_token_id (config.json or generation_config.json): GenAI needs one to stop generation", nameof(config));
        int pad = generation?.PadTokenId ?? config.PadTokenId ?? eos[0];
        int bos = generation?.BosTokenId ?? config.BosTokenId ?? pad;

        var inputs = new JsonObject { ["input_ids"] = DecoderGraphParts.InputIds, ["attention_mask"] = DecoderGraphParts.AttentionMask };
        if (kernel == AttentionKernel.Reference) inputs["position_ids"] = DecoderGraphParts.PositionIds;
        inputs["past_key_names"] = "past_key_values.%d.key";
        inputs["past_value_names"] = "past_key_values.%d.value";

        var root = new JsonObject
        {
            ["model"] = new JsonObject
            {
                ["type"] = config.ModelType,
                ["bos_token_id"] = bos,
                ["eos_token_id"] = eos.Count == 1 ? eos[0] : new JsonArray(eos.Select(e => (JsonNode)e).ToArray()),
                ["pad_token_id"] = pad,
                ["vocab_size"] = config.VocabSize,
                ["context_length"] = contextLength,
                ["decoder"] = new JsonObject
                {
                    ["filename"] = "model.onnx",
                    ["session_options"] = new JsonObject { ["log_id"] = "onnxruntime-genai", ["provider_options"] = providers },
                    ["hidden_size"] = config.HiddenSize,
                    ["head_size"] = config.HeadDim,
                    ["num_attention_heads"] = config.NumAttentionHeads,
                    ["num_key_value_heads"] = config.NumKeyValueHeads,
                    ["num_hidden_layers"] = config.NumHiddenLayers,
                    ["inputs"] = inputs,
                    ["outputs"] = new JsonObject
                    {
                        ["logits"] = DecoderGraphParts.Logits,
                        ["present_key_names"] = "present.%d.key",
                        ["present_value_names"] = "present.%d.value",
                    },
                },
            },
            ["search"] = new JsonObject
            {
                ["do_sample"] = generation?.DoSample ?? false,
                ["early_stopping"] = true,
                ["max_length"] = contextLength,
                ["min_length"] = 0,
                ["num_beams"] = 1,
                ["num_return_sequences"] = 1,
                ["past_present_share_buffer"] = kernel == AttentionKernel.Optimized,
                ["repetition_penalty"] = 1.0,
                ["temperature"] = generation?.Temperature ?? 1.0,
                // GenAI applies top_k to sampling and throws above the vocabulary; HF's 0 ("no limit") becomes V.
                ["top_k"] = generation is null ? 1 : generation.TopK <= 0 ? config.VocabSize : Math.Min(generation.TopK, config.VocabSize),
                ["top_p"] = generation?.TopP ?? 1.0,
            },
        };
        AtomicFile.WriteText(path, root.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
    }
}
