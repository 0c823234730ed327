// The vanilla policy-gradient loss: minus the advantage times the log-probability, no ratio.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>reinforce</c> — ℓ_t = −Â_t·log π_θ(a_t|s_t): the on-policy REINFORCE gradient Â·∇log π (Williams 1992), no
/// importance ratio and no clipping, so it is only correct for one update on fresh samples (μ = 1). Card E3: including
/// all-wrong prompts hurts; pair it with a filter (reinforce_rej) or a baseline.
/// </summary>
public sealed class ReinforceLoss : PolicyLoss
{
    public override string Name => "reinforce";

    public override bool OnPolicyOnly => true;

    protected override Tensor TokenLoss(PolicyLossInputs inputs, Dictionary<string, double> metrics)
    {
        metrics["actor/pg_clipfrac"] = 0;
        return -inputs.Advantages * inputs.LogProbs;                                 // [N, A]
    }
}
