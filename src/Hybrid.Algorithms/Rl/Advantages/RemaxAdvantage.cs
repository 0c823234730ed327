// ReMax: the return minus the score of the prompt's greedy response (a baseline from one extra greedy decode).

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>remax</c> — Â_t = G_t − r(x, ŷ_greedy), where G_t = Σ_{k ≥ t} γ^{k−t} r_k is the return-to-go of the per-token
/// reward (score at the last token + TokenRewards); with outcome scores only, Â = r(x, y) − r(x, ŷ_greedy) on every token.
/// Li et al. 2023, "ReMax" (arXiv 2310.10505): one sampled + one greedy response per prompt (G = 1), no critic,
/// KL in the reward. The trainer scores the greedy response (<see cref="NeedsGreedyBaseline"/>) and passes it, repeated
/// over the group, as <see cref="AdvantageInputs.BaselineScores"/> [N].
/// </summary>
public sealed class RemaxAdvantage : AdvantageEstimator
{
    public RemaxAdvantage(AdvantageSettings? settings = null) : base(settings) { }

    public override string Name => "remax";

    public override bool NeedsGreedyBaseline => true;

    public override bool AcceptsTokenRewards => true;

    protected override (Tensor Advantages, Tensor? Returns) Estimate(AdvantageInputs inputs, long prompts)
    {
        Tensor baseline = inputs.BaselineScores                                      // [N] r(x, ŷ_greedy)
            ?? throw new ArgumentException("remax needs BaselineScores [N]: the score of each prompt's greedy response, repeated over its group", nameof(inputs));
        RlMath.CheckShape(baseline, nameof(inputs.BaselineScores), inputs.Scores.size(0));
        Tensor rewards = RlMath.TokenLevelRewards(inputs.Scores, inputs.Mask, inputs.TokenRewards); // [N, A]
        Tensor returns = RlMath.DiscountedReverseCumSum(rewards, Settings.Gamma);                   // [N, A]
        return ((returns - baseline.unsqueeze(1)) * inputs.Mask, null);
    }
}
