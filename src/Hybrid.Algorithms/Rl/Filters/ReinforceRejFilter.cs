// Reinforce-Rej's filter: drop prompts whose responses were all wrong or all right.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>reinforce_rej</c> — Xiong et al. 2025, "A Minimalist Approach to LLM Reasoning: from Rejection Sampling to
/// Reinforce" (arXiv 2504.11343): keep prompt x only if 0 &lt; #correct &lt; G, where a response is correct when
/// its score ≥ <see cref="CorrectThreshold"/>. The default 0.5 separates both usual verifier conventions (0/1 and ±1);
/// set it to your reward's pass mark otherwise. Unlike dynamic sampling this judges correctness, not mere score equality
/// (a group of scores 0.6 and 0.9 is all-correct and dropped).
/// </summary>
public sealed class ReinforceRejFilter(double correctThreshold = 0.5) : IGroupFilter
{
    public string Name => "reinforce_rej";

    /// <summary>Scores at or above it count as correct.</summary>
    public double CorrectThreshold { get; } = correctThreshold;

    public bool Keep(ReadOnlySpan<double> groupScores)
    {
        int correct = 0;
        foreach (double score in groupScores) if (score >= CorrectThreshold) correct++;
        return correct > 0 && correct < groupScores.Length;
    }
}
