// Groups rows into batches of similar length so right-padding wastes little compute; results go back by row index.

namespace Hybrid.Rollout.Scoring;

/// <summary>
/// The batch plan of a scoring pass: row indices sorted by token count, longest first (the largest batch shape is met
/// first, so buffers grow once and a too-long input fails early), ties kept in input order, cut into batches of at
/// most <c>batchSize</c>. Each batch is padded only to its own longest row. Scores come back per row index, so the
/// order of the plan never shows in the output.
/// </summary>
public static class LengthBatches
{
    /// <summary>Batches of row indices (each batch's rows descending by <paramref name="lengths"/>).</summary>
    public static IReadOnlyList<int[]> Plan(IReadOnlyList<int> lengths, int batchSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(batchSize, 1);
        int[] order = Enumerable.Range(0, lengths.Count).OrderByDescending(i => lengths[i]).ThenBy(i => i).ToArray();
        return order.Chunk(batchSize).ToList();
    }
}
