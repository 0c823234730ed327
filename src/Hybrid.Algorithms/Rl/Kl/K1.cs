// The k1 KL estimator: the plain log-ratio of the sampled token.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>k1</c> — kl_t = log π_θ(a_t) − log π_ref(a_t) = log ρ_t. Unbiased for KL(π_θ‖π_ref) under samples from π_θ but
/// can be negative per token and has high variance. TRL's default in the PPO reward (r_t = −β·kl_t); REINFORCE++.
/// Schulman 2020, "Approximating KL Divergence" (joschu.net/blog/kl-approx.html).
/// </summary>
public sealed class K1 : IKlEstimator
{
    public string Name => "k1";

    public Tensor PerToken(Tensor logProbs, Tensor refLogProbs) => logProbs - refLogProbs; // [N, A]
}
