// RAFT++: the PPO clipped surrogate restricted to positively rewarded samples.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>raft_pp</c> — Xiong et al. 2025, "A Minimalist Approach to LLM Reasoning: from Rejection Sampling to Reinforce"
/// (arXiv 2504.11343): ℓ_t = −𝟙[Â_t &gt; 0]·min(ρ_t·Â_t, clip(ρ_t, 1 − ε, 1 + ε)·Â_t): RAFT plus importance
/// sampling and PPO clipping, trained on positive samples only (the paper: IS without clipping is worse than plain RAFT).
/// ε = 0.2. Metric <c>actor/pg_clipfrac</c> counts positive tokens whose clipped branch is active.
/// </summary>
public sealed class RaftPlusPlusLoss : PolicyLoss
{
    /// <param name="clipLow">ε_low in [0, 1); the paper uses PPO's <see cref="PpoClipLoss.DefaultClip"/>.</param>
    public RaftPlusPlusLoss(double clipLow = PpoClipLoss.DefaultClip, double clipHigh = PpoClipLoss.DefaultClip)
    {
        ClipLow = CheckClip("raft_pp", clipLow, "ClipLow", lower: true);
        ClipHigh = CheckClip("raft_pp", clipHigh, "ClipHigh", lower: false);
    }

    public double ClipLow { get; }
    public double ClipHigh { get; }

    public override string Name => "raft_pp";

    public override bool ClipsRatio => true;

    protected override Tensor TokenLoss(PolicyLossInputs inputs, Dictionary<string, double> metrics)
    {
        double low = ClipLow, high = ClipHigh;
        Tensor advantages = inputs.Advantages;                                       // [N, A] Â_t
        using var sc = new ScalarScope();
        Tensor positive = advantages.gt(sc[0]);                                      // [N, A] bool
        Tensor ratio = LogRatio(inputs).exp();                                       // [N, A] ρ_t
        Tensor unclipped = -advantages * ratio;                                      // [N, A]
        Tensor clipped = -advantages * ratio.clamp(sc[1 - low], sc[1 + high]);      // [N, A]
        metrics["actor/pg_clipfrac"] = Fraction(clipped.gt(unclipped).logical_and(positive), inputs.Mask);
        return unclipped.maximum(clipped) * positive.to(ratio.dtype);
    }
}
