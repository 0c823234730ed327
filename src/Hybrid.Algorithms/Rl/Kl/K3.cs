// The k3 KL estimator GRPO uses: ρ⁻¹ − 1 + log ρ, non-negative and unbiased.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>k3</c> — kl_t = π_ref/π_θ − log(π_ref/π_θ) − 1 = exp(d) − d − 1 with d = log π_ref(a_t) − log π_θ(a_t) (≥ 0,
/// unbiased for KL(π_θ‖π_ref) under samples from π_θ, low variance). DeepSeekMath's GRPO KL (β = 0.04, in the loss);
/// verl's <c>low_var_kl</c>. Schulman 2020, "Approximating KL Divergence".
/// Stability: d is clamped to [−20, 20] before the exp (exp(20) ≈ 4.9e8 stays finite in float32); outside that range
/// the estimate is the clamped one and its gradient is 0. verl's low_var_kl clamps d the same way and additionally
/// clamps the estimate to [−10, 10]; we keep the estimate unclamped so it stays the exact formula inside ±20.
/// </summary>
public sealed class K3 : IKlEstimator
{
    /// <summary>The bound on |log π_ref − log π_θ| before the exponential.</summary>
    public const double LogRatioClamp = 20.0;

    public string Name => "k3";

    public Tensor PerToken(Tensor logProbs, Tensor refLogProbs)
    {
        using var scope = NewDisposeScope();
        using var sc = new ScalarScope();
        Tensor d = (refLogProbs - logProbs).clamp(sc[-LogRatioClamp], sc[LogRatioClamp]);  // [N, A] log(π_ref/π_θ)
        return (d.exp() - d - sc[1.0]).MoveToOuterDisposeScope();                          // [N, A]
    }
}
