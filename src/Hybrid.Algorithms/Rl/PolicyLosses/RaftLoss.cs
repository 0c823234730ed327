// RAFT: supervised fine-tuning (negative log-likelihood) on the positively rewarded samples only.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>raft</c> — Reward rAnked FineTuning (Dong et al. 2023, arXiv 2304.06767): ℓ_t = −log π_θ(a_t)·𝟙[Â_t &gt; 0]:
/// the NLL of the accepted samples, 0 for the others (rejection sampling + SFT). With <c>reinforce</c> advantages and
/// 0/1 (or ±1) rewards, Â &gt; 0 means "correct". Xiong et al. 2025 (arXiv 2504.11343) use it as the RAFT baseline with
/// token_mean aggregation.
/// </summary>
public sealed class RaftLoss : PolicyLoss
{
    public override string Name => "raft";

    public override bool OnPolicyOnly => true;

    protected override Tensor TokenLoss(PolicyLossInputs inputs, Dictionary<string, double> metrics)
    {
        metrics["actor/pg_clipfrac"] = 0;
        using var sc = new ScalarScope();
        Tensor positive = inputs.Advantages.gt(sc[0]).to(inputs.LogProbs.dtype);     // [N, A] 𝟙[Â > 0]
        return -inputs.LogProbs * positive;                                          // [N, A]
    }
}
