// The per-token tensors every RL axis reads: N responses (prompt-major groups of G) × A response positions.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// Inputs of the advantage estimators. N = prompts × G responses, prompt-major (sample g of prompt i at row i·G + g);
/// A = the longest response; positions past a response's end are padding (<see cref="Mask"/> 0, right padding: the mask
/// of a row is a prefix of ones). All float32 (float64 works too), no grad.
/// </summary>
public sealed record AdvantageInputs
{
    /// <summary>[N] the outcome score of each response (the reward functions' weighted sum, after shaping).</summary>
    public required Tensor Scores { get; init; }

    /// <summary>[N, A] 1 on response tokens, 0 on padding (float32).</summary>
    public required Tensor Mask { get; init; }

    /// <summary>G: responses per prompt (N must be a multiple).</summary>
    public required int GroupSize { get; init; }

    /// <summary>[N, A] extra per-token rewards added before the estimator runs (PPO/TRL style: −β·kl_t at every token;
    /// process rewards at step ends); null = none. The outcome score is added at each response's last token.
    /// Only the estimators with <see cref="IAdvantageEstimator.AcceptsTokenRewards"/> read them (reinforce, reinforce_pp,
    /// remax, gae; rloo sums them into the sequence reward); the outcome-only ones (grpo, dr_grpo, reinforce_baseline)
    /// reject them rather than ignore them.</summary>
    public Tensor? TokenRewards { get; init; }

    /// <summary>[N, A] critic values V(s_t) (gae only; other estimators ignore them).</summary>
    public Tensor? Values { get; init; }

    /// <summary>[N] the score of each prompt's greedy response, repeated over its group (remax only).</summary>
    public Tensor? BaselineScores { get; init; }
}

/// <summary>[N, A] advantages Â (0 on padding) and [N, A] returns (the critic's value targets R̂ = Â + V for gae, before
/// whitening; for critic-free estimators the very same tensor as the advantages). Both belong to the caller's scope.</summary>
public sealed record AdvantageOutput(Tensor Advantages, Tensor Returns);

/// <summary>
/// Inputs of a policy loss: the current policy's log-probs (with grad), the behaviour (old) policy's, the advantages and
/// the mask, all [N, A] float32 (float64 works too), plus the loss's hyperparameters (null = the loss's paper default)
/// and the extra tensors gvpo needs.
/// </summary>
public sealed record PolicyLossInputs
{
    /// <summary>[N, A] log π_θ(a_t|s_t) of the sampled tokens (with grad).</summary>
    public required Tensor LogProbs { get; init; }

    /// <summary>[N, A] log π_old(a_t|s_t) (no grad): the trainer's recomputation for the rollout policy.</summary>
    public required Tensor OldLogProbs { get; init; }

    /// <summary>[N, A] Â_t (no grad).</summary>
    public required Tensor Advantages { get; init; }

    /// <summary>[N, A] 1 on response tokens, 0 on padding (float32).</summary>
    public required Tensor Mask { get; init; }

    /// <summary>[N, A] log π_ref(a_t|s_t) (no grad); gvpo only.</summary>
    public Tensor? RefLogProbs { get; init; }

    /// <summary>[N] the raw outcome scores R(x, y_i); gvpo only (it centres them per group itself).</summary>
    public Tensor? Scores { get; init; }

    /// <summary>G, responses per prompt; gvpo only.</summary>
    public int? GroupSize { get; init; }
}

/// <summary>Per-token loss [N, A] (0 on padding; the aggregation reduces it) and metrics (<c>actor/pg_clipfrac</c>, <c>actor/ppo_kl</c>, …).</summary>
public sealed record PolicyLossOutput(Tensor TokenLoss, IReadOnlyDictionary<string, double> Metrics);
