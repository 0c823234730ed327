// Which keys each query may attend to (causal + key padding), and the position ids a padding mask implies.

namespace Hybrid.Models.Decoder;

/// <summary>
/// The two things a padding mask decides. Query i (absolute index S0 + i after S0 cached tokens) may attend to key j when
/// <c>j ≤ S0 + i</c> (causal) and key j is a real token — or j is the query itself. That last clause only matters for a
/// pad query (e.g. the leading pads of a left-padded row, which see no real key): it keeps every softmax row non-empty, so
/// pads produce finite garbage instead of NaN, while real queries never see a pad.
/// </summary>
internal static class AttentionMask
{
    /// <summary>
    /// Position ids of the last <paramref name="queryLength"/> tokens of <paramref name="fullMask"/> [B, S] (1 = real):
    /// <c>cumsum(mask) − 1</c> clamped at 0, so each row's first real token is at position 0 whatever its padding;
    /// without a mask, <c>past, past + 1, …</c> for every row. Returns [B, T] int64.
    /// </summary>
    public static Tensor Positions(Tensor? fullMask, long batch, long queryLength, long past)
    {
        using var sc = new ScalarScope();
        if (fullMask is null)
            return torch.arange(sc[past], sc[past + queryLength], sc[1L]).unsqueeze(0).expand(batch, queryLength);  // [B, T]
        Tensor counts = fullMask.to(ScalarType.Int64).cumsum(1);                                           // [B, S] real tokens so far
        return (counts - sc[1L]).clamp(min: sc[0L]).slice(1, counts.size(1) - queryLength, long.MaxValue, 1);     // [B, T]
    }

    /// <summary>
    /// True where query t MAY attend to key s, laid out for the grouped attention of <see cref="SelfAttention.Attend"/>:
    /// [B, 1, G·T, S] bool (or [1, 1, G·T, S] without a mask) — row j·T + t is query t of slot j of every key/value head's
    /// group of <paramref name="groups"/> query heads — broadcast over the Hkv heads. <paramref name="fullMask"/> [B, S]
    /// covers the cached and the new tokens; the T queries are its last T tokens. Built once per forward and shared by
    /// every layer. Returns null when nothing is blocked (one new token and no padding mask).
    /// </summary>
    public static Tensor? Allowed(Tensor? fullMask, long queryLength, long keyLength, long groups)
    {
        long past = keyLength - queryLength;
        if (fullMask is null && queryLength == 1) return null;
        using var sc = new ScalarScope();
        Tensor keyIndex = torch.arange(sc[0L], sc[keyLength], sc[1L]);               // [S]
        Tensor queryIndex = torch.arange(sc[past], sc[keyLength], sc[1L]).unsqueeze(1);  // [T, 1] absolute index
        Tensor visible = keyIndex.le(queryIndex);                                       // [T, S] causal
        if (fullMask is not null)
        {
            Tensor self = keyIndex.eq(queryIndex);                                      // [T, S] the query's own key
            Tensor realKey = fullMask.ne(sc[0]).unsqueeze(1);                               // [B, 1, S]
            visible = visible.logical_and(realKey.logical_or(self));                      // [B, T, S]
        }
        long rows = visible.dim() == 2 ? 1 : visible.size(0);
        return visible.reshape(rows, 1, 1, queryLength, keyLength)                    // [B or 1, 1, 1, T, S]
            .expand(rows, 1, groups, queryLength, keyLength)                           // [B or 1, 1, G, T, S]
            .reshape(rows, 1, groups * queryLength, keyLength);                        // [B or 1, 1, G·T, S]
    }
}
