// Overlong filtering: truncated responses contribute no loss at all.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// DAPO's overlong filtering (the alternative to <see cref="OverlongPunishment"/>): a response cut off by the
/// length limit has no trustworthy reward, so its whole loss mask is zeroed. With the seq_mean_* aggregations a fully
/// masked response drops out of the mean; with token_mean its tokens simply do not count.
/// </summary>
public static class OverlongMasking
{
    /// <summary>mask [N, A] → [N, A] with the rows of truncated responses set to 0.</summary>
    public static Tensor Apply(Tensor mask, ReadOnlySpan<bool> truncated)
    {
        if (mask.dim() != 2 || mask.size(0) != truncated.Length)
            throw new ArgumentException($"mask [{string.Join(", ", mask.shape)}] needs one truncated flag per row; got {truncated.Length}", nameof(truncated));
        var keep = new float[truncated.Length];
        for (int i = 0; i < keep.Length; i++) keep[i] = truncated[i] ? 0f : 1f;
        using var scope = NewDisposeScope();
        Tensor rows = torch.tensor(keep, [keep.Length]).to(mask.dtype).unsqueeze(1);  // [N, 1]
        return (mask * rows).MoveToOuterDisposeScope();
    }
}
