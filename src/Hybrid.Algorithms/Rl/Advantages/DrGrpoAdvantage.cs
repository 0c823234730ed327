// Dr. GRPO's advantage: the score minus its group mean, without GRPO's division by the group std.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>dr_grpo</c> — Â_{i,t} = r_i − mean(r_1..r_G). Dropping the std removes GRPO's question-difficulty bias (groups
/// with a small std get inflated advantages); the companion change is aggregating with a constant
/// (<c>seq_mean_token_sum_norm</c>) instead of 1/|o_i|. Liu et al. 2025, "Understanding R1-Zero-Like Training: A
/// Critical Perspective" (arXiv 2503.20783): β = 0, ε = 0.2. Needs G ≥ 2.
/// </summary>
public sealed class DrGrpoAdvantage : AdvantageEstimator
{
    public DrGrpoAdvantage(AdvantageSettings? settings = null) : base(settings) { }

    public override string Name => "dr_grpo";

    public override bool NeedsGroups => true;

    protected override (Tensor Advantages, Tensor? Returns) Estimate(AdvantageInputs inputs, long prompts)
    {
        Tensor scores = inputs.Scores.reshape(prompts, inputs.GroupSize);           // [P, G]
        Tensor advantage = (scores - scores.mean([1], keepdim: true)).reshape(-1);    // [N]
        return (Broadcast(advantage, inputs.Mask), null);
    }
}
