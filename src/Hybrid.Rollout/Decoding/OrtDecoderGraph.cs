// What the ORT rollout backend must know about an exported decoder graph: names, KV-cache dimensions, cache style.
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace Hybrid.Rollout.Decoding;

/// <summary>
/// The decoder interface of a GenAI folder's model.onnx (what <c>DecoderExporter</c> writes), read from the session:
/// <code>
/// inputs   input_ids [B,S] int64, attention_mask [B,T] int64, position_ids [B,S] int64 (Concat-KV export only),
///          past_key_values.{l}.key / .value [B,Hkv,P,D] float32, l = 0 … L−1
/// outputs  logits [B,S,V] float32, present.{l}.key / .value [B,Hkv,T,D] float32
/// </code>
/// <see cref="SharedKvBuffer"/> (genai_config <c>past_present_share_buffer</c>): past and present are one buffer
/// [B,Hkv,max_length,D] that GroupQueryAttention updates in place at each row's length; otherwise present = past ⧺ new
/// keys, a new [B,Hkv,T,D] tensor each step.
/// </summary>
internal sealed record OrtDecoderGraph(int Layers, int KvHeads, int HeadSize, int Vocab, bool HasPositionIds, bool SharedKvBuffer)
{
    public const string InputIds = "input_ids", AttentionMask = "attention_mask", PositionIds = "position_ids", Logits = "logits";

    /// <summary>[2L] the KV input names in cache-tensor order: layer l's key at 2·l, its value at 2·l + 1.</summary>
    public string[] PastNames { get; } = [.. Enumerable.Range(0, 2 * Layers).Select(i => i % 2 == 0 ? PastKey(i / 2) : PastValue(i / 2))];

    /// <summary>[2L] the matching present output names.</summary>
    public string[] PresentNames { get; } = [.. Enumerable.Range(0, 2 * Layers).Select(i => i % 2 == 0 ? PresentKey(i / 2) : PresentValue(i / 2))];

    public static string PastKey(int layer) => $"past_key_values.{layer}.key";
    public static string PastValue(int layer) => $"past_key_values.{layer}.value";
    public static string PresentKey(int layer) => $"present.{layer}.key";
    public static string PresentValue(int layer) => $"present.{layer}.value";

    /// <summary>Reads and checks the interface; errors name the missing or misshapen input/output.</summary>
    public static OrtDecoderGraph Read(InferenceSession session, GenAIFolderInfo info)
    {
        IReadOnlyDictionary<string, NodeMetadata> inputs = session.InputMetadata, outputs = session.OutputMetadata;
        NodeMetadata Need(IReadOnlyDictionary<string, NodeMetadata> map, string name, TensorElementType type, string side)
        {
            if (!map.TryGetValue(name, out NodeMetadata? meta))
                throw new InvalidDataException($"the decoder has no {side} '{name}' ({side}s: {string.Join(", ", map.Keys)}); the Ort rollout backend needs DecoderExporter's interface");
            if (meta.ElementDataType != type)
                throw new InvalidDataException($"the decoder's {side} '{name}' is {meta.ElementDataType}, expected {type}");
            return meta;
        }
        Need(inputs, InputIds, TensorElementType.Int64, "input");
        Need(inputs, AttentionMask, TensorElementType.Int64, "input");
        bool positions = inputs.ContainsKey(PositionIds);
        if (positions) Need(inputs, PositionIds, TensorElementType.Int64, "input");
        int layers = 0;
        while (inputs.ContainsKey(PastKey(layers))) layers++;
        if (layers == 0) throw new InvalidDataException($"the decoder has no '{PastKey(0)}' input: the Ort rollout backend needs a KV-cache export");
        int[] kv = Need(inputs, PastKey(0), TensorElementType.Float, "input").Dimensions;  // [B, Hkv, P, D], −1 = symbolic
        if (kv.Length != 4 || kv[1] < 1 || kv[3] < 1)
            throw new InvalidDataException($"'{PastKey(0)}' has dims [{string.Join(", ", kv)}], expected [batch, kv_heads, past, head_size] with fixed kv_heads and head_size");
        for (int l = 0; l < layers; l++)
        {
            foreach (string name in new[] { PastKey(l), PastValue(l) })
            {
                int[] dims = Need(inputs, name, TensorElementType.Float, "input").Dimensions;
                if (dims.Length != 4 || dims[1] != kv[1] || dims[3] != kv[3])
                    throw new InvalidDataException($"'{name}' has dims [{string.Join(", ", dims)}], expected [batch, {kv[1]}, past, {kv[3]}] like '{PastKey(0)}'");
            }
            Need(outputs, PresentKey(l), TensorElementType.Float, "output");
            Need(outputs, PresentValue(l), TensorElementType.Float, "output");
        }
        int[] logits = Need(outputs, Logits, TensorElementType.Float, "output").Dimensions;
        if (logits.Length != 3 || (logits[2] > 0 && logits[2] != info.VocabSize))
            throw new InvalidDataException($"'{Logits}' has dims [{string.Join(", ", logits)}], expected [batch, sequence, {info.VocabSize}] (genai_config vocab_size)");
        return new OrtDecoderGraph(layers, kv[1], kv[3], info.VocabSize, positions, info.SharesKvBuffer);
    }
}
