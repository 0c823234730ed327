// How far the rollout engine's log-probs drift from the trainer's for the same tokens (issue item 5 diagnostics).

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// The rollout engine (ONNX Runtime GenAI, other kernels, maybe int4) and the trainer (libtorch) give slightly different
/// log-probs for the same sampled tokens, so "on-policy" samples are really off-policy (Yao et al. 2025, "Your Efficient
/// RL Framework Secretly Brings You Off-Policy RL Training", fengyao.notion.site). From rollout log-probs and the trainer's
/// old log-probs [N, A] and the mask, over masked tokens:
/// <c>rollout_corr/mean_abs_diff</c> = mean |log π_old − log π_rollout|, <c>rollout_corr/max_abs_diff</c> = max of the same,
/// <c>rollout_corr/kl</c> = mean k3 estimate of KL(π_rollout‖π_old) under the rollout samples
/// (ρ = π_old/π_rollout; ρ − 1 − log ρ, log ρ clamped to ±20).
/// </summary>
public static class RolloutMismatch
{
    public static IReadOnlyDictionary<string, double> Measure(Tensor rolloutLogProbs, Tensor oldLogProbs, Tensor mask)
    {
        RlMath.CheckShape(rolloutLogProbs, nameof(rolloutLogProbs), mask.shape);
        RlMath.CheckShape(oldLogProbs, nameof(oldLogProbs), mask.shape);
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        Tensor absDiff = (oldLogProbs - rolloutLogProbs).abs() * mask;               // [N, A]
        Tensor kl = new K3().PerToken(rolloutLogProbs, oldLogProbs);                 // [N, A]
        return new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["rollout_corr/mean_abs_diff"] = RlMath.MaskedMean(absDiff, mask).ToDouble(),
            ["rollout_corr/max_abs_diff"] = mask.sum().ToDouble() > 0 ? absDiff.max().ToDouble() : 0,
            ["rollout_corr/kl"] = RlMath.MaskedMean(kl, mask).ToDouble(),
        };
    }
}
