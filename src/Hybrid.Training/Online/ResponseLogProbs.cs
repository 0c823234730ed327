// Per-token log-probabilities of scored responses under a trainer model: RL's old, reference and current log-probs, and (summed) preference training's.
using Hybrid.Models.Decoder;

namespace Hybrid.Training.Online;

public static class ResponseLogProbs
{
    /// <summary>
    /// [N, A] log π(y_j | x, y_&lt;j) of each response token under <paramref name="model"/> with the logits divided by
    /// <paramref name="temperature"/> (the sampler's temperature, so ratios against rollout log-probs compare like with
    /// like), 0 on padding. Differentiable when gradients are on.
    /// </summary>
    public static Tensor Compute(DecoderModel model, ResponseBatch batch, double temperature = 1.0)
    {
        Tensor logProbs = model.TokenLogProbs(batch.InputIds, batch.Targets, batch.AttentionMask, batch.FirstPosition, temperature);  // [N, A]
        return logProbs * batch.Mask;                                                                                                 // [N, A]
    }

    /// <summary>
    /// <see cref="Compute"/> and the entropy H of each response position's temperature-scaled distribution (nats), both
    /// from the same logits: ([N, A], [N, A]), 0 on padding. RL takes π_old (with the entropy it logs), π_ref and π_θ
    /// (with the entropy bonus) all through this one kernel.
    /// </summary>
    public static (Tensor LogProbs, Tensor Entropy) WithEntropy(DecoderModel model, ResponseBatch batch, double temperature = 1.0)
    {
        var (logProbs, entropy) = model.TokenLogProbsAndEntropy(batch.InputIds, batch.Targets, batch.AttentionMask, batch.FirstPosition, temperature);  // [N, A] each
        return (logProbs * batch.Mask, entropy * batch.Mask);                                                                                         // [N, A] each
    }
}
