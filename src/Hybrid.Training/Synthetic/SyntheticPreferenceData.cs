// Deterministic, seeded synthetic preference datasets: pairs, unpaired labelled rows, K-wise rankings, and a held-out split.
using Hybrid.Training.Preference;

namespace Hybrid.Training.Synthetic;

/// <summary>The same items in the three shapes a preference loss or reward model reads.</summary>
/// <param name="Pairs">One pair per item: the best response (chosen) against one other (rejected), with both rewards as chosen_score / rejected_score.</param>
/// <param name="Unpaired">Two rows per item: the chosen response labelled desirable and the rejected one undesirable.</param>
/// <param name="Rankings">One row per item: all K responses in a shuffled order with their rewards.</param>
public sealed record SyntheticPreferenceSet(IReadOnlyList<PreferenceExample> Pairs, IReadOnlyList<PreferenceExample> Unpaired, IReadOnlyList<PreferenceExample> Rankings);

/// <summary>A training set and a held-out set whose prompts never occur in training.</summary>
public sealed record SyntheticSplit(SyntheticPreferenceSet Train, SyntheticPreferenceSet HeldOut);

/// <summary>
/// Preference data from the toy oracles of <see cref="SyntheticTask"/> (the "synthetic preference oracle" of the
/// catalogue's feasibility tier). Prompts use operands a, b ∈ [0, 50); the prompts with (31a + 17b) mod 5 = 0 (about a
/// fifth) are reserved for the held-out split, so held-out accuracy measures generalisation, not memorisation. The same
/// (task, counts, seed, k) always gives the same rows. All text is lower-case letters, digits, '+', '=', ';' and spaces —
/// encodable by a tiny character tokenizer as well as by a byte-level BPE.
/// </summary>
public static class SyntheticPreferenceData
{
    /// <summary>Every character the generated texts may contain.</summary>
    public const string Alphabet = "0123456789+=; abcdefghijklmnopqrstuvwxyz";

    /// <summary>Largest operand + 1.</summary>
    public const int OperandRange = 50;

    /// <summary>
    /// <paramref name="trainCount"/> and <paramref name="heldOutCount"/> items of <paramref name="task"/>, each with
    /// <paramref name="k"/> ranked responses (2 ≤ k ≤ 5; pairs always use the best and one other).
    /// </summary>
    public static SyntheticSplit Generate(SyntheticTask task, int trainCount, int heldOutCount, int seed, int k = 3)
    {
        if (trainCount <= 0) throw new ArgumentOutOfRangeException(nameof(trainCount), trainCount, "must be > 0");
        if (heldOutCount < 0) throw new ArgumentOutOfRangeException(nameof(heldOutCount), heldOutCount, "must be >= 0");
        if (k is < 2 or > 5) throw new ArgumentOutOfRangeException(nameof(k), k, "K must be in [2, 5]");
        var rng = new Random(seed);
        var train = Items(task, trainCount, heldOut: false, rng, k);
        var heldOut = Items(task, heldOutCount, heldOut: true, rng, k);
        return new SyntheticSplit(Shapes(task, "train", train, rng), Shapes(task, "heldout", heldOut, rng));
    }

    /// <summary>True for the prompts reserved for the held-out split.</summary>
    public static bool IsHeldOut(int a, int b) => (31 * a + 17 * b) % 5 == 0;

    private static List<SyntheticItem> Items(SyntheticTask task, int count, bool heldOut, Random rng, int k)
    {
        var items = new List<SyntheticItem>(count);
        while (items.Count < count)
        {
            int a = rng.Next(OperandRange), b = rng.Next(OperandRange);
            if (IsHeldOut(a, b) == heldOut) items.Add(SyntheticTasks.Make(task, a, b, rng, k));
        }
        return items;
    }

    private static SyntheticPreferenceSet Shapes(SyntheticTask task, string split, List<SyntheticItem> items, Random rng)
    {
        string name = $"synthetic:{task.ToString().ToLowerInvariant()}:{split}";
        var pairs = new List<PreferenceExample>();
        var unpaired = new List<PreferenceExample>();
        var rankings = new List<PreferenceExample>();
        for (int i = 0; i < items.Count; i++)
        {
            SyntheticItem item = items[i];
            string source = $"{name}:{i}";
            int other = 1 + rng.Next(item.Responses.Count - 1);
            pairs.Add(new PreferenceExample(PreferenceExampleKind.Paired, source)
            {
                Prompt = item.Prompt, Responses = [item.Responses[0], item.Responses[other]],
                ChosenScore = item.Rewards[0], RejectedScore = item.Rewards[other],
            });
            unpaired.Add(new PreferenceExample(PreferenceExampleKind.Unpaired, source) { Prompt = item.Prompt, Responses = [item.Responses[0]], Label = true });
            unpaired.Add(new PreferenceExample(PreferenceExampleKind.Unpaired, source) { Prompt = item.Prompt, Responses = [item.Responses[other]], Label = false });
            int[] order = Enumerable.Range(0, item.Responses.Count).ToArray();
            rng.Shuffle(order);
            rankings.Add(new PreferenceExample(PreferenceExampleKind.Ranked, source)
            {
                Prompt = item.Prompt, Responses = order.Select(j => item.Responses[j]).ToList(), Rewards = order.Select(j => item.Rewards[j]).ToList(),
            });
        }
        return new SyntheticPreferenceSet(pairs, unpaired, rankings);
    }
}
