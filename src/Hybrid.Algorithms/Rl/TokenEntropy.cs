// The entropy of the policy's next-token distribution at every response position, for the entropy bonus and monitoring.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// H_t = −Σ_v π(v)·log π(v) over the vocabulary, computed from logits z as H = logsumexp(z) − Σ_v softmax(z)_v·z_v
/// (no log of a probability, so no log 0; stable for large logits). Card B7: the PPO objective adds c₂·H (loss −= c₂·H,
/// aggregated like the policy loss); typical c₂ = 0–0.01 (verl default 0). Divide the logits by the sampling temperature
/// first to measure the distribution that was sampled. The mean over masked tokens (<see cref="MaskedMean"/>) is
/// verl's <c>actor/entropy</c>; a fast fall signals entropy collapse (DAPO).
/// </summary>
public static class TokenEntropy
{
    /// <summary>logits [N, A, V] → [N, A] entropy in nats (differentiable).</summary>
    public static Tensor FromLogits(Tensor logits)
    {
        if (logits.dim() != 3) throw new ArgumentException($"logits must be [N, A, V]; got [{string.Join(", ", logits.shape)}]", nameof(logits));
        using var scope = NewDisposeScope();
        Tensor logNormaliser = logits.logsumexp(-1);                                 // [N, A]
        Tensor expected = (logits.softmax(-1) * logits).sum(-1);                     // [N, A] E_π[z]
        return (logNormaliser - expected).MoveToOuterDisposeScope();
    }

    /// <summary>The mean entropy over masked tokens, as logged (<c>actor/entropy</c>). entropy [N, A], mask [N, A] → [].</summary>
    public static Tensor MaskedMean(Tensor entropy, Tensor mask)
    {
        using var scope = NewDisposeScope();
        return RlMath.MaskedMean(entropy, mask).MoveToOuterDisposeScope();
    }
}
