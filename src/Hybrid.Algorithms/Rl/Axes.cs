// The independent axes of the critic-free/PPO family (verl's core_algos split): estimator × policy loss × aggregation × KL.

namespace Hybrid.Algorithms.Rl;

/// <summary>Turns scores (and optionally token rewards / values) into advantages: grpo, dr_grpo, rloo, reinforce, reinforce_baseline, reinforce_pp, remax, gae.</summary>
public interface IAdvantageEstimator
{
    string Name { get; }

    /// <summary>True for gae: the trainer must run a critic.</summary>
    bool NeedsCritic { get; }

    /// <summary>True for remax: the trainer must score one greedy response per prompt.</summary>
    bool NeedsGreedyBaseline { get; }

    /// <summary>True when the estimator reads <see cref="AdvantageInputs.TokenRewards"/> (reinforce, reinforce_pp, remax,
    /// rloo, gae), so a KL penalty can go into the reward (<see cref="KlPlacement.InReward"/>).</summary>
    bool AcceptsTokenRewards { get; }

    AdvantageOutput Compute(AdvantageInputs inputs);
}

/// <summary>The per-token surrogate: ppo_clip (decoupled ε_low/ε_high, dual clip), gspo, gmpo, reinforce, raft, raft_pp, gvpo.</summary>
public interface IPolicyLoss
{
    string Name { get; }

    /// <summary>True for gvpo: the inputs must carry reference log-probs, scores and the group size.</summary>
    bool NeedsReference { get; }

    /// <summary>Clips the importance ratio π_θ/π_old to [1 − ε_low, 1 + ε_high] (ppo_clip, raft_pp, gspo): ε_low must be &lt; 1.</summary>
    bool ClipsRatio => false;

    /// <summary>Takes a clip range ε_low/ε_high (the ratio clippers, and gmpo in log space).</summary>
    bool ReadsClipRange => ClipsRatio;

    /// <summary>Accepts the dual clip c for negative advantages (ppo_clip).</summary>
    bool SupportsDualClip => false;

    /// <summary>Has no importance ratio (reinforce, raft): its samples are on-policy for one pass only, so μ must be 1.</summary>
    bool OnPolicyOnly => false;

    /// <summary>Reads a β of its own (gvpo): <c>GvpoBeta</c>, or else the KL controller's β.</summary>
    bool TakesBeta => false;

    /// <summary>Couples the responses of a prompt group within the loss (gvpo's centring): a micro-batch must hold whole groups.</summary>
    bool NeedsWholeGroups => false;

    PolicyLossOutput Compute(PolicyLossInputs inputs);
}

/// <summary>Reduces a per-token loss [N, A] with its mask to a scalar: token_mean, seq_mean_token_mean, seq_mean_token_sum, seq_mean_token_sum_norm.</summary>
public interface ILossAggregation
{
    string Name { get; }

    /// <summary>tokenLoss [N, A], mask [N, A] float32 → [] (differentiable): <see cref="Sum"/> / <see cref="Normaliser"/>.</summary>
    Tensor Aggregate(Tensor tokenLoss, Tensor mask);

    /// <summary>
    /// The numerator of <see cref="Aggregate"/>, [] (differentiable): a sum over rows, so the rows split into parts
    /// (gradient-accumulation micro-batches) give Σ_parts Sum(part) = Sum(all).
    /// </summary>
    Tensor Sum(Tensor tokenLoss, Tensor mask);

    /// <summary>The denominator of <see cref="Aggregate"/> from the mask [N, A] of all rows (≥ 1: an empty mask aggregates to 0).</summary>
    double Normaliser(Tensor mask);
}

/// <summary>Per-token KL estimate between the policy and the reference from sampled-token log-probs: k1, k2, k3 (and abs).</summary>
public interface IKlEstimator
{
    string Name { get; }

    /// <summary>logProbs [N, A] (grad when used in the loss), refLogProbs [N, A] → [N, A] per-token estimate.</summary>
    Tensor PerToken(Tensor logProbs, Tensor refLogProbs);
}

/// <summary>The KL coefficient β over training: fixed, or adaptive towards a target KL (Ziegler et al. 2019).</summary>
public interface IKlController
{
    string Name { get; }

    /// <summary>The current β.</summary>
    double Value { get; }

    /// <summary>After an iteration that measured <paramref name="currentKl"/> over <paramref name="steps"/> samples.</summary>
    void Update(double currentKl, long steps);

    /// <summary>True when β follows the measured KL (adaptive), so the KL must be placed somewhere to be measured.</summary>
    bool NeedsMeasuredKl => false;

    /// <summary>A resumed run's β, as its checkpoint recorded <see cref="Value"/> (a fixed β never moves: nothing to restore).</summary>
    void Restore(double value) { }
}

/// <summary>Decides whether a group of G responses to one prompt stays in the batch (dynamic sampling, Reinforce-Rej, variance threshold).</summary>
public interface IGroupFilter
{
    string Name { get; }

    /// <summary>groupScores: the G outcome scores of one prompt's responses.</summary>
    bool Keep(ReadOnlySpan<double> groupScores);
}
