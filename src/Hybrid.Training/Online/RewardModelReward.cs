// A reward model as a reward function: each prompt + completion text is scored by an ORT reward model (IRewardScorer).
using Hybrid.Algorithms.Rewards;
using Hybrid.Rollout.Scoring;

namespace Hybrid.Training.Online;

/// <summary>
/// Scores <c>Prompt + Completion</c> (or <paramref name="text"/>(sample) when given, e.g. a chat rendering) with
/// <paramref name="scorer"/> in one batch. Logs <c>rewards/{name}/truncated</c>: rows longer than the scorer's max length.
/// The scorer stays owned by the caller.
/// </summary>
public sealed class RewardModelReward(IRewardScorer scorer, string name = "reward_model", Func<RewardSample, string>? text = null) : IRewardFunction
{
    private readonly IRewardScorer _scorer = scorer ?? throw new ArgumentNullException(nameof(scorer));
    private readonly Func<RewardSample, string> _text = text ?? (s => s.Prompt + s.Completion);

    public string Name { get; } = name;

    public RewardOutput Score(IReadOnlyList<RewardSample> samples)
    {
        RewardScores result = _scorer.Score(samples.Select(_text).ToList());
        return new RewardOutput(result.Scores.Select(s => (double)s).ToArray(),
            new Dictionary<string, double> { ["truncated"] = result.TruncatedRows });
    }
}
