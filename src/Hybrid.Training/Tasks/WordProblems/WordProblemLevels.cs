// Level lists as users write them ("1-4", "1,3"): parsed once for `hybrid make-data reasoning` and `tools/bench reasoning`.
using System.Globalization;

namespace Hybrid.Training.Tasks.WordProblems;

public static class WordProblemLevels
{
    /// <summary>"1-4", "1,3" or "2" → the sorted distinct levels; anything else is one error naming the flag.</summary>
    public static int[] Parse(string flag, string text)
    {
        var result = new SortedSet<int>();
        foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            string[] ends = part.Split('-', StringSplitOptions.TrimEntries);
            if (ends.Length is < 1 or > 2 || !ends.All(IsLevel))
                throw new ArgumentException($"{flag} {text}: '{part}' is not a level or range of levels in {WordProblemGenerator.MinLevel}–{WordProblemGenerator.MaxLevel} (e.g. 1-4 or 1,3)");
            int from = int.Parse(ends[0], CultureInfo.InvariantCulture), to = int.Parse(ends[^1], CultureInfo.InvariantCulture);
            if (from > to) throw new ArgumentException($"{flag} {text}: range '{part}' runs backwards; write {to}-{from}");
            for (int level = from; level <= to; level++) result.Add(level);
        }
        return result.ToArray();

        static bool IsLevel(string s) => int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int l)
                                         && l >= WordProblemGenerator.MinLevel && l <= WordProblemGenerator.MaxLevel;
    }
}
