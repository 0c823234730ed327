// Builds the tiny decoder as an opset-17 ONNX graph with GenAI's decoder interface and a Concat-style KV cache.
using Hybrid.Export.Onnx;
using static Hybrid.Export.Onnx.OnnxAttributes;
using DataType = Hybrid.Export.Onnx.TensorProto.Types.DataType;

namespace Hybrid.Export.Tests.TinyDecoder;

/// <summary>
/// The ONNX form of <see cref="TinyDecoderReference"/>, in the interface ONNX Runtime GenAI drives for decoder models:
/// <code>
/// inputs   input_ids [B,S] int64, attention_mask [B,T] int64 (T = P+S), position_ids [B,S] int64,
///          past_key_values.{l}.key / .value [B,H,P,d] float
/// outputs  logits [B,S,V] float, present.{l}.key / .value [B,H,T,d] float
/// </code>
/// Only plain ai.onnx opset-17 ops; the cache grows by Concat (so GenAI needs <c>past_present_share_buffer: false</c>).
/// Node names are path-style and stable (<c>/model/layers.0/attn/q_proj/MatMul</c>).
/// </summary>
public static class TinyDecoderGraph
{
    /// <summary>Input and output names, as genai_config.json must list them.</summary>
    public const string InputIds = "input_ids", AttentionMask = "attention_mask", PositionIds = "position_ids",
        PastKeyFormat = "past_key_values.%d.key", PastValueFormat = "past_key_values.%d.value",
        Logits = "logits", PresentKeyFormat = "present.%d.key", PresentValueFormat = "present.%d.value";

    // Added to the scores of masked keys. Finite (not -inf) so a row with every key masked (a padded query) stays finite.
    private const float MaskedScore = -1e9f;

    /// <summary>Builds the model; weights are initializers (large ones go external when saved).</summary>
    public static ModelProto Build(TinyDecoderWeights weights)
    {
        TinyDecoderConfig config = weights.Config;
        config.Validate();
        int v = config.VocabSize, dModel = config.HiddenSize, heads = config.NumHeads, d = config.HeadSize;
        var g = new OnnxGraphBuilder("tiny_decoder");

        g.AddInput(InputIds, DataType.Int64, "batch_size", "sequence_length");
        g.AddInput(AttentionMask, DataType.Int64, "batch_size", "total_sequence_length");
        g.AddInput(PositionIds, DataType.Int64, "batch_size", "sequence_length");
        for (int l = 0; l < config.NumLayers; l++)
        {
            g.AddInput(Name(PastKeyFormat, l), DataType.Float, "batch_size", heads, "past_sequence_length", d);
            g.AddInput(Name(PastValueFormat, l), DataType.Float, "batch_size", heads, "past_sequence_length", d);
        }

        // Shared constants (int64 ones stay inside model.onnx: Reshape's shape input must be readable at load time).
        string one = g.AddInt64Scalar("/model/constants/one", 1);
        string zero = g.AddInt64Scalar("/model/constants/zero", 0);
        string axes0 = g.AddInt64Initializer("/model/constants/axes_0", [0], 1);
        string axes1 = g.AddInt64Initializer("/model/constants/axes_1", [1], 1);
        string axes12 = g.AddInt64Initializer("/model/constants/axes_1_2", [1, 2], 2);
        string splitHeads = g.AddInt64Initializer("/model/constants/split_heads_shape", [0, 0, heads, d], 4);
        string mergeHeads = g.AddInt64Initializer("/model/constants/merge_heads_shape", [0, 0, dModel], 3);
        string scale = g.AddFloatScalar("/model/constants/attn_scale", 1.0f / MathF.Sqrt(d));
        string allowedScore = g.AddFloatScalar("/model/constants/allowed_score", 0f);
        string maskedScore = g.AddFloatScalar("/model/constants/masked_score", MaskedScore);

        // x = E[input_ids] + P[position_ids]                                            [B,S,D]
        string tokenTable = g.AddInitializer("model.embed_tokens.weight", weights.TokenEmbedding, v, dModel);
        string positionTable = g.AddInitializer("model.embed_positions.weight", weights.PositionEmbedding, config.ContextLength, dModel);
        string tokens = g.AddNode("Gather", "/model/embed_tokens/Gather", [tokenTable, InputIds]);
        string positions = g.AddNode("Gather", "/model/embed_positions/Gather", [positionTable, PositionIds]);
        string x = g.AddNode("Add", "/model/embed/Add", [tokens, positions]);

        string bias = AttentionBias(g, one, zero, axes0, axes1, axes12, allowedScore, maskedScore);

        for (int l = 0; l < config.NumLayers; l++)
        {
            TinyDecoderLayerWeights layer = weights.Layers[l];
            string p = $"/model/layers.{l}";
            string w = $"model.layers.{l}";
            x = Attention(g, p, w, l, layer, x, bias, splitHeads, mergeHeads, scale, dModel);

            //   x ──► MatMul(W1) ──► Relu ──► MatMul(W2) ──► Add(x)
            string up = g.AddNode("MatMul", $"{p}/mlp/up_proj/MatMul", [x, g.AddInitializer($"{w}.mlp.up_proj.weight", layer.MlpUp, dModel, config.MlpSize)]);
            string act = g.AddNode("Relu", $"{p}/mlp/act/Relu", [up]);
            string down = g.AddNode("MatMul", $"{p}/mlp/down_proj/MatMul", [act, g.AddInitializer($"{w}.mlp.down_proj.weight", layer.MlpDown, config.MlpSize, dModel)]);
            x = g.AddNode("Add", $"{p}/mlp/residual/Add", [x, down]);
        }

        // logits = x · Wlm + b                                                           [B,S,V]
        string head = g.AddNode("MatMul", "/lm_head/MatMul", [x, g.AddInitializer("lm_head.weight", weights.LmHead, dModel, v)]);
        g.AddNode("Add", "/lm_head/Add", [head, g.AddInitializer("lm_head.bias", weights.LmBias, v)], [Logits]);
        g.AddOutput(Logits, DataType.Float, "batch_size", "sequence_length", v);
        for (int l = 0; l < config.NumLayers; l++)
        {
            g.AddOutput(Name(PresentKeyFormat, l), DataType.Float, "batch_size", heads, "total_sequence_length", d);
            g.AddOutput(Name(PresentValueFormat, l), DataType.Float, "batch_size", heads, "total_sequence_length", d);
        }
        return g.Build();
    }

    /// <summary>
    /// Additive attention bias [B,1,S,T]: 0 where query i (absolute index P+i) may see key j — j ≤ P+i and
    /// attention_mask[b,j] = 1 — else <see cref="MaskedScore"/>.
    /// <code>
    /// attention_mask ─► Shape ─► Gather(1) = T ─┬─► Range(0,T) = key index [T] ─► Unsqueeze(0) [1,T] ─┐
    /// input_ids ─► Shape ─► Gather(1) = S ─► Sub = P ─► Range(P,T) = query index [S] ─► Unsqueeze(1) [S,1] ─► LessOrEqual [S,T]
    /// attention_mask ─► Cast(bool) ─► Unsqueeze(1,2) [B,1,1,T] ───────────────────────────────────────► And [B,1,S,T] ─► Where
    /// </code>
    /// </summary>
    private static string AttentionBias(OnnxGraphBuilder g, string one, string zero, string axes0, string axes1,
        string axes12, string allowedScore, string maskedScore)
    {
        const string p = "/model/attn_mask";
        string total = g.AddNode("Gather", $"{p}/total_length/Gather", [g.AddNode("Shape", $"{p}/total_length/Shape", [AttentionMask]), one], Int("axis", 0));
        string length = g.AddNode("Gather", $"{p}/query_length/Gather", [g.AddNode("Shape", $"{p}/query_length/Shape", [InputIds]), one], Int("axis", 0));
        string past = g.AddNode("Sub", $"{p}/past_length/Sub", [total, length]);
        string keyIndex = g.AddNode("Range", $"{p}/key_index/Range", [zero, total, one]);          // [T]
        string queryIndex = g.AddNode("Range", $"{p}/query_index/Range", [past, total, one]);      // [S]
        string keyRow = g.AddNode("Unsqueeze", $"{p}/key_index/Unsqueeze", [keyIndex, axes0]);     // [1,T]
        string queryColumn = g.AddNode("Unsqueeze", $"{p}/query_index/Unsqueeze", [queryIndex, axes1]); // [S,1]
        string causal = g.AddNode("LessOrEqual", $"{p}/causal/LessOrEqual", [keyRow, queryColumn]); // [S,T]
        string keep = g.AddNode("Cast", $"{p}/padding/Cast", [AttentionMask], Int("to", (long)DataType.Bool)); // [B,T]
        string keep4 = g.AddNode("Unsqueeze", $"{p}/padding/Unsqueeze", [keep, axes12]);          // [B,1,1,T]
        string allowed = g.AddNode("And", $"{p}/allowed/And", [causal, keep4]);                   // [B,1,S,T]
        return g.AddNode("Where", $"{p}/bias/Where", [allowed, allowedScore, maskedScore]);         // [B,1,S,T]
    }

    /// <summary>
    /// One causal self-attention block with its KV cache and residual:
    /// <code>
    /// x ─► MatMul(Wq) ─► Reshape [B,S,H,d] ─► Transpose [B,H,S,d] = q
    /// x ─► MatMul(Wk) ─► Reshape ─► Transpose ─► Concat(past_key, ·)  [B,H,T,d] = present.key ─► Transpose [B,H,d,T]
    /// x ─► MatMul(Wv) ─► Reshape ─► Transpose ─► Concat(past_value, ·) [B,H,T,d] = present.value
    /// q·kᵀ [B,H,S,T] ─► Mul(1/√d) ─► Add(bias) ─► Softmax ─► MatMul(value) [B,H,S,d]
    ///   ─► Transpose [B,S,H,d] ─► Reshape [B,S,D] ─► MatMul(Wo) ─► Add(x)
    /// </code>
    /// </summary>
    private static string Attention(OnnxGraphBuilder g, string p, string w, int l, TinyDecoderLayerWeights layer, string x,
        string bias, string splitHeads, string mergeHeads, string scale, int dModel)
    {
        string Heads(string projection, float[] matrix)
        {
            string y = g.AddNode("MatMul", $"{p}/attn/{projection}/MatMul", [x, g.AddInitializer($"{w}.attn.{projection}.weight", matrix, dModel, dModel)]);
            string split = g.AddNode("Reshape", $"{p}/attn/{projection}/Reshape", [y, splitHeads]);
            return g.AddNode("Transpose", $"{p}/attn/{projection}/Transpose", [split], Ints("perm", 0, 2, 1, 3));
        }

        string q = Heads("q_proj", layer.QueryProjection);                                         // [B,H,S,d]
        string k = Heads("k_proj", layer.KeyProjection);                                           // [B,H,S,d]
        string v = Heads("v_proj", layer.ValueProjection);                                         // [B,H,S,d]
        string keys = g.AddNode("Concat", $"{p}/attn/k_cache/Concat", [Name(PastKeyFormat, l), k], [Name(PresentKeyFormat, l)], Int("axis", 2))[0];     // [B,H,T,d]
        string values = g.AddNode("Concat", $"{p}/attn/v_cache/Concat", [Name(PastValueFormat, l), v], [Name(PresentValueFormat, l)], Int("axis", 2))[0]; // [B,H,T,d]
        string keysT = g.AddNode("Transpose", $"{p}/attn/k_cache/Transpose", [keys], Ints("perm", 0, 1, 3, 2)); // [B,H,d,T]
        string scores = g.AddNode("MatMul", $"{p}/attn/qk/MatMul", [q, keysT]);                   // [B,H,S,T]
        string scaled = g.AddNode("Mul", $"{p}/attn/qk/Mul", [scores, scale]);
        string masked = g.AddNode("Add", $"{p}/attn/mask/Add", [scaled, bias]);
        string probs = g.AddNode("Softmax", $"{p}/attn/Softmax", [masked], Int("axis", -1));
        string context = g.AddNode("MatMul", $"{p}/attn/pv/MatMul", [probs, values]);             // [B,H,S,d]
        string merged = g.AddNode("Transpose", $"{p}/attn/merge/Transpose", [context], Ints("perm", 0, 2, 1, 3)); // [B,S,H,d]
        string flat = g.AddNode("Reshape", $"{p}/attn/merge/Reshape", [merged, mergeHeads]);      // [B,S,D]
        string output = g.AddNode("MatMul", $"{p}/attn/o_proj/MatMul", [flat, g.AddInitializer($"{w}.attn.o_proj.weight", layer.OutputProjection, dModel, dModel)]);
        return g.AddNode("Add", $"{p}/attn/residual/Add", [x, output]);
    }

    private static string Name(string format, int layer) => format.Replace("%d", layer.ToString(System.Globalization.CultureInfo.InvariantCulture), StringComparison.Ordinal);
}
