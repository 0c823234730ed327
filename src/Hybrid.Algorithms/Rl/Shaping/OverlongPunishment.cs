// DAPO's soft overlong punishment: a length penalty that ramps linearly to −1 over the last L_cache tokens of the budget.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// DAPO (Yu et al. 2025, arXiv 2503.14476), added to the score:
/// R_len(y) = 0 if |y| ≤ L_max − L_cache; ((L_max − L_cache) − |y|)/L_cache if L_max − L_cache &lt; |y| ≤ L_max; −1 beyond.
/// So the penalty is 0 at exactly L_max − L_cache, −½ halfway through the cache and −1 at L_max.
/// Paper: L_max = 20480, L_cache = 4096 (expected length 16384). The alternative, overlong filtering, is
/// <see cref="OverlongMasking"/>.
/// </summary>
public sealed class OverlongPunishment
{
    public OverlongPunishment(int maxLength, int cacheLength)
    {
        if (maxLength <= 0) throw new ArgumentOutOfRangeException(nameof(maxLength), maxLength, "L_max must be > 0 (DAPO: 20480)");
        if (cacheLength <= 0 || cacheLength > maxLength)
            throw new ArgumentOutOfRangeException(nameof(cacheLength), cacheLength, $"L_cache must lie in (0, L_max = {maxLength}] (DAPO: 4096)");
        MaxLength = maxLength;
        CacheLength = cacheLength;
    }

    public int MaxLength { get; }

    public int CacheLength { get; }

    /// <summary>R_len for a response of <paramref name="length"/> tokens (≤ 0).</summary>
    public double Penalty(int length)
    {
        int free = MaxLength - CacheLength;
        if (length <= free) return 0;
        if (length <= MaxLength) return (double)(free - length) / CacheLength;
        return -1;
    }

    /// <summary>Adds R_len(|y_i|) to every score in place.</summary>
    public void AddTo(Span<double> scores, ReadOnlySpan<int> lengths)
    {
        if (scores.Length != lengths.Length) throw new ArgumentException($"{scores.Length} scores but {lengths.Length} lengths", nameof(lengths));
        for (int i = 0; i < scores.Length; i++) scores[i] += Penalty(lengths[i]);
    }
}
