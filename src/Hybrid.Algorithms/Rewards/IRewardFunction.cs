// The reward-function interface of online RL: (prompt, completion, dataset columns) → score, plus extra metrics.

namespace Hybrid.Algorithms.Rewards;

/// <summary>
/// One sampled completion as a reward function sees it. <see cref="Columns"/> holds the dataset row's other fields
/// (e.g. "answer", "solution"), so rule rewards can compare against the ground truth.
/// </summary>
public sealed record RewardSample(string Prompt, string Completion, IReadOnlyDictionary<string, string> Columns)
{
    /// <summary>Response length in tokens (for length penalties and overlong shaping).</summary>
    public int CompletionTokens { get; init; }

    /// <summary>True when the completion ended by hitting the token budget rather than a stop token.</summary>
    public bool Truncated { get; init; }
}

/// <summary>Scores of a batch [N] and extra metrics (logged as <c>rewards/{name}/{metric}</c>).</summary>
public sealed record RewardOutput(double[] Scores, IReadOnlyDictionary<string, double>? Metrics = null);

/// <summary>
/// A reward function, batch at a time (a reward model scores a batch at once; rules score each row). Scores are
/// finite doubles; the trainer logs <c>rewards/{Name}/mean</c> for each function and combines them with weights.
/// </summary>
public interface IRewardFunction
{
    /// <summary>Name used in metrics (<c>rewards/{Name}/mean</c>).</summary>
    string Name { get; }

    /// <summary>
    /// Dataset columns every row must have for this reward (e.g. <c>answer</c> for accuracy). Checked against the whole
    /// prompts file before a run starts, so a missing column is an error naming the file and row, not a failure mid-run.
    /// </summary>
    IReadOnlyList<string> RequiredColumns => [];

    RewardOutput Score(IReadOnlyList<RewardSample> samples);
}
