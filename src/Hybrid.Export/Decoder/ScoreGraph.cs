// The reward model as one ONNX graph: the reference decoder body, the hidden state of each row's last real token, score.weight.
using Hybrid.Export.Onnx;
using static Hybrid.Export.Onnx.OnnxAttributes;
using DataType = Hybrid.Export.Onnx.TensorProto.Types.DataType;

namespace Hybrid.Export.Decoder;

/// <summary>
/// <c>input_ids</c> [B,T] int64, <c>attention_mask</c> [B,T] int64 → <c>score</c> [B] float32, as
/// <c>Hybrid.Models.Heads.SequenceScoreModel</c> computes it: positions <c>max(cumsum(mask) − 1, 0)</c>, the reference
/// body without a KV cache, then <c>h[b, last real t] · score.weightᵀ</c>.
/// </summary>
internal static class ScoreGraph
{
    public const string Score = "score";
    public const string ScoreWeight = "score.MatMul.weight";

    public static ModelProto Build(DecoderGraphParts parts)
    {
        OnnxGraphBuilder g = parts.Graph;
        g.AddInput(DecoderGraphParts.InputIds, DataType.Int64, "batch_size", "sequence_length");
        g.AddInput(DecoderGraphParts.AttentionMask, DataType.Int64, "batch_size", "sequence_length");
        string positions = Positions(parts);                                                    // [B,T]
        string hidden = ReferenceDecoderGraph.Backbone(parts, positions, kvCache: false);       // [B,T,Dm]
        string picked = LastRealToken(parts, hidden);                                           // [B,1,Dm]
        string score = parts.Node("MatMul", "/score/MatMul", [picked, parts.Weight(ScoreWeight)]); // [B,1,1]
        g.AddNode("Reshape", "/score/Reshape", [score, parts.IntConst(false, -1)], [Score]);   // [B]
        g.AddOutput(Score, DataType.Float, "batch_size");
        return g.Build();
    }

    /// <summary>
    /// <code>attention_mask ─► CumSum(1) ─► Sub(1) ─► Max(0) = position_ids [B,T]</code>
    /// </summary>
    private static string Positions(DecoderGraphParts parts)
    {
        const string p = "/model/position_ids";
        string counts = parts.Node("CumSum", $"{p}/CumSum", [DecoderGraphParts.AttentionMask, parts.IntConst(true, 1)]);  // [B,T]
        string shifted = parts.Node("Sub", $"{p}/Sub", [counts, parts.IntConst(true, 1)]);
        return parts.Node("Max", $"{p}/Max", [shifted, parts.IntConst(true, 0)]);                                        // [B,T]
    }

    /// <summary>
    /// The hidden state at each row's last real token (index 0 for a row with none), via a one-hot row:
    /// <code>
    /// Range(0,T) [T] ─► Mul(attention_mask) [B,T] ─► Cast(float) ─► ArgMax(1) = last [B] ─► Unsqueeze(1) [B,1]
    /// Range(0,T) ─► Unsqueeze(0) [1,T] ─► Equal(last) [B,T] ─► Cast(float) ─► Unsqueeze(1) [B,1,T] ─► MatMul(hidden) [B,1,Dm]
    /// </code>
    /// </summary>
    private static string LastRealToken(DecoderGraphParts parts, string hidden)
    {
        const string p = "/score/last_token";
        string one = parts.IntConst(true, 1);
        string length = parts.Node("Gather", $"{p}/length/Gather", [parts.Node("Shape", $"{p}/length/Shape", [DecoderGraphParts.AttentionMask]), one], Int("axis", 0));
        string index = parts.Node("Range", $"{p}/index/Range", [parts.IntConst(true, 0), length, one]);                                           // [T]
        string realIndex = parts.Node("Cast", $"{p}/real_index/Cast", [parts.Node("Mul", $"{p}/real_index/Mul", [index, DecoderGraphParts.AttentionMask])], Int("to", (long)DataType.Float)); // [B,T]
        string last = parts.Node("ArgMax", $"{p}/ArgMax", [realIndex], Int("axis", 1), Int("keepdims", 1));                                      // [B,1]
        string row = parts.Node("Unsqueeze", $"{p}/index/Unsqueeze", [index, parts.IntConst(false, 0)]);                                          // [1,T]
        string oneHot = parts.Node("Cast", $"{p}/one_hot/Cast", [parts.Node("Equal", $"{p}/one_hot/Equal", [row, last])], Int("to", (long)DataType.Float)); // [B,T]
        string selector = parts.Node("Unsqueeze", $"{p}/one_hot/Unsqueeze", [oneHot, parts.IntConst(false, 1)]); // [B,1,T]
        return parts.Node("MatMul", $"{p}/MatMul", [selector, hidden]);                                                                          // [B,1,Dm]
    }
}
