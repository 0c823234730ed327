// Token-level truncated importance sampling: reweights each token's loss by the capped trainer/rollout probability ratio.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// TIS (Yao et al. 2025, "Your Efficient RL Framework Secretly Brings You Off-Policy RL Training"): the samples came
/// from π_rollout, the loss assumes π_old, so each token is reweighted by w_t = min(π_old(a_t)/π_rollout(a_t), C) =
/// min(exp(log π_old − log π_rollout), C) (log ratio clamped to ±20), no gradient, 0 on padding. Truncating at C bounds
/// the variance (C = 2 default, as the blog and ms-swift). How the trainer applies it: multiply the policy loss's
/// per-token loss by the weights BEFORE aggregating — <c>agg.Aggregate(loss.TokenLoss * w, mask)</c> — as verl does with
/// its rollout-IS weights; the KL and entropy terms are not reweighted.
/// </summary>
public sealed class TruncatedImportanceSampling
{
    public TruncatedImportanceSampling(double cap = 2.0)
    {
        if (!(cap >= 1)) throw new ArgumentOutOfRangeException(nameof(cap), cap, "TIS cap C must be ≥ 1 (default 2)");
        Cap = cap;
    }

    public double Cap { get; }

    /// <summary>[N, A] weights and the metrics <c>rollout_corr/tis_mean</c> (mean weight) and <c>rollout_corr/tis_clipfrac</c> (tokens capped).</summary>
    public (Tensor Weights, IReadOnlyDictionary<string, double> Metrics) Weights(Tensor rolloutLogProbs, Tensor oldLogProbs, Tensor mask)
    {
        RlMath.CheckShape(rolloutLogProbs, nameof(rolloutLogProbs), mask.shape);
        RlMath.CheckShape(oldLogProbs, nameof(oldLogProbs), mask.shape);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var sc = new ScalarScope();
        Tensor ratio = (oldLogProbs - rolloutLogProbs).clamp(sc[-20], sc[20]).exp(); // [N, A] π_old/π_rollout
        Tensor weights = ratio.clamp(max: sc[Cap]) * mask;                           // [N, A]
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["rollout_corr/tis_mean"] = RlMath.MaskedMean(weights, mask).ToDouble(),
            ["rollout_corr/tis_clipfrac"] = RlMath.MaskedMean(ratio.gt(sc[Cap]).to(mask.dtype), mask).ToDouble(),
        };
        return (weights.MoveToOuterDisposeScope(), metrics);
    }
}
