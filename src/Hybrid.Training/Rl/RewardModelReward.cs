// A reward function backed by an exported reward model (or an ensemble) scored on ONNX Runtime.
using Hybrid.Algorithms.Rewards;
using Hybrid.Rollout.Scoring;

namespace Hybrid.Training.Rl;

/// <summary>
/// r(x, y) = the reward model's score of the text prompt + completion (ORT with IOBinding; an ensemble averages its
/// members, C12). The scorer is owned by the caller.
/// </summary>
public sealed class RewardModelReward(IRewardScorer scorer, string name = "reward_model") : IRewardFunction
{
    public string Name { get; } = name;

    public RewardOutput Score(IReadOnlyList<RewardSample> samples)
    {
        RewardScores scores = scorer.Score(samples.Select(s => ScoringText.PromptResponse(s.Prompt, s.Completion)).ToList(),
            describe: i => $"completion {i}");
        return new RewardOutput(scores.Scores.Select(s => (double)s).ToArray(),
            new Dictionary<string, double> { ["truncated"] = scores.TruncatedRows });
    }
}
