// The sampling distribution on tensors: a batch of logits → log q over the vocabulary, a draw from it, its log-probs.
using Hybrid.Torch;

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
        long b = logits.Size(0), v = logits.Size(1);
        if (sampling.IsGreedy)
        {
            Tensor best = logits.ArgMax(-1, keepDim: true);                                    // [B, 1]
            return LibTorch.Full([b, v], double.NegativeInfinity).Scatter(1, best, LibTorch.Zeros([b, 1]));  // [B, V]
        }
        var (logQ, ids) = Kept(logits, sampling);                                              // [B, K], [B, K]
        return LibTorch.Full([b, v], double.NegativeInfinity, logQ.DType).Scatter(1, ids, logQ);  // [B, V]
    }

    /// <summary>log q(token) [B] of <paramref name="tokens"/> [B] int64 under the distribution of logits [B, V].</summary>
    public static Tensor TokenLogProbs(Tensor logits, Tensor tokens, SamplingParams sampling)
    {
        Tensor logQ = Unfiltered(logits, sampling)
            ? (logits.AtLeastFloat32() / sampling.Temperature).LogSoftmax(-1)                 // [B, V] no filter: no sort needed
            : LogProbs(logits, sampling);                                                      // [B, V]
        return logQ.Gather(1, tokens.Unsqueeze(1)).Squeeze(1);                                // [B]
    }

    /// <summary>
    /// Draws one token per row of logits [B, V] from libtorch's global generator (seed it for reproducibility), or takes
    /// the argmax when greedy. Returns the tokens [B] int64 and their log q [B] (0 for greedy).
    /// </summary>
    public static (Tensor Tokens, Tensor LogProbs) Choose(Tensor logits, SamplingParams sampling)
    {
        long b = logits.Size(0);
        if (sampling.IsGreedy) return (logits.ArgMax(-1), LibTorch.Zeros([b]));              // [B], [B]
        if (Unfiltered(logits, sampling))
        {
            Tensor full = (logits.AtLeastFloat32() / sampling.Temperature).LogSoftmax(-1);    // [B, V] no filter: no sort needed
            Tensor drawn = LibTorch.Multinomial(full.Exp(), 1);                                // [B, 1] token ids
            return (drawn.Squeeze(1), full.Gather(1, drawn).Squeeze(1).To(DType.Float32));     // [B], [B]
        }
        var (logQ, ids) = Kept(logits, sampling);                                              // [B, K], [B, K]
        Tensor pick = LibTorch.Multinomial(logQ.Exp(), 1);                                     // [B, 1] index into the kept ids
        Tensor tokens = ids.Gather(1, pick).Squeeze(1);                                       // [B]
        return (tokens, logQ.Gather(1, pick).Squeeze(1).To(DType.Float32));                   // [B], [B]
    }

    /// <summary>True when neither top-k nor top-p drops an id: q = softmax(z / T) over the whole vocabulary.</summary>
    private static bool Unfiltered(Tensor logits, SamplingParams sampling) =>
        !sampling.IsGreedy && (sampling.TopK == 0 || sampling.TopK >= logits.Size(1)) && sampling.TopP >= 1;

    /// <summary>log q [B, K] of the K top-k ids [B, K] (in descending logit order), −∞ where top-p drops them.</summary>
    private static (Tensor LogQ, Tensor Ids) Kept(Tensor logits, SamplingParams sampling)
    {
        long v = logits.Size(1);
        sampling.CheckVocabulary(v);
        Tensor scaled = logits.AtLeastFloat32() / sampling.Temperature;                       // [B, V] z / T
        var (sorted, ids) = sampling.TopK > 0 && sampling.TopK < v
            ? scaled.TopK(sampling.TopK)                                                       // [B, K] descending
            : scaled.Sort(-1, descending: true);                                               // [B, V] descending
        Tensor logP = sorted.LogSoftmax(-1);                                                   // [B, K] log softmax(z/T) over top-k
        if (sampling.TopP >= 1) return (logP, ids);
        Tensor p = logP.Exp();                                                                 // [B, K]
        Tensor before = p.CumSum(-1) - p;                                                      // [B, K] mass of the more likely ids
        Tensor dropped = before.Ge(sampling.TopP);                                             // [B, K] outside the nucleus
        return (sorted.MaskedFill(dropped, double.NegativeInfinity).LogSoftmax(-1), ids);      // [B, K] renormalised
    }
}
