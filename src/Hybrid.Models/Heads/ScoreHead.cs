// The reward model's head: one scalar score per sequence, read at the last real token (HF sequence classification).
using Hybrid.Tensors.Layers;

namespace Hybrid.Models.Heads;

/// <summary>
/// r = h_last · wᵀ with <c>weight</c> [num_labels = 1, Dm] and no bias, as Hugging Face's
/// <c>Qwen2ForSequenceClassification</c> / <c>LlamaForSequenceClassification</c> <c>score</c> layer. The score is read at
/// each row's last non-pad token (the largest index whose mask is 1), so left and right padding give the same score as
/// the unpadded row. Initialised w ~ N(0, 0.02²).
/// </summary>
public sealed class ScoreHead : HybridModule
{
    public ScoreHead(long hiddenSize, double initStd = 0.02) : base(nameof(ScoreHead))
    {
        using var noGrad = no_grad();
        Weight = RegisterParameter("weight", torch.empty([1, hiddenSize]).normal_(0, initStd));
    }

    public Tensor Weight { get; }

    /// <summary>
    /// hidden [B, T, Dm] and attention mask [B, T] (int64 or bool, 1 = real; null = all real) → scores [B], float32 or the model dtype if wider.
    /// A row with no real token is scored at index 0.
    /// </summary>
    public Tensor Forward(Tensor hidden, Tensor? attentionMask = null)
    {
        long b = hidden.size(0), t = hidden.size(1), d = hidden.size(2);
        Tensor last = LastRealIndex(attentionMask, b, t);                             // [B] int64
        Tensor index = last.view(b, 1, 1).expand(b, 1, d);                            // [B, 1, Dm]
        Tensor picked = hidden.gather(1, index).squeeze(1);                           // [B, Dm] h at the last real token
        Tensor scores = nn.functional.linear(picked, Weight).squeeze(-1);                // [B]
        return scores.AtLeastFloat32();
    }

    /// <summary>The largest t with mask[b, t] = 1 per row, [B] int64 (T − 1 without a mask): argmax of t·mask[b, t].</summary>
    internal static Tensor LastRealIndex(Tensor? attentionMask, long batch, long length)
    {
        using var sc = new ScalarScope();
        if (attentionMask is null) return torch.full([batch], sc[length - 1], ScalarType.Int64);   // [B]
        Tensor weighted = torch.arange(sc[0L], sc[length], sc[1L]) * attentionMask.to(ScalarType.Int64);  // [B, T] t where real, else 0
        return weighted.argmax(1);                                                           // [B]
    }
}
