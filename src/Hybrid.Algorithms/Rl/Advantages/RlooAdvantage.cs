// RLOO's advantage: each score minus the mean score of the other G − 1 responses to the same prompt.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>rloo</c> — REINFORCE Leave-One-Out: Â_{i,t} = r_i − (1/(G−1))·Σ_{j≠i} r_j = G/(G−1)·(r_i − mean r), an unbiased
/// baseline (r_i's own sample is not in it). Kool et al. 2019 ("Buy 4 REINFORCE samples, get a baseline for free");
/// Ahmadian et al. 2024, "Back to Basics" (arXiv 2402.14740): k = G = 2–4 already helps. Needs G ≥ 2.
/// RLOO treats the whole response as one action: given TokenRewards (a KL penalty −β·kl_t, KlPlacement.InReward, as
/// TRL's RLOO with β = 0.05), r_i = score_i + Σ_t TokenRewards_{i,t}·m_{i,t} before the leave-one-out baseline.
/// </summary>
public sealed class RlooAdvantage : AdvantageEstimator
{
    public RlooAdvantage(AdvantageSettings? settings = null) : base(settings) { }

    public override string Name => "rloo";

    public override bool NeedsGroups => true;

    public override bool AcceptsTokenRewards => true;

    protected override (Tensor Advantages, Tensor? Returns) Estimate(AdvantageInputs inputs, long prompts)
    {
        int g = inputs.GroupSize;
        using var sc = new ScalarScope();
        Tensor rewards = inputs.TokenRewards is null ? inputs.Scores                 // [N] sequence-level reward
            : inputs.Scores.add((inputs.TokenRewards * inputs.Mask).sum(1), sc[1]);
        Tensor scores = rewards.reshape(prompts, g);                                 // [P, G]
        Tensor others = (scores.sum(1, keepdim: true) - scores) / sc[g - 1];        // [P, G] mean of the other G − 1
        Tensor advantage = (scores - others).reshape(-1);                           // [N]
        return (Broadcast(advantage, inputs.Mask), null);
    }
}
