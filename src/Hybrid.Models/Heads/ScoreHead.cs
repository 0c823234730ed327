// The reward model's head: one scalar score per sequence, read at the last real token (HF sequence classification).
using Hybrid.Torch;
using Hybrid.Torch.NN;

namespace Hybrid.Models.Heads;

/// <summary>
/// r = h_last · wᵀ with <c>weight</c> [num_labels = 1, Dm] and no bias, as Hugging Face's
/// <c>Qwen2ForSequenceClassification</c> / <c>LlamaForSequenceClassification</c> <c>score</c> layer. The score is read at
/// each row's last non-pad token (the largest index whose mask is 1), so left and right padding give the same score as
/// the unpadded row. Initialised w ~ N(0, 0.02²).
/// </summary>
public sealed class ScoreHead : Module
{
    public ScoreHead(long hiddenSize, double initStd = 0.02)
    {
        using var noGrad = LibTorch.NoGrad();
        Weight = RegisterParameter("weight", LibTorch.Empty([1, hiddenSize]).NormalInPlace(0, initStd));
    }

    public Tensor Weight { get; }

    /// <summary>
    /// hidden [B, T, Dm] and attention mask [B, T] (int64 or bool, 1 = real; null = all real) → scores [B], float32 or the model dtype if wider.
    /// A row with no real token is scored at index 0.
    /// </summary>
    public Tensor Forward(Tensor hidden, Tensor? attentionMask = null)
    {
        long b = hidden.Size(0), t = hidden.Size(1), d = hidden.Size(2);
        Tensor last = LastRealIndex(attentionMask, b, t);                             // [B] int64
        Tensor index = last.View(b, 1, 1).Expand(b, 1, d);                            // [B, 1, Dm]
        Tensor picked = hidden.Gather(1, index).Squeeze(1);                           // [B, Dm] h at the last real token
        Tensor scores = Functional.Linear(picked, Weight).Squeeze(-1);                // [B]
        return scores.AtLeastFloat32();
    }

    /// <summary>The largest t with mask[b, t] = 1 per row, [B] int64 (T − 1 without a mask): argmax of t·mask[b, t].</summary>
    internal static Tensor LastRealIndex(Tensor? attentionMask, long batch, long length)
    {
        if (attentionMask is null) return LibTorch.Full([batch], length - 1, DType.Int64);   // [B]
        Tensor weighted = LibTorch.Arange(length) * attentionMask.To(DType.Int64);          // [B, T] t where real, else 0
        return weighted.ArgMax(1);                                                           // [B]
    }
}
