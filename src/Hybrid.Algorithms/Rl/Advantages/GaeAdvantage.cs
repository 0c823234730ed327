// Generalized Advantage Estimation: exponentially weighted TD residuals of a critic, computed backwards per token.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>gae</c> — Schulman et al. 2016, "High-Dimensional Continuous Control Using Generalized Advantage Estimation"
/// (arXiv 1506.02438): r_t = TokenRewards_t + score·[t last] (TRL: −β·kl_t at every token), V = Values·mask,
/// δ_t = r_t + γ·V_{t+1} − V_t with V_{t+1} = 0 after the last token, Â_t = δ_t + γλ·Â_{t+1}, returns R̂_t = Â_t + V_t
/// (the value targets, before whitening). λ = 1 gives the discounted return − V (Monte Carlo), λ = 0 the one-step TD
/// residual. Advantages are whitened over the masked tokens by default, as TRL/verl do. TRL defaults: γ = 1, λ = 0.95.
/// </summary>
public sealed class GaeAdvantage : AdvantageEstimator
{
    public GaeAdvantage(AdvantageSettings? settings = null) : base(settings) { }

    public override string Name => "gae";

    public override bool NeedsCritic => true;

    public override bool AcceptsTokenRewards => true;

    protected override bool WhitenByDefault => true;

    protected override (Tensor Advantages, Tensor? Returns) Estimate(AdvantageInputs inputs, long prompts)
    {
        Tensor mask = inputs.Mask;                                                   // [N, A]
        Tensor rawValues = inputs.Values                                             // [N, A] V(s_t) from the critic
            ?? throw new ArgumentException("gae needs Values [N, A] from the critic", nameof(inputs));
        RlMath.CheckShape(rawValues, nameof(inputs.Values), mask.size(0), mask.size(1));
        Tensor values = rawValues * mask;                                            // [N, A] V(s_t), 0 on padding
        Tensor rewards = RlMath.TokenLevelRewards(inputs.Scores, mask, inputs.TokenRewards); // [N, A]
        Tensor nextValues = torch.cat(                                            // [N, A] V(s_{t+1}), 0 past the end
            [values.slice(1, 1, long.MaxValue, 1), torch.zeros([mask.size(0), 1], values.dtype)], 1);
        using var sc = new ScalarScope();
        Tensor deltas = rewards.add(nextValues * sc[Settings.Gamma], sc[1]) - values;  // [N, A] δ_t
        Tensor advantages = RlMath.DiscountedReverseCumSum(deltas, Settings.Gamma * Settings.Lambda) * mask; // [N, A]
        return (advantages, advantages.add(values, sc[1]) * mask);
    }
}
