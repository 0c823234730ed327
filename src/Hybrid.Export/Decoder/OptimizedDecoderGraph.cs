// The decoder body in ONNX Runtime contrib operators, as GenAI's model builder emits for CPU: GQA with rotary, fused RMSNorms.
using Hybrid.Export.Onnx;
using Hybrid.Models.Config;
using static Hybrid.Export.Onnx.OnnxAttributes;
using DataType = Hybrid.Export.Onnx.TensorProto.Types.DataType;

namespace Hybrid.Export.Decoder;

/// <summary>
/// <see cref="AttentionKernel.Optimized"/>. Same weights and results as <see cref="ReferenceDecoderGraph"/> within float
/// rounding, with fused operators:
/// <code>
/// input_ids ─► Gather(embed) = r ─► SimplifiedLayerNormalization ─► h
/// per layer:  h ─► qkv_proj ─► GroupQueryAttention(past, seqlens_k, total_len, cos, sin) ─► o_proj = a
///             SkipSimplifiedLayerNormalization(r, a) ─► h, r ← r + a
///             h ─► SwiGLU = m ─► SkipSimplifiedLayerNormalization(r, m; next layer's or the final weight) ─► h, r ← r + m
/// </code>
/// GroupQueryAttention applies RoPE itself (<c>do_rotary</c>, non-interleaved = HF rotate_half) at positions it derives
/// from <c>seqlens_k</c>, so the graph has no position_ids input; it writes the new keys/values into the KV buffer in
/// place at index seqlens_k (GenAI: <c>past_present_share_buffer: true</c>). Operator facts from ONNX Runtime's
/// ContribOperators.md (GroupQueryAttention, SkipSimplifiedLayerNormalization) and onnxruntime-genai's builder.py.
/// </summary>
internal static class OptimizedDecoderGraph
{
    /// <summary>Hidden states after the final norm [B,S,Dm]; declares nothing (the caller adds inputs/outputs).</summary>
    public static string Backbone(DecoderGraphParts parts)
    {
        DecoderConfig c = parts.Config;
        parts.Graph.ImportDomain(OnnxGraphBuilder.MicrosoftDomain, 1);
        var (seqlensK, totalLength) = SequenceLengths(parts);
        string residual = parts.Embed();                                                                       // [B,S,Dm]
        string hidden = parts.Graph.AddNode("SimplifiedLayerNormalization", "/model/layers.0/input_layernorm/LayerNorm",
            [residual, parts.Weight($"{DecoderGraphWeights.Layer(0)}.input_layernorm.weight")], ["/model/layers.0/input_layernorm/output_0"],
            Float("epsilon", (float)c.RmsNormEps), Int("axis", -1), Int("stash_type", 1))[0];                  // [B,S,Dm]

        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            string p = $"/model/layers.{l}", w = DecoderGraphWeights.Layer(l);
            string attn = Attention(parts, l, hidden, seqlensK, totalLength);                                  // [B,S,Dm]
            (hidden, residual) = SkipNorm(parts, $"{p}/post_attention_layernorm", $"{w}.post_attention_layernorm.weight", residual, attn, keepSum: true);
            string mlp = parts.Mlp(l, hidden);                                                                 // [B,S,Dm]
            bool last = l == c.NumHiddenLayers - 1;
            (hidden, residual) = last
                ? SkipNorm(parts, "/model/norm", DecoderGraphWeights.FinalNorm, residual, mlp, keepSum: false)
                : SkipNorm(parts, $"/model/layers.{l + 1}/input_layernorm", $"{DecoderGraphWeights.Layer(l + 1)}.input_layernorm.weight", residual, mlp, keepSum: true);
        }
        return hidden;                                                                                         // [B,S,Dm]
    }

    /// <summary>
    /// (RMSNorm(r + a)·w, r + a) in one <c>com.microsoft.SkipSimplifiedLayerNormalization</c>; outputs 1 and 2 (mean,
    /// inverse std) are skipped, output 3 is the sum, the next residual (left out for the final norm).
    /// </summary>
    private static (string Normed, string Sum) SkipNorm(DecoderGraphParts parts, string path, string weight, string residual, string delta, bool keepSum)
    {
        string normed = $"{path}/output_0", sum = keepSum ? $"{path}/output_3" : "";
        parts.Graph.AddDomainNode(OnnxGraphBuilder.MicrosoftDomain, "SkipSimplifiedLayerNormalization", $"{path}/SkipLayerNorm",
            [residual, delta, parts.Weight(weight)], keepSum ? [normed, "", "", sum] : [normed], Float("epsilon", (float)parts.Config.RmsNormEps));
        return (normed, sum);
    }

    /// <summary>
    /// GroupQueryAttention's length inputs, from the attention mask:
    /// <code>
    /// attention_mask [B,T] ─► ReduceSum(1) [B] ─► Sub(1) ─► Cast(int32) = seqlens_k [B]   (index of each row's last real token)
    /// attention_mask ─► Shape ─► Gather(1) ─► Cast(int32) = total_sequence_length []
    /// </code>
    /// </summary>
    private static (string SeqlensK, string TotalLength) SequenceLengths(DecoderGraphParts parts)
    {
        const string p = "/model/attn_mask_reformat";
        string count = parts.Node("ReduceSum", $"{p}/seqlens_k/ReduceSum", [DecoderGraphParts.AttentionMask, parts.IntConst(false, 1)], Int("keepdims", 0)); // [B]
        string last = parts.Node("Sub", $"{p}/seqlens_k/Sub", [count, parts.IntConst(true, 1)]);                                                             // [B]
        string seqlensK = parts.Node("Cast", $"{p}/seqlens_k/Cast", [last], Int("to", (long)DataType.Int32));
        string shape = parts.Node("Shape", $"{p}/total_seq_len/Shape", [DecoderGraphParts.AttentionMask]);
        string total = parts.Node("Gather", $"{p}/total_seq_len/Gather", [shape, parts.IntConst(true, 1)], Int("axis", 0));                                   // []
        return (seqlensK, parts.Node("Cast", $"{p}/total_seq_len/Cast", [total], Int("to", (long)DataType.Int32)));
    }

    /// <summary>
    /// <code>
    /// h ─► qkv_proj/MatMul (+Add) [B,S,(H+2·Hkv)·D] ─► GroupQueryAttention ─► [B,S,H·D] ─► o_proj [B,S,Dm]
    ///                          past_key_values.{l}.key/value ─┘   └─► present.{l}.key/value (the same buffer under GenAI)
    /// </code>
    /// </summary>
    private static string Attention(DecoderGraphParts parts, int l, string h, string seqlensK, string totalLength)
    {
        DecoderConfig c = parts.Config;
        string p = $"/model/layers.{l}/attn", w = $"{DecoderGraphWeights.Layer(l)}.attn";
        string qkv = parts.Linear($"{p}/qkv_proj", $"{w}.qkv_proj", h);                                                      // [B,S,(H+2·Hkv)·D]
        string output = $"{p}/GroupQueryAttention/output_0";
        parts.Graph.AddDomainNode(OnnxGraphBuilder.MicrosoftDomain, "GroupQueryAttention", $"{p}/GroupQueryAttention",
            [qkv, "", "", DecoderGraphParts.PastKey(l), DecoderGraphParts.PastValue(l), seqlensK, totalLength,
                parts.Weight(DecoderGraphWeights.CosCache), parts.Weight(DecoderGraphWeights.SinCache)],
            [output, DecoderGraphParts.PresentKey(l), DecoderGraphParts.PresentValue(l)],
            Int("num_heads", c.NumAttentionHeads), Int("kv_num_heads", c.NumKeyValueHeads),
            Float("scale", (float)(1.0 / Math.Sqrt(c.HeadDim))), Int("do_rotary", 1), Int("rotary_interleaved", 0));
        return parts.Linear($"{p}/o_proj", $"{w}.o_proj", output);                                                           // [B,S,Dm]
    }
}
