// Train, dev and held-out sets of word problems, disjoint by canonical problem key whatever the seeds and sizes.
using System.Text;

namespace Hybrid.Training.Tasks.WordProblems;

/// <summary>Which set a problem belongs to.</summary>
public enum WordProblemSplit
{
    /// <summary>SFT solutions and RL prompts (80% of all keys).</summary>
    Train,

    /// <summary>For choosing settings without looking at the held-out set (10%).</summary>
    Dev,

    /// <summary>Only ever evaluated (10%).</summary>
    HeldOut,
}

/// <summary>
/// A problem's split is a fixed function of its key (FNV-1a 64 of the key's UTF-8 bytes, mod 10: 0 → held-out,
/// 1 → dev, else train), not of the seed or the order of drawing, so no held-out problem is ever trained on — not even
/// by sets drawn with other seeds or sizes. <see cref="Draw"/> keeps drawing (from a generator seeded by seed, split and
/// level) and keeps the problems of the wanted split with a key not seen yet.
/// </summary>
public static class WordProblemSets
{
    /// <summary>The split of a canonical key.</summary>
    public static WordProblemSplit SplitOf(string key)
    {
        ulong hash = 14695981039346656037UL;                  // FNV-1a 64: offset basis
        foreach (byte b in Encoding.UTF8.GetBytes(key)) hash = (hash ^ b) * 1099511628211UL;
        return (hash % 10) switch { 0 => WordProblemSplit.HeldOut, 1 => WordProblemSplit.Dev, _ => WordProblemSplit.Train };
    }

    /// <summary>
    /// <paramref name="count"/> problems of <paramref name="level"/> in <paramref name="split"/>, each with a distinct key,
    /// the same for the same arguments. Throws when the level has too few distinct problems of the split to find them
    /// within 100·count + 10,000 draws (level 1 has about 4,600 keys in all). Every count is at most
    /// <paramref name="maxValue"/> (see <see cref="WordProblemGenerator.Create"/>).
    /// </summary>
    public static IReadOnlyList<WordProblem> Draw(WordProblemSplit split, int level, int count, int seed, int maxValue = WordProblemGenerator.MaxValue)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(count);
        var random = new Random(unchecked(seed * 1_000_003 + level * 101 + (int)split));
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var problems = new List<WordProblem>(count);
        for (long draws = 0, limit = 100L * count + 10_000; problems.Count < count; draws++)
        {
            if (draws == limit) throw new WordProblemShortageException(split, level, count, problems.Count, limit);
            WordProblem problem = WordProblemGenerator.Create(level, random, maxValue);
            if (SplitOf(problem.Key) == split && seen.Add(problem.Key)) problems.Add(problem);
        }
        return problems;
    }

    /// <summary>The split as written in files and messages: train, dev, heldout.</summary>
    public static string Name(WordProblemSplit split) => split switch
    {
        WordProblemSplit.Train => "train", WordProblemSplit.Dev => "dev", _ => "heldout",
    };
}

/// <summary>A level has too few distinct problems in a split for the count asked (level 1 has about 4,600 keys in all).</summary>
public sealed class WordProblemShortageException(WordProblemSplit split, int level, int count, int found, long draws)
    : ArgumentException($"level {level} has too few distinct {WordProblemSets.Name(split)} problems for {count}: {found} found in {draws} draws; ask for fewer")
{
    /// <summary>The split that ran short.</summary>
    public WordProblemSplit Split { get; } = split;
}
