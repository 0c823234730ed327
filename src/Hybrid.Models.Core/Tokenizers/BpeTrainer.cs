// Learns byte-level BPE merges from a corpus: count GPT-2 pre-tokenized words, then merge the most frequent pair until done.

namespace Hybrid.Models.Tokenizers;

/// <summary>Settings of <see cref="BpeTrainer"/>.</summary>
public sealed record BpeTrainerOptions
{
    /// <summary>
    /// Target vocabulary size: 256 byte tokens + merges + special tokens. Fewer merges are learned when the corpus runs
    /// out of pairs seen at least <see cref="MinFrequency"/> times; the result is then smaller than the target.
    /// </summary>
    public int VocabSize { get; init; } = 512;

    /// <summary>Special tokens, given the ids after the merges in this order; removed from the corpus before counting.</summary>
    public IReadOnlyList<string> SpecialTokens { get; init; } = [Tokenizers.SpecialTokens.EndOfText, Tokenizers.SpecialTokens.ImStart, Tokenizers.SpecialTokens.ImEnd];

    /// <summary>A pair must occur at least this often to be merged (Hugging Face's <c>min_frequency</c>; 2 avoids one-off merges).</summary>
    public int MinFrequency { get; init; } = 2;

    /// <summary>Checks the fields; the message names the field and the fix.</summary>
    public BpeTrainerOptions Validate()
    {
        int minimum = 256 + SpecialTokens.Count;
        if (VocabSize < minimum)
            throw new ArgumentException($"BpeTrainerOptions.VocabSize = {VocabSize} is too small: it must hold the 256 byte tokens and {SpecialTokens.Count} special tokens (>= {minimum})");
        if (MinFrequency < 1) throw new ArgumentException($"BpeTrainerOptions.MinFrequency = {MinFrequency} must be >= 1");
        if (SpecialTokens.Any(string.IsNullOrEmpty)) throw new ArgumentException("BpeTrainerOptions.SpecialTokens: a special token is empty");
        if (SpecialTokens.Distinct(StringComparer.Ordinal).Count() != SpecialTokens.Count)
            throw new ArgumentException($"BpeTrainerOptions.SpecialTokens has duplicates: {string.Join(", ", SpecialTokens)}");
        return this;
    }
}

/// <summary>
/// A small byte-level BPE trainer (Sennrich et al. 2016, in GPT-2's byte-level form):
/// <list type="number">
/// <item>split the corpus at special tokens, then into words with <see cref="Gpt2PreTokenizer"/> (a word keeps its leading space);</item>
/// <item>count each distinct word and spell it as one symbol per UTF-8 byte;</item>
/// <item>repeatedly merge the adjacent symbol pair with the highest count (summed over words × word counts), every occurrence
/// in every word, left to right; ties go to the ordinally smallest (left, right) in byte-level spelling, so the result
/// is deterministic;</item>
/// <item>stop at the target vocabulary size or when the best pair occurs fewer than <see cref="BpeTrainerOptions.MinFrequency"/> times.</item>
/// </list>
/// Pair counts are updated incrementally (only the words containing the merged pair are re-counted), so corpora of a few
/// megabytes train in seconds.
/// </summary>
public static class BpeTrainer
{
    /// <summary>Trains on the UTF-8 text file at <paramref name="corpusPath"/>.</summary>
    public static ByteLevelBpeTokenizer TrainFromFile(string corpusPath, BpeTrainerOptions? options = null)
    {
        if (!File.Exists(corpusPath)) throw new FileNotFoundException($"BPE corpus '{Path.GetFullPath(corpusPath)}' does not exist", corpusPath);
        return Train([File.ReadAllText(corpusPath)], options);
    }

    /// <summary>Trains on <paramref name="texts"/> and returns the tokenizer (bytes, then the learned merges, then the special tokens).</summary>
    public static ByteLevelBpeTokenizer Train(IEnumerable<string> texts, BpeTrainerOptions? options = null)
    {
        options = (options ?? new BpeTrainerOptions()).Validate();
        int newTokens = options.VocabSize - 256 - options.SpecialTokens.Count;
        var merges = LearnMerges(texts, newTokens, options.SpecialTokens, options.MinFrequency);
        return ByteLevelBpeTokenizer.FromSymbolMerges(merges, options.SpecialTokens);
    }

    /// <summary>
    /// The merges in rank order, in byte-level spelling (<c>("Ġ", "t")</c>), adding at most <paramref name="maxNewTokens"/>
    /// tokens (a merge whose result is already a token, e.g. "ab"+"c" after "a"+"bc", adds none).
    /// </summary>
    public static IReadOnlyList<(string Left, string Right)> LearnMerges(
        IEnumerable<string> texts, int maxNewTokens, IReadOnlyList<string> specialTokens, int minFrequency = 2)
    {
        // ---- words and their counts ----
        var wordCounts = new Dictionary<string, long>(StringComparer.Ordinal);
        foreach (string text in texts)
        {
            foreach ((string piece, bool special) in Gpt2PreTokenizer.SplitSpecial(text, specialTokens))
            {
                if (special) continue;
                foreach (string word in Gpt2PreTokenizer.Split(piece))
                    wordCounts[word] = wordCounts.GetValueOrDefault(word) + 1;
            }
        }

        // Symbols are ids into `spelling`: 0-255 the bytes, then one per merge.
        var spelling = new List<string>(256 + Math.Max(0, maxNewTokens));
        var idOf = new Dictionary<string, int>(StringComparer.Ordinal);
        for (int b = 0; b < 256; b++)
        {
            spelling.Add(ByteLevelAlphabet.Symbol((byte)b).ToString());
            idOf.Add(spelling[b], b);
        }
        var words = new List<int[]>(wordCounts.Count);
        var counts = new List<long>(wordCounts.Count);
        foreach ((string word, long count) in wordCounts.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            words.Add(System.Text.Encoding.UTF8.GetBytes(word).Select(b => (int)b).ToArray());
            counts.Add(count);
        }

        // ---- pair counts, the words each pair occurs in, and a max-queue with lazy deletion ----
        var pairCounts = new Dictionary<(int, int), long>();
        var pairWords = new Dictionary<(int, int), HashSet<int>>();
        var queue = new PriorityQueue<(int Left, int Right), (long Count, string Left, string Right)>(new BestPairFirst());
        void Change((int, int) pair, long delta, int word)
        {
            long now = pairCounts.GetValueOrDefault(pair) + delta;
            pairCounts[pair] = now;
            if (delta > 0)
            {
                if (!pairWords.TryGetValue(pair, out HashSet<int>? set)) pairWords[pair] = set = [];
                set.Add(word);
            }
        }
        void CountWord(int w, long sign)
        {
            int[] s = words[w];
            for (int i = 0; i + 1 < s.Length; i++) Change((s[i], s[i + 1]), sign * counts[w], w);
        }
        for (int w = 0; w < words.Count; w++) CountWord(w, +1);
        foreach ((var pair, long count) in pairCounts) queue.Enqueue(pair, (count, spelling[pair.Item1], spelling[pair.Item2]));

        // ---- merge loop ----
        var merges = new List<(string, string)>();
        int added = 0;
        while (added < maxNewTokens && queue.TryDequeue(out var best, out var priority))
        {
            long current = pairCounts.GetValueOrDefault(best);
            if (current != priority.Count) continue;  // stale entry: the pair's count changed after it was queued
            if (current < minFrequency) break;        // the best remaining pair is too rare
            string result = spelling[best.Left] + spelling[best.Right];
            if (!idOf.TryGetValue(result, out int merged))
            {
                merged = spelling.Count;
                spelling.Add(result);
                idOf.Add(result, merged);
                added++;
            }
            merges.Add((spelling[best.Left], spelling[best.Right]));

            var touched = new HashSet<(int, int)>();
            foreach (int w in pairWords[best].ToArray())
            {
                int[] before = words[w];
                int[] after = Merge(before, best.Left, best.Right, merged);
                if (after.Length == before.Length) continue;  // the word no longer holds the pair
                for (int i = 0; i + 1 < before.Length; i++) touched.Add((before[i], before[i + 1]));
                CountWord(w, -1);
                words[w] = after;
                CountWord(w, +1);
                for (int i = 0; i + 1 < after.Length; i++) touched.Add((after[i], after[i + 1]));
            }
            pairWords.Remove(best);
            foreach (var pair in touched)
            {
                long count = pairCounts.GetValueOrDefault(pair);
                if (count > 0) queue.Enqueue(pair, (count, spelling[pair.Item1], spelling[pair.Item2]));
                else { pairCounts.Remove(pair); pairWords.Remove(pair); }
            }
        }
        return merges;
    }

    /// <summary>Replaces each occurrence of (left, right) in <paramref name="symbols"/>, left to right, without overlap.</summary>
    private static int[] Merge(int[] symbols, int left, int right, int merged)
    {
        var result = new List<int>(symbols.Length);
        for (int i = 0; i < symbols.Length; i++)
        {
            if (i + 1 < symbols.Length && symbols[i] == left && symbols[i + 1] == right)
            {
                result.Add(merged);
                i++;
            }
            else
            {
                result.Add(symbols[i]);
            }
        }
        return [.. result];
    }

    /// <summary>Queue order: higher count first; on a tie the ordinally smaller left spelling, then right spelling.</summary>
    private sealed class BestPairFirst : IComparer<(long Count, string Left, string Right)>
    {
        public int Compare((long Count, string Left, string Right) a, (long Count, string Left, string Right) b)
        {
            int c = b.Count.CompareTo(a.Count);
            if (c != 0) return c;
            c = string.CompareOrdinal(a.Left, b.Left);
            return c != 0 ? c : string.CompareOrdinal(a.Right, b.Right);
        }
    }
}
