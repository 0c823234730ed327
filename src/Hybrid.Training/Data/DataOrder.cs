// The order in which training rows are visited: a seeded permutation per epoch and a cursor, so a run can resume exactly.

namespace Hybrid.Training.Data;

/// <summary>
/// Epoch e visits the rows in a permutation drawn from <c>Random(seed + e)</c> (or in file order without shuffling);
/// <see cref="Position"/> (epoch, index) is all a checkpoint needs to continue where the run stopped.
/// </summary>
public sealed class DataOrder
{
    private readonly int _count;
    private readonly ulong _seed;
    private readonly bool _shuffle;
    private int[] _permutation;

    public DataOrder(int count, ulong seed, bool shuffle, int epoch = 0, int index = 0)
    {
        if (count <= 0) throw new ArgumentOutOfRangeException(nameof(count), count, "no rows to order");
        if (index < 0 || index > count) throw new ArgumentOutOfRangeException(nameof(index), index, $"must be in [0, {count}]");
        (_count, _seed, _shuffle) = (count, seed, shuffle);
        Epoch = epoch;
        Index = index;
        _permutation = Permutation(epoch);
    }

    public int Epoch { get; private set; }
    public int Index { get; private set; }
    public (int Epoch, int Index) Position => (Epoch, Index);

    /// <summary>The next up to <paramref name="size"/> row indices of this epoch; an empty result ends the epoch.</summary>
    public int[] NextBatch(int size)
    {
        int n = Math.Min(size, _count - Index);
        int[] rows = _permutation.AsSpan(Index, n).ToArray();
        Index += n;
        return rows;
    }

    /// <summary>True when every row of the current epoch has been handed out.</summary>
    public bool EpochDone => Index == _count;

    public void NextEpoch()
    {
        Epoch++;
        Index = 0;
        _permutation = Permutation(Epoch);
    }

    private int[] Permutation(int epoch)
    {
        int[] p = Enumerable.Range(0, _count).ToArray();
        if (_shuffle) new Random(unchecked((int)(_seed * 1_000_003UL + (ulong)epoch))).Shuffle(p);
        return p;
    }
}
