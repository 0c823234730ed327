// REINFORCE++: the return-to-go of per-token rewards (k1 KL penalty + score at the end), whitened over the batch.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>reinforce_pp</c> — REINFORCE++ (Hu 2025, arXiv 2501.03262): per-token reward r_t = TokenRewards_t + score·[t last],
/// where the trainer passes TokenRewards = −β·k1_t (KlPlacement.InReward); G_t = Σ_{k ≥ t} γ^{k−t} r_k; then
/// Â = (G − mean)/(std + ε) over ALL masked tokens of the batch (global normalisation, no per-prompt std), used with the
/// PPO-clip surrogate and no critic. Paper: γ = 1, β = 0.01 (k1 in the reward), ε = 0.2, token_mean.
/// Whitening is part of the definition (<see cref="AdvantageInputs.Whiten"/> = false turns it into <c>reinforce</c>).
/// </summary>
public sealed class ReinforcePlusPlusAdvantage : AdvantageEstimator
{
    public ReinforcePlusPlusAdvantage(AdvantageSettings? settings = null) : base(settings) { }

    public override string Name => "reinforce_pp";

    public override bool AcceptsTokenRewards => true;

    protected override bool WhitenByDefault => true;

    protected override (Tensor Advantages, Tensor? Returns) Estimate(AdvantageInputs inputs, long prompts)
    {
        Tensor rewards = RlMath.TokenLevelRewards(inputs.Scores, inputs.Mask, inputs.TokenRewards); // [N, A]
        return (RlMath.DiscountedReverseCumSum(rewards, Settings.Gamma) * inputs.Mask, null);
    }
}
