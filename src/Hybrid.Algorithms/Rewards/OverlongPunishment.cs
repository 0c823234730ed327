// DAPO's soft overlong punishment: zero up to L_max − L_cache, a linear ramp to −1 at L_max, −1 beyond.

namespace Hybrid.Algorithms.Rewards;

/// <summary>
/// R_len(L) = 0 for L ≤ L_max − L_cache; ((L_max − L_cache) − L) / L_cache for L_max − L_cache &lt; L ≤ L_max; −1 for L &gt; L_max,
/// with L = <see cref="RewardSample.CompletionTokens"/>, added to the accuracy reward. DAPO (Yu et al. 2025,
/// arXiv 2503.14476): L_max 20480, L_cache 4096 (the defaults). Metric: <c>truncated_frac</c> (rows that hit the budget).
/// The formula is the RL shaping's (<see cref="Rl.OverlongPunishment"/>); this wraps it as a reward function.
/// </summary>
public sealed class OverlongPunishment : RuleReward
{
    private readonly Rl.OverlongPunishment _shaping;

    public OverlongPunishment(int maxLength = 20480, int cacheLength = 4096)
    {
        if (cacheLength <= 0 || maxLength < cacheLength)
            throw new ArgumentException($"OverlongPunishment needs 0 < cacheLength ≤ maxLength (got maxLength {maxLength}, cacheLength {cacheLength}); DAPO uses 20480 and 4096");
        _shaping = new Rl.OverlongPunishment(maxLength, cacheLength);
    }

    public int MaxLength => _shaping.MaxLength;

    public int CacheLength => _shaping.CacheLength;

    public override string Name => "overlong_punishment";

    public override double ScoreOne(RewardSample sample) => _shaping.Penalty(sample.CompletionTokens);

    public override RewardOutput Score(IReadOnlyList<RewardSample> samples)
    {
        RewardOutput output = base.Score(samples);
        double truncated = samples.Count(s => s.Truncated) / (double)Math.Max(1, samples.Count);
        return output with { Metrics = new Dictionary<string, double> { ["truncated_frac"] = truncated } };
    }
}
