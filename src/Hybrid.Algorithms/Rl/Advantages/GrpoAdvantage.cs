// GRPO's group-relative advantage: each response's score standardised within the G responses to its prompt.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>grpo</c> — Â_{i,t} = (r_i − mean(r_1..r_G)) / (std(r_1..r_G) + ε) for every token t of response i (outcome
/// supervision). std is the UNBIASED (n − 1) standard deviation, as torch.std and TRL/verl compute it: the worked example
/// r = (1, 0, 2) has mean 1 and std 1, so Â = (0, −1, +1). A zero-variance group gets Â = 0 (0/ε).
/// Shao et al. 2024, "DeepSeekMath" (arXiv 2402.03300): G = 64, β = 0.04 (k3 KL in the loss), ε = 0.2, lr 1e-6,
/// seq_mean_token_mean aggregation. ε here defaults to 1e-6 (<see cref="AdvantageInputs.Epsilon"/>). Needs G ≥ 2.
/// </summary>
public sealed class GrpoAdvantage : AdvantageEstimator
{
    public GrpoAdvantage(AdvantageSettings? settings = null) : base(settings) { }

    public override string Name => "grpo";

    public override bool NeedsGroups => true;

    protected override (Tensor Advantages, Tensor? Returns) Estimate(AdvantageInputs inputs, long prompts)
    {
        Tensor scores = inputs.Scores.reshape(prompts, inputs.GroupSize);           // [P, G]
        Tensor mean = scores.mean([1], keepdim: true);                                // [P, 1]
        Tensor std = scores.std(1, unbiased: true, keepdim: true);                  // [P, 1] n − 1
        using var sc = new ScalarScope();
        Tensor advantage = ((scores - mean) / std.add(sc[Settings.Epsilon], sc[1])).reshape(-1);  // [N]
        return (Broadcast(advantage, inputs.Mask), null);
    }
}
