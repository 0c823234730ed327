// DAPO's dynamic sampling: drop prompt groups whose responses all scored the same.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>dynamic_sampling</c> — keep a group only if its G scores are not all equal (DAPO, Yu et al. 2025, arXiv 2503.14476,
/// 0 &lt; |{correct}| &lt; G). An all-equal group has zero group-relative advantage and only wastes the batch;
/// the trainer keeps sampling until the batch is full of kept groups. Pass the scores to judge by — DAPO filters on
/// accuracy; verl lets you choose the accuracy or the final shaped reward.
/// </summary>
public sealed class DynamicSamplingFilter : IGroupFilter
{
    public string Name => "dynamic_sampling";

    public bool Keep(ReadOnlySpan<double> groupScores)
    {
        for (int i = 1; i < groupScores.Length; i++)
            if (groupScores[i] != groupScores[0]) return true;
        return false;
    }
}
