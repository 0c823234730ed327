// Builders of reward samples for the reward-function tests.
using Hybrid.Algorithms.Rewards;

namespace Hybrid.Algorithms.Tests.Rewards;

internal static class RewardTestData
{
    /// <summary>A sample with <paramref name="completion"/>, the ground truth in column "answer" (when given) and a token count.</summary>
    public static RewardSample Sample(string completion, string? answer = null, int tokens = 0, string prompt = "q") =>
        new(prompt, completion, answer is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["answer"] = answer })
        {
            CompletionTokens = tokens,
        };

    /// <summary>Scores of one reward function over completions that share the ground truth <paramref name="answer"/>.</summary>
    public static double[] Scores(IRewardFunction reward, string answer, params string[] completions) =>
        reward.Score(completions.Select(c => Sample(c, answer)).ToList()).Scores;
}
