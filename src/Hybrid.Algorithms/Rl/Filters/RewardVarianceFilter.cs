// The practitioners' reward-variance filter: drop groups whose rewards barely differ.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>reward_variance</c> — keep a group if the population variance (1/G)·Σ(r_i − mean)² of its scores is at least
/// <see cref="MinVariance"/> (seed heuristic, §3.9 / E21: drop groups with variance &lt; 0.01, whose advantages are ≈ 0).
/// </summary>
public sealed class RewardVarianceFilter(double minVariance = 0.01) : IGroupFilter
{
    public string Name => "reward_variance";

    public double MinVariance { get; } = minVariance;

    public bool Keep(ReadOnlySpan<double> groupScores)
    {
        if (groupScores.Length == 0) return false;
        double mean = 0;
        foreach (double score in groupScores) mean += score;
        mean /= groupScores.Length;
        double variance = 0;
        foreach (double score in groupScores) variance += (score - mean) * (score - mean);
        return variance / groupScores.Length >= MinVariance;
    }
}
