// One iteration's experience: sampled responses and everything computed about them before the update (OpenRLHF's Experience).
using Hybrid.Training.Data;
using Hybrid.Training.Loop;
using RolloutSample = Hybrid.Rollout.Rollout;
using Hybrid.Training.Online;

namespace Hybrid.Training.Rl;

/// <summary>
/// N = kept prompts × G responses, prompt-major; A = the longest response. Tensors are float32 and owned by the
/// iteration's scope; "no grad" everywhere — the update recomputes log π_θ with gradients.
/// </summary>
public sealed class Experience
{
    /// <summary>[N] the sampled responses (prompt ids, response ids, rollout log-probs, finish reason, policy version).</summary>
    public required IReadOnlyList<RolloutSample> Samples { get; init; }

    /// <summary>[N] the dataset row each sample answers.</summary>
    public required IReadOnlyList<PromptRow> Rows { get; init; }

    /// <summary>G, responses per prompt.</summary>
    public required int GroupSize { get; init; }

    /// <summary>Prompt + response layout: ids [N, P + A − 1], targets [N, A], mask [N, A].</summary>
    public required ResponseBatch Batch { get; init; }

    /// <summary>[N, A] log q(y_j) under the distribution GenAI sampled from (the behaviour policy as the engine ran it).</summary>
    public required Tensor RolloutLogProbs { get; init; }

    /// <summary>[N] each response's total score Σ_k w_k r_k(x, y) after shaping (overlong, GRPO-λ).</summary>
    public required Tensor Scores { get; init; }

    /// <summary>[N, A] log π_old(y_j) recomputed by the trainer before the update (the ratio's denominator).</summary>
    public Tensor? OldLogProbs { get; set; }

    /// <summary>[N, A] log π_ref(y_j) of the frozen reference; null when the algorithm uses no KL.</summary>
    public Tensor? RefLogProbs { get; set; }

    /// <summary>[N, A] V(s_j) of the critic before the update (PPO).</summary>
    public Tensor? Values { get; set; }

    /// <summary>[N, A] per-token rewards added before the estimator (−β·kl_t when the KL sits in the reward).</summary>
    public Tensor? TokenRewards { get; set; }

    /// <summary>[N, A] Â_t.</summary>
    public Tensor? Advantages { get; set; }

    /// <summary>[N, A] value targets R̂_t = Â_t + V(s_t) (PPO).</summary>
    public Tensor? Returns { get; set; }

    /// <summary>[N, A] per-token weights of the rollout/trainer mismatch correction (truncated IS × sequence mask); null = 1.</summary>
    public Tensor? CorrectionWeights { get; set; }

    /// <summary>[N] the score of each prompt's greedy response repeated over its group (ReMax's baseline).</summary>
    public Tensor? BaselineScores { get; set; }

    public int Count => Samples.Count;
}
