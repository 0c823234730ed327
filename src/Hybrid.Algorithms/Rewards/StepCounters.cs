// Step counters: how many reasoning steps a completion shows (the "step completeness" part of a layered reward).
using System.Text.RegularExpressions;
using Hybrid.Algorithms.Rewards.Process;

namespace Hybrid.Algorithms.Rewards;

/// <summary>Counts the reasoning steps of a completion.</summary>
public interface IStepCounter
{
    int Count(RewardSample sample);
}

/// <summary>
/// Counts the non-blank marker-separated steps (default one per line) of the <c>&lt;think&gt;</c> block when the completion
/// has one, else of the whole completion.
/// </summary>
public sealed partial class MarkerStepCounter(string marker = "\n") : IStepCounter
{
    private readonly StepSplitter _splitter = new(marker);

    public int Count(RewardSample sample)
    {
        Match think = ThinkBlock().Match(sample.Completion);
        return _splitter.Split(think.Success ? think.Groups[1].Value : sample.Completion).Count;
    }

    [GeneratedRegex(@"<think>(.*?)</think>", RegexOptions.Singleline)]
    private static partial Regex ThinkBlock();
}

/// <summary>Counts the steps that a step verifier scores at or above <paramref name="threshold"/> (e.g. arithmetic steps that check out).</summary>
public sealed class VerifiedStepCounter(IStepRewardFunction verifier, double threshold = 1.0) : IStepCounter
{
    public int Count(RewardSample sample) => verifier.ScoreSteps([sample])[0].Rewards.Count(r => r >= threshold);
}
