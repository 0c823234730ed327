// Reward capping: clamp another reward function's scores to [lo, hi] (a reward-hacking countermeasure).

namespace Hybrid.Algorithms.Rewards;

/// <summary>
/// r = clamp(f(x), Lo, Hi). Capping bounds what any single exploit can earn (Amodei et al. 2016, "Concrete Problems in AI
/// Safety", arXiv 1606.06565, reward capping; docs/algorithms.md). Keeps the inner function's name and metrics and adds
/// <c>capped_frac</c> (rows that were clamped).
/// </summary>
public sealed class CappedReward : IRewardFunction
{
    public CappedReward(IRewardFunction inner, double lo, double hi)
    {
        if (double.IsNaN(lo) || double.IsNaN(hi) || lo > hi)
            throw new ArgumentException($"CappedReward needs lo ≤ hi (got lo {lo}, hi {hi}); e.g. lo −1, hi 1");
        Inner = inner;
        Lo = lo;
        Hi = hi;
    }

    public IRewardFunction Inner { get; }

    public IReadOnlyList<string> RequiredColumns => Inner.RequiredColumns;

    public double Lo { get; }

    public double Hi { get; }

    public string Name => Inner.Name;

    public RewardOutput Score(IReadOnlyList<RewardSample> samples)
    {
        RewardOutput inner = Inner.Score(samples);
        var scores = new double[inner.Scores.Length];
        int capped = 0;
        for (int i = 0; i < scores.Length; i++)
        {
            scores[i] = Math.Clamp(inner.Scores[i], Lo, Hi);
            if (scores[i] != inner.Scores[i]) capped++;
        }
        var metrics = new Dictionary<string, double>(inner.Metrics ?? new Dictionary<string, double>())
        {
            ["capped_frac"] = capped / (double)Math.Max(1, scores.Length),
        };
        return new RewardOutput(scores, metrics);
    }
}
