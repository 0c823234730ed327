// Where the KL(π_θ‖π_ref) penalty enters the objective (docs/algorithms.md).

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// Where β·KL(π_θ‖π_ref) goes. PPO/TRL put it in the reward (r_t = −β·kl_t at every token, the score at the last one),
/// so it shapes the advantages through the estimator; GRPO (DeepSeekMath) adds β·KL to the loss and keeps Â = f(scores);
/// DAPO drops it.
/// </summary>
public enum KlPlacement
{
    /// <summary>No KL term (DAPO, Dr. GRPO, GSPO, …): no reference model is needed for the penalty.</summary>
    None,

    /// <summary>loss += β · aggregate(kl_t) with the per-token estimator (GRPO: k3, β = 0.04).</summary>
    InLoss,

    /// <summary>TokenRewards −= β·kl_t (PPO/TRL: k1, adaptive β from 0.2); requires an estimator that accepts token rewards.</summary>
    InReward,
}
