// The k2 KL estimator: half the squared log-ratio.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>k2</c> — kl_t = ½·(log π_θ(a_t) − log π_ref(a_t))²: non-negative, low variance, biased (second-order accurate when
/// the policies are close); TRL's <c>kl_penalty="mse"</c>. Schulman 2020, "Approximating KL Divergence".
/// </summary>
public sealed class K2 : IKlEstimator
{
    public string Name => "k2";

    public Tensor PerToken(Tensor logProbs, Tensor refLogProbs)
    {
        using var scope = NewDisposeScope();
        Tensor logRatio = logProbs - refLogProbs;                                    // [N, A] log ρ_t
        using var sc = new ScalarScope();
        return (logRatio * logRatio * sc[0.5]).MoveToOuterDisposeScope();                  // [N, A]
    }
}
