// The genai_config.json of a decoder-only model with a Concat-style KV cache, as ONNX Runtime GenAI (0.15–0.18) reads it.
using System.Text.Json;
using Hybrid.Data;

namespace Hybrid.Export.GenAI;

/// <summary>
/// What GenAI needs to drive a decoder graph: its file, sizes, KV-cache tensor names and token ids, plus greedy search
/// defaults. <c>past_present_share_buffer</c> is always false: true requires GroupQueryAttention's in-place cache, and a
/// Concat-style graph produces wrong results with it.
/// </summary>
public sealed record GenAIDecoderConfig
{
    /// <summary>GenAI model type; "decoder" (and llama, qwen2, phi3, …) use the input names below, gpt2 does not.</summary>
    public string ModelType { get; init; } = "decoder";

    /// <summary>The ONNX file, relative to the folder.</summary>
    public string FileName { get; init; } = "model.onnx";

    /// <summary>Width of the residual stream.</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Query heads.</summary>
    public required int NumAttentionHeads { get; init; }

    /// <summary>Key/value heads (dimension 1 of the past/present tensors).</summary>
    public required int NumKeyValueHeads { get; init; }

    /// <summary>Per-head width (dimension 3 of the past/present tensors).</summary>
    public required int HeadSize { get; init; }

    /// <summary>Number of past/present pairs.</summary>
    public required int NumHiddenLayers { get; init; }

    /// <summary>Size of the logits' last dimension.</summary>
    public required int VocabSize { get; init; }

    /// <summary>Longest prompt + generation; also the default <c>search.max_length</c>.</summary>
    public required int ContextLength { get; init; }

    /// <summary>Beginning-of-sequence id.</summary>
    public required int BosTokenId { get; init; }

    /// <summary>Id that stops generation.</summary>
    public required int EosTokenId { get; init; }

    /// <summary>Id used to pad ragged batches.</summary>
    public required int PadTokenId { get; init; }

    /// <summary>Writes the JSON file to <paramref name="path"/>.</summary>
    public void Write(string path) => AtomicFile.Write(path, WriteJson);

    private void WriteJson(Stream stream)
    {
        using var json = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        json.WriteStartObject();
        json.WriteStartObject("model");
        json.WriteString("type", ModelType);
        json.WriteNumber("bos_token_id", BosTokenId);
        json.WriteNumber("eos_token_id", EosTokenId);
        json.WriteNumber("pad_token_id", PadTokenId);
        json.WriteNumber("vocab_size", VocabSize);
        json.WriteNumber("context_length", ContextLength);
        json.WriteStartObject("decoder");
        json.WriteString("filename", FileName);
        json.WriteStartObject("session_options");
        json.WriteString("log_id", "onnxruntime-genai");
        json.WriteStartArray("provider_options");
        json.WriteEndArray();
        json.WriteEndObject();
        json.WriteNumber("hidden_size", HiddenSize);
        json.WriteNumber("head_size", HeadSize);
        json.WriteNumber("num_attention_heads", NumAttentionHeads);
        json.WriteNumber("num_key_value_heads", NumKeyValueHeads);
        json.WriteNumber("num_hidden_layers", NumHiddenLayers);
        json.WriteStartObject("inputs");
        json.WriteString("input_ids", "input_ids");
        json.WriteString("attention_mask", "attention_mask");
        json.WriteString("position_ids", "position_ids");
        json.WriteString("past_key_names", "past_key_values.%d.key");
        json.WriteString("past_value_names", "past_key_values.%d.value");
        json.WriteEndObject();
        json.WriteStartObject("outputs");
        json.WriteString("logits", "logits");
        json.WriteString("present_key_names", "present.%d.key");
        json.WriteString("present_value_names", "present.%d.value");
        json.WriteEndObject();
        json.WriteEndObject(); // decoder
        json.WriteEndObject(); // model
        json.WriteStartObject("search");
        json.WriteBoolean("do_sample", false);
        json.WriteBoolean("early_stopping", true);
        json.WriteNumber("max_length", ContextLength);
        json.WriteNumber("min_length", 0);
        json.WriteNumber("num_beams", 1);
        json.WriteNumber("num_return_sequences", 1);
        json.WriteBoolean("past_present_share_buffer", false);
        json.WriteNumber("repetition_penalty", 1.0);
        json.WriteNumber("temperature", 1.0);
        json.WriteNumber("top_k", 1);
        json.WriteNumber("top_p", 1.0);
        json.WriteEndObject();
        json.WriteEndObject();
    }
}
