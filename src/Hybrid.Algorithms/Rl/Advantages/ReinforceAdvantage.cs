// Plain REINFORCE: the discounted return-to-go of the per-token reward, with no baseline.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>reinforce</c> — Â_t = G_t = Σ_{k ≥ t} γ^{k−t} r_k, with the per-token reward r_k = TokenRewards_k + score·[k is the
/// last response token]. No baseline: with only an outcome score and γ = 1 every token gets the raw score (Reinforce-Rej
/// and RAFT use exactly that: ±1 or 0/1 rewards). Williams 1992, "Simple statistical gradient-following algorithms"
/// (Machine Learning 8). γ = 1 for LLM episodes (TRL default).
/// </summary>
public sealed class ReinforceAdvantage : AdvantageEstimator
{
    public ReinforceAdvantage(AdvantageSettings? settings = null) : base(settings) { }

    public override string Name => "reinforce";

    public override bool AcceptsTokenRewards => true;

    protected override (Tensor Advantages, Tensor? Returns) Estimate(AdvantageInputs inputs, long prompts)
    {
        Tensor rewards = RlMath.TokenLevelRewards(inputs.Scores, inputs.Mask, inputs.TokenRewards); // [N, A]
        return (RlMath.DiscountedReverseCumSum(rewards, Settings.Gamma) * inputs.Mask, null);
    }
}
