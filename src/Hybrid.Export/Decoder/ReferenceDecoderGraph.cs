// The decoder body in standard opset-17 operators: primitive RMSNorm, table RoPE, masked softmax attention, Concat KV cache.
using Hybrid.Models.Config;
using static Hybrid.Export.Onnx.OnnxAttributes;
using DataType = Hybrid.Export.Onnx.TensorProto.Types.DataType;

namespace Hybrid.Export.Decoder;

/// <summary>
/// <see cref="AttentionKernel.Reference"/>: the slow, obvious graph, written to mirror <c>Hybrid.Models.Decoder</c>
/// operation by operation so its float32 results stay within rounding of the trainer's.
/// <code>
/// input_ids ─► Gather(embed) ─► [layer 0 … L−1] ─► RMSNorm(norm) ─► hidden [B,S,Dm]
/// layer:  x ─► RMSNorm ─► attention(+ past → present) ─► Add(x) ─► RMSNorm ─► SwiGLU ─► Add
/// </code>
/// </summary>
internal static class ReferenceDecoderGraph
{
    // Added to the scores of keys a query may not see. Finite (not −inf): a query that sees no key at all (a pad) gets a
    // uniform softmax instead of NaN; real queries always see themselves, so they never mix in a masked key.
    private const float MaskedScore = -1e9f;

    /// <summary>
    /// Hidden states after the final norm [B,S,Dm]. <paramref name="positions"/> [B,S] int64 (an input or computed).
    /// With <paramref name="kvCache"/> the past_key_values inputs are concatenated in front of each layer's keys/values
    /// and the results are the present outputs (declared by the caller); without, attention is over the S tokens only.
    /// </summary>
    public static string Backbone(DecoderGraphParts parts, string positions, bool kvCache)
    {
        DecoderConfig c = parts.Config;
        string bias = AttentionBias(parts);
        var (cos, sin) = RotaryAngles(parts, positions);
        string x = parts.Embed();                                                                  // [B,S,Dm]
        for (int l = 0; l < c.NumHiddenLayers; l++)
        {
            string p = $"/model/layers.{l}", w = DecoderGraphWeights.Layer(l);
            string h = RmsNorm(parts, $"{p}/input_layernorm", $"{w}.input_layernorm.weight", x);   // [B,S,Dm]
            string attn = Attention(parts, l, h, cos, sin, bias, kvCache);                        // [B,S,Dm]
            x = parts.Node("Add", $"{p}/attn/residual/Add", [x, attn]);
            h = RmsNorm(parts, $"{p}/post_attention_layernorm", $"{w}.post_attention_layernorm.weight", x);
            x = parts.Node("Add", $"{p}/mlp/residual/Add", [x, parts.Mlp(l, h)]);                  // [B,S,Dm]
        }
        return RmsNorm(parts, "/model/norm", DecoderGraphWeights.FinalNorm, x);                    // [B,S,Dm]
    }

    /// <summary>
    /// y = x / sqrt(mean(x², last axis) + eps) · w, x [B,S,Dm]:
    /// <code>
    /// x ─► Mul(x) ─► ReduceMean(−1) [B,S,1] ─► Add(eps) ─► Sqrt ─► Div(x, ·) ─► Mul(w)
    /// </code>
    /// </summary>
    public static string RmsNorm(DecoderGraphParts parts, string path, string weight, string x)
    {
        string squared = parts.Node("Mul", $"{path}/Pow", [x, x]);                                // [B,S,Dm]
        string mean = parts.Node("ReduceMean", $"{path}/ReduceMean", [squared], Ints("axes", -1), Int("keepdims", 1)); // [B,S,1]
        string shifted = parts.Node("Add", $"{path}/Add", [mean, parts.Float("rms_norm_eps", (float)parts.Config.RmsNormEps)]);
        string root = parts.Node("Sqrt", $"{path}/Sqrt", [shifted]);                              // [B,S,1]
        string normed = parts.Node("Div", $"{path}/Div", [x, root]);                              // [B,S,Dm]
        return parts.Node("Mul", $"{path}/Mul", [normed, parts.Weight(weight)]);                  // [B,S,Dm]
    }

    /// <summary>
    /// Additive bias [B,1,1,S,T] over grouped scores [B,Hkv,G,S,T]: 0 where query i (absolute index P+i, P = T−S) may
    /// see key j — j ≤ P+i and attention_mask[b,j] = 1, any mask (left/right padding, pads in the middle) — else
    /// <see cref="MaskedScore"/>.
    /// <code>
    /// attention_mask ─► Shape ─► Gather(1) = T ──┬─► Range(0,T) [T] ─► Unsqueeze(0) [1,T] ─────────────┐
    /// input_ids ─► Shape ─► Gather(1) = S ─► Sub = P ─► Range(P,T) [S] ─► Unsqueeze(1) [S,1] ─► LessOrEqual [S,T]
    /// attention_mask ─► Cast(bool) ─► Unsqueeze(1,2) [B,1,1,T] ──────────────────────────────────► And [B,1,S,T]
    ///   ─► Where(0, −1e9) ─► Unsqueeze(1) [B,1,1,S,T]
    /// </code>
    /// </summary>
    private static string AttentionBias(DecoderGraphParts parts)
    {
        const string p = "/model/attn_mask";
        string one = parts.IntConst(true, 1), zero = parts.IntConst(true, 0);
        string total = parts.Node("Gather", $"{p}/total_length/Gather", [parts.Node("Shape", $"{p}/total_length/Shape", [DecoderGraphParts.AttentionMask]), one], Int("axis", 0));
        string length = parts.Node("Gather", $"{p}/query_length/Gather", [parts.Node("Shape", $"{p}/query_length/Shape", [DecoderGraphParts.InputIds]), one], Int("axis", 0));
        string past = parts.Node("Sub", $"{p}/past_length/Sub", [total, length]);
        string keyRow = parts.Node("Unsqueeze", $"{p}/key_index/Unsqueeze", [parts.Node("Range", $"{p}/key_index/Range", [zero, total, one]), parts.IntConst(false, 0)]);         // [1,T]
        string queryColumn = parts.Node("Unsqueeze", $"{p}/query_index/Unsqueeze", [parts.Node("Range", $"{p}/query_index/Range", [past, total, one]), parts.IntConst(false, 1)]); // [S,1]
        string causal = parts.Node("LessOrEqual", $"{p}/causal/LessOrEqual", [keyRow, queryColumn]);                                                                              // [S,T]
        string keep = parts.Node("Cast", $"{p}/padding/Cast", [DecoderGraphParts.AttentionMask], Int("to", (long)DataType.Bool));                                                 // [B,T]
        string keep4 = parts.Node("Unsqueeze", $"{p}/padding/Unsqueeze", [keep, parts.IntConst(false, 1, 2)]);                                                                     // [B,1,1,T]
        string allowed = parts.Node("And", $"{p}/allowed/And", [causal, keep4]);                                                                                                 // [B,1,S,T]
        string bias = parts.Node("Where", $"{p}/bias/Where", [allowed, parts.Float("allowed_score", 0f), parts.Float("masked_score", MaskedScore)]);                          // [B,1,S,T]
        return parts.Node("Unsqueeze", $"{p}/bias/Unsqueeze", [bias, parts.IntConst(false, 1)]);                                                                                 // [B,1,1,S,T]
    }

    /// <summary>cos/sin [B,S,1,D/2] of every token's angles: rows of the tables [context, D/2] gathered by position.</summary>
    private static (string Cos, string Sin) RotaryAngles(DecoderGraphParts parts, string positions)
    {
        const string p = "/model/rotary";
        string axis2 = parts.IntConst(false, 2);
        string cos = parts.Node("Gather", $"{p}/cos/Gather", [parts.Weight(DecoderGraphWeights.CosCache), positions], Int("axis", 0)); // [B,S,D/2]
        string sin = parts.Node("Gather", $"{p}/sin/Gather", [parts.Weight(DecoderGraphWeights.SinCache), positions], Int("axis", 0)); // [B,S,D/2]
        return (parts.Node("Unsqueeze", $"{p}/cos/Unsqueeze", [cos, axis2]), parts.Node("Unsqueeze", $"{p}/sin/Unsqueeze", [sin, axis2])); // [B,S,1,D/2]
    }

    /// <summary>
    /// RoPE in the rotate_half layout on x [B,S,n,D]: dimension i pairs with i + D/2.
    /// <code>
    /// x ─► Split(−1) ─► x1, x2 [B,S,n,D/2]
    /// x1·cos − x2·sin ─┐
    /// x2·cos + x1·sin ─┴─► Concat(−1) [B,S,n,D]
    /// </code>
    /// </summary>
    private static string Rotate(DecoderGraphParts parts, string path, string x, string cos, string sin)
    {
        var halves = parts.Graph.AddNode("Split", $"{path}/Split", [x], [$"{path}/Split/output_0", $"{path}/Split/output_1"], Int("axis", -1));
        string x1 = halves[0], x2 = halves[1];                                                                  // [B,S,n,D/2]
        string first = parts.Node("Sub", $"{path}/first/Sub", [parts.Node("Mul", $"{path}/first/Mul_cos", [x1, cos]), parts.Node("Mul", $"{path}/first/Mul_sin", [x2, sin])]);
        string second = parts.Node("Add", $"{path}/second/Add", [parts.Node("Mul", $"{path}/second/Mul_cos", [x2, cos]), parts.Node("Mul", $"{path}/second/Mul_sin", [x1, sin])]);
        return parts.Node("Concat", $"{path}/Concat", [first, second], Int("axis", -1));                      // [B,S,n,D]
    }

    /// <summary>
    /// Grouped-query causal attention of one layer; query head h reads key/value head h / G (G = H / Hkv):
    /// <code>
    /// h ─► q_proj [B,S,H·D] ─► Reshape [B,S,H,D] ─► RoPE ─► Reshape [B,S,Hkv,G,D] ─► Transpose [B,Hkv,G,S,D] = q
    /// h ─► k_proj ─► Reshape [B,S,Hkv,D] ─► RoPE ─► Transpose [B,Hkv,S,D] ─► Concat(past_key) = present.key [B,Hkv,T,D]
    /// h ─► v_proj ─► Reshape [B,S,Hkv,D] ────────► Transpose [B,Hkv,S,D] ─► Concat(past_value) = present.value
    /// present.key ─► Unsqueeze(2) ─► Transpose [B,Hkv,1,D,T];  present.value ─► Unsqueeze(2) [B,Hkv,1,T,D]
    /// q·kᵀ [B,Hkv,G,S,T] ─► Mul(1/√D) ─► Add(bias) ─► Softmax ─► MatMul(v) [B,Hkv,G,S,D]
    ///   ─► Transpose [B,S,Hkv,G,D] ─► Reshape [B,S,H·D] ─► o_proj [B,S,Dm]
    /// </code>
    /// </summary>
    private static string Attention(DecoderGraphParts parts, int l, string h, string cos, string sin, string bias, bool kvCache)
    {
        DecoderConfig c = parts.Config;
        int heads = c.NumAttentionHeads, kvHeads = c.NumKeyValueHeads, d = c.HeadDim, g = heads / kvHeads;
        string p = $"/model/layers.{l}/attn", w = $"{DecoderGraphWeights.Layer(l)}.attn";

        string q = parts.Linear($"{p}/q_proj", $"{w}.q_proj", h);                                                          // [B,S,H·D]
        q = parts.Node("Reshape", $"{p}/q_proj/Reshape", [q, parts.IntConst(false, 0, 0, heads, d)]);                     // [B,S,H,D]
        q = Rotate(parts, $"{p}/q_rotary", q, cos, sin);
        q = parts.Node("Reshape", $"{p}/q_proj/Reshape_groups", [q, parts.IntConst(false, 0, 0, kvHeads, g, d)]);         // [B,S,Hkv,G,D]
        q = parts.Node("Transpose", $"{p}/q_proj/Transpose", [q], Ints("perm", 0, 2, 3, 1, 4));                            // [B,Hkv,G,S,D]

        string k = parts.Linear($"{p}/k_proj", $"{w}.k_proj", h);                                                          // [B,S,Hkv·D]
        k = parts.Node("Reshape", $"{p}/k_proj/Reshape", [k, parts.IntConst(false, 0, 0, kvHeads, d)]);                   // [B,S,Hkv,D]
        k = Rotate(parts, $"{p}/k_rotary", k, cos, sin);
        k = parts.Node("Transpose", $"{p}/k_proj/Transpose", [k], Ints("perm", 0, 2, 1, 3));                               // [B,Hkv,S,D]
        string v = parts.Linear($"{p}/v_proj", $"{w}.v_proj", h);
        v = parts.Node("Reshape", $"{p}/v_proj/Reshape", [v, parts.IntConst(false, 0, 0, kvHeads, d)]);                   // [B,S,Hkv,D]
        v = parts.Node("Transpose", $"{p}/v_proj/Transpose", [v], Ints("perm", 0, 2, 1, 3));                               // [B,Hkv,S,D]
        if (kvCache)
        {
            k = parts.Graph.AddNode("Concat", $"{p}/k_cache/Concat", [DecoderGraphParts.PastKey(l), k], [DecoderGraphParts.PresentKey(l)], Int("axis", 2))[0];     // [B,Hkv,T,D]
            v = parts.Graph.AddNode("Concat", $"{p}/v_cache/Concat", [DecoderGraphParts.PastValue(l), v], [DecoderGraphParts.PresentValue(l)], Int("axis", 2))[0]; // [B,Hkv,T,D]
        }

        string axis2 = parts.IntConst(false, 2);
        string keysT = parts.Node("Transpose", $"{p}/k_cache/Transpose", [parts.Node("Unsqueeze", $"{p}/k_cache/Unsqueeze", [k, axis2])], Ints("perm", 0, 1, 2, 4, 3)); // [B,Hkv,1,D,T]
        string values = parts.Node("Unsqueeze", $"{p}/v_cache/Unsqueeze", [v, axis2]);                                     // [B,Hkv,1,T,D]
        string scores = parts.Node("MatMul", $"{p}/qk/MatMul", [q, keysT]);                                                 // [B,Hkv,G,S,T]
        string scaled = parts.Node("Mul", $"{p}/qk/Mul", [scores, parts.Float("attn_scale", (float)(1.0 / Math.Sqrt(d)))]);
        string masked = parts.Node("Add", $"{p}/mask/Add", [scaled, bias]);
        string probs = parts.Node("Softmax", $"{p}/Softmax", [masked], Int("axis", -1));                                  // [B,Hkv,G,S,T]
        string context = parts.Node("MatMul", $"{p}/pv/MatMul", [probs, values]);                                          // [B,Hkv,G,S,D]
        string merged = parts.Node("Transpose", $"{p}/merge/Transpose", [context], Ints("perm", 0, 3, 1, 2, 4));         // [B,S,Hkv,G,D]
        string flat = parts.Node("Reshape", $"{p}/merge/Reshape", [merged, parts.IntConst(false, 0, 0, heads * d)]);      // [B,S,H·D]
        return parts.Linear($"{p}/o_proj", $"{w}.o_proj", flat);                                                           // [B,S,Dm]
    }
}
