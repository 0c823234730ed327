// The per-token tensors every RL axis reads: N responses (prompt-major groups of G) × A response positions.
using Hybrid.Torch;

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// Inputs of the advantage estimators. N = prompts × G responses, prompt-major (sample g of prompt i at row i·G + g);
/// A = the longest response; positions past a response's end are padding (<see cref="Mask"/> 0). All float32, no grad.
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
    /// process rewards at step ends); null = none. The outcome score is added at each response's last token.</summary>
    public Tensor? TokenRewards { get; init; }

    /// <summary>[N, A] critic values V(s_t) (gae only).</summary>
    public Tensor? Values { get; init; }

    /// <summary>[N] the score of each prompt's greedy response, repeated over its group (remax only).</summary>
    public Tensor? BaselineScores { get; init; }

    /// <summary>γ discount (gae, reinforce returns). Default 1 (TRL).</summary>
    public double Gamma { get; init; } = 1.0;

    /// <summary>λ of GAE. Default 0.95 (TRL).</summary>
    public double Lambda { get; init; } = 0.95;

    /// <summary>ε added to the std in group/batch normalisation (default 1e-6).</summary>
    public double Epsilon { get; init; } = 1e-6;
}

/// <summary>[N, A] advantages Â (0 on padding) and [N, A] returns (value targets; equal to the advantages for critic-free estimators).</summary>
public sealed record AdvantageOutput(Tensor Advantages, Tensor Returns);

/// <summary>
/// Inputs of a policy loss: the current policy's log-probs (with grad), the behaviour (old) policy's, the advantages and
/// the mask, all [N, A] float32.
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
}

/// <summary>Per-token loss [N, A] (0 on padding; the aggregation reduces it) and metrics (<c>actor/pg_clipfrac</c>, <c>actor/ppo_kl</c>, …).</summary>
public sealed record PolicyLossOutput(Tensor TokenLoss, IReadOnlyDictionary<string, double> Metrics);
