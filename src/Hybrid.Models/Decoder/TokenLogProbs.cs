// Per-token log-probabilities log softmax(h·Wᵀ)[target] from hidden states, one sequence chunk at a time.
using Hybrid.Tensors.Layers;

namespace Hybrid.Models.Decoder;

/// <summary>
/// <c>logp[b, t] = z[b, t, target[b, t]] − logsumexp_v z[b, t, v]</c> with logits <c>z = hidden · Wᵀ</c> in float32, the
/// quantity every RL loss needs, without the [B, T, V] log-softmax tensor.
/// <para>
/// What exists at once: for each chunk of <c>chunkTokens</c> positions, that chunk's float32 logits [B, Tc, V] and its
/// logsumexp [B, Tc] and gathered target logit [B, Tc]. Each chunk's temporaries are freed before the next chunk.
/// Under <c>torch.no_grad()</c> peak extra memory is one chunk's logits. With gradients on, autograd keeps each
/// chunk's logits for logsumexp's backward (it needs <c>softmax = exp(z − lse)</c>), so the total kept equals one
/// [B, T, V] float32 logits tensor — but never a second one (no log-softmax or softmax output is stored), and the
/// backward rebuilds the softmax chunk by chunk. Fully avoiding the kept logits needs a fused native op (recompute in
/// backward); not done.
/// </para>
/// </summary>
internal static class TokenLogProbs
{
    /// <summary>Logit elements per chunk (B·Tc·V) when the caller does not choose: 2²⁴ floats = 64 MiB.</summary>
    public const long DefaultChunkElements = 1L << 24;

    /// <summary>
    /// hidden [B, T, Dm], lm-head weight [V, Dm], targets [B, T] int64 in [0, V) → [B, T] float32.
    /// <paramref name="chunkTokens"/> positions per chunk (0: as many as fit <see cref="DefaultChunkElements"/>).
    /// </summary>
    public static Tensor FromHidden(Tensor hidden, Tensor lmHeadWeight, Tensor targets, long chunkTokens = 0) =>
        Compute(hidden, lmHeadWeight, targets, chunkTokens, entropy: false).LogProbs;

    /// <summary>
    /// <see cref="FromHidden"/> plus the entropy of each position's distribution, H = logsumexp z − Σ_v softmax(z)_v·z_v
    /// in nats, from the same chunk of logits (so log-probs and entropy come from one kernel): ([B, T], [B, T]).
    /// </summary>
    public static (Tensor LogProbs, Tensor Entropy) WithEntropy(Tensor hidden, Tensor lmHeadWeight, Tensor targets, long chunkTokens = 0)
    {
        var (logProbs, entropy) = Compute(hidden, lmHeadWeight, targets, chunkTokens, entropy: true);
        return (logProbs, entropy!);
    }

    private static (Tensor LogProbs, Tensor? Entropy) Compute(Tensor hidden, Tensor lmHeadWeight, Tensor targets, long chunkTokens, bool entropy)
    {
        long b = hidden.size(0), t = hidden.size(1), v = lmHeadWeight.size(0);
        if (targets.dim() != 2 || targets.size(0) != b || targets.size(1) != t || targets.dtype != ScalarType.Int64)
            throw new ArgumentException($"targets must be [{b}, {t}] int64 token ids in [0, {v}), got {targets} (mask ignored positions with a loss mask, not with -100)", nameof(targets));
        if (chunkTokens <= 0) chunkTokens = Math.Max(1, DefaultChunkElements / Math.Max(1, b * v));
        var chunks = new List<Tensor>();
        var entropies = new List<Tensor>();
        Tensor head = Autocast.Cast(lmHeadWeight);                                     // [V, Dm], cast once (bf16 under autocast), not per chunk
        for (long start = 0; start < t; start += chunkTokens)
        {
            long end = Math.Min(t, start + chunkTokens);
            using var scope = NewDisposeScope();
            Tensor logits = Autocast.Linear(hidden.slice(1, start, end, 1), head);                  // [B, Tc, V]
            logits = logits.AtLeastFloat32();
            Tensor index = targets.slice(1, start, end, 1).unsqueeze(-1);                      // [B, Tc, 1]
            Tensor picked = logits.gather(-1, index).squeeze(-1);                          // [B, Tc] z[target]
            Tensor logNormaliser = logits.logsumexp(-1);                                   // [B, Tc] log Σ_v exp z
            chunks.Add((picked - logNormaliser).MoveToOuterDisposeScope());                       // [B, Tc]
            if (entropy)
                entropies.Add((logNormaliser - (logits.softmax(-1) * logits).sum(-1)).MoveToOuterDisposeScope());  // [B, Tc] H
        }
        Tensor Join(List<Tensor> parts) => parts.Count == 1 ? parts[0] : torch.cat(parts.ToArray(), 1);  // [B, T]
        return (Join(chunks), entropy ? Join(entropies) : null);
    }
}
