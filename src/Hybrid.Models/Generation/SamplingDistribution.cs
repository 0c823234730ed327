// The sampling distribution on tensors: a batch of logits → log q over the vocabulary, a draw from it, its log-probs.

namespace Hybrid.Models.Generation;

/// <summary>
/// The batched form of <see cref="SamplingReference"/> (same order: top-k → ÷T → softmax → top-p → renormalise),
/// working on the K kept ids only: <c>TopK</c> (or one descending sort when only top-p is on) gives them in order, so the
/// nucleus is a prefix; with no filter at all it is a plain softmax over the vocabulary, unsorted. Computes in at least float32. Used by the trainer's sampler to draw tokens and by the rollout
/// engine and trainer to score tokens under the distribution they were drawn from.
/// </summary>
public static class SamplingDistribution
{
    /// <summary>
    /// log q [B, V] for logits [B, V]: finite on the kept ids, −∞ on the dropped ones. Greedy settings give 0 at the
    /// argmax and −∞ elsewhere.
    /// </summary>
    public static Tensor LogProbs(Tensor logits, SamplingParams sampling)
    {
        using var sc = new ScalarScope();
        long b = logits.size(0), v = logits.size(1);
        if (sampling.IsGreedy)
        {
            Tensor best = logits.argmax(-1, keepdim: true);                                    // [B, 1]
            return torch.full([b, v], sc[double.NegativeInfinity]).scatter(1, best, torch.zeros([b, 1]));  // [B, V]
        }
        var (logQ, ids) = Kept(logits, sampling);                                              // [B, K], [B, K]
        return torch.full([b, v], sc[double.NegativeInfinity], logQ.dtype).scatter(1, ids, logQ);  // [B, V]
    }

    /// <summary>log q(token) [B] of <paramref name="tokens"/> [B] int64 under the distribution of logits [B, V].</summary>
    public static Tensor TokenLogProbs(Tensor logits, Tensor tokens, SamplingParams sampling)
    {
        using var sc = new ScalarScope();
        Tensor logQ = Unfiltered(logits, sampling)
            ? (logits.AtLeastFloat32() / sc[sampling.Temperature]).log_softmax(-1)             // [B, V] no filter: no sort needed
            : LogProbs(logits, sampling);                                                      // [B, V]
        return logQ.gather(1, tokens.unsqueeze(1)).squeeze(1);                                // [B]
    }

    /// <summary>
    /// Draws one token per row of logits [B, V] from libtorch's global generator (seed it for reproducibility), or takes
    /// the argmax when greedy. Returns the tokens [B] int64 and their log q [B] (0 for greedy).
    /// </summary>
    public static (Tensor Tokens, Tensor LogProbs) Choose(Tensor logits, SamplingParams sampling)
    {
        using var sc = new ScalarScope();
        long b = logits.size(0);
        if (sampling.IsGreedy) return (logits.argmax(-1), torch.zeros([b]));              // [B], [B]
        if (Unfiltered(logits, sampling))
        {
            Tensor full = (logits.AtLeastFloat32() / sc[sampling.Temperature]).log_softmax(-1);  // [B, V] no filter: no sort needed
            Tensor drawn = torch.multinomial(full.exp(), 1);                                // [B, 1] token ids
            return (drawn.squeeze(1), full.gather(1, drawn).squeeze(1).to(ScalarType.Float32));     // [B], [B]
        }
        var (logQ, ids) = Kept(logits, sampling);                                              // [B, K], [B, K]
        Tensor pick = torch.multinomial(logQ.exp(), 1);                                     // [B, 1] index into the kept ids
        Tensor tokens = ids.gather(1, pick).squeeze(1);                                       // [B]
        return (tokens, logQ.gather(1, pick).squeeze(1).to(ScalarType.Float32));                   // [B], [B]
    }

    /// <summary>True when neither top-k nor top-p drops an id: q = softmax(z / T) over the whole vocabulary.</summary>
    private static bool Unfiltered(Tensor logits, SamplingParams sampling) =>
        !sampling.IsGreedy && (sampling.TopK == 0 || sampling.TopK >= logits.size(1)) && sampling.TopP >= 1;

    /// <summary>log q [B, K] of the K top-k ids [B, K] (in descending logit order), −∞ where top-p drops them.</summary>
    private static (Tensor LogQ, Tensor Ids) Kept(Tensor logits, SamplingParams sampling)
    {
        using var sc = new ScalarScope();
        long v = logits.size(1);
        sampling.CheckVocabulary(v);
        Tensor scaled = logits.AtLeastFloat32() / sc[sampling.Temperature];                       // [B, V] z / T
        var (sorted, ids) = sampling.TopK > 0 && sampling.TopK < v
            ? scaled.topk(sampling.TopK)                                                       // [B, K] descending
            : scaled.sort(-1, descending: true);                                               // [B, V] descending
        Tensor logP = sorted.log_softmax(-1);                                                   // [B, K] log softmax(z/T) over top-k
        if (sampling.TopP >= 1) return (logP, ids);
        Tensor p = logP.exp();                                                                 // [B, K]
        Tensor before = p.cumsum(-1) - p;                                                      // [B, K] mass of the more likely ids
        Tensor dropped = before.ge(sc[sampling.TopP]);                                             // [B, K] outside the nucleus
        return (sorted.masked_fill(dropped, sc[double.NegativeInfinity]).log_softmax(-1), ids);      // [B, K] renormalised
    }
}
