// The absolute log-ratio KL penalty.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>abs</c> — kl_t = |log π_θ(a_t) − log π_ref(a_t)|: non-negative, biased; TRL's <c>kl_penalty="abs"</c>.
/// </summary>
public sealed class AbsKl : IKlEstimator
{
    public string Name => "abs";

    public Tensor PerToken(Tensor logProbs, Tensor refLogProbs)
    {
        using var scope = NewDisposeScope();
        return (logProbs - refLogProbs).abs().MoveToOuterDisposeScope();                   // [N, A]
    }
}
