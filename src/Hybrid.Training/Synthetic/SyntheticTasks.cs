// The three toy preference oracles: arithmetic correctness, concision and format following, each as a ranked item per prompt.

namespace Hybrid.Training.Synthetic;

/// <summary>
/// Builders of <see cref="SyntheticItem"/>s. Operands a, b ∈ [0, 50); each builder returns <c>k</c> distinct responses, the
/// best one first, with rewards on a 0–10 scale (so reward gaps are ≥ 1 and ODPO's log(s_w − s_l) ≥ 0).
/// </summary>
internal static class SyntheticTasks
{
    public static SyntheticItem Make(SyntheticTask task, int a, int b, Random rng, int k) => task switch
    {
        SyntheticTask.Arithmetic => Arithmetic(a, b, rng, k),
        SyntheticTask.Concise => Concise(a, b, rng, k),
        SyntheticTask.Format => Format(a, b, rng, k),
        _ => throw new ArgumentOutOfRangeException(nameof(task), task, "unknown synthetic task"),
    };

    /// <summary>The correct sum (reward 10) and k − 1 distinct wrong sums c + δ, δ ∈ ±[1, 9], c + δ ≥ 0 (reward 10 − |δ|).</summary>
    private static SyntheticItem Arithmetic(int a, int b, Random rng, int k)
    {
        int c = a + b;
        var offsets = Enumerable.Range(-9, 19).Where(d => d != 0 && c + d >= 0).ToArray();
        rng.Shuffle(offsets);
        var wrong = offsets.Take(k - 1).ToArray();
        return new SyntheticItem($"{a}+{b}=", [$"{c}", .. wrong.Select(d => $"{c + d}")], [10.0, .. wrong.Select(d => 10.0 - Math.Abs(d))]);
    }

    /// <summary>Padding levels of one correct answer; level ℓ has reward 10 − 2ℓ.</summary>
    private static readonly Func<int, int, int, string>[] Padded =
    [
        (_, _, c) => $"{c}",
        (_, _, c) => $"the sum is {c}",
        (_, _, c) => $"well the sum is {c}",
        (_, _, c) => $"well let me see; the sum is {c}",
        (a, b, c) => $"well let me see; {a} plus {b}; the sum is {c}",
    ];

    /// <summary>The bare answer (level 0) and k − 1 distinct padded versions of it.</summary>
    private static SyntheticItem Concise(int a, int b, Random rng, int k)
    {
        if (k > Padded.Length) throw new ArgumentOutOfRangeException(nameof(k), k, $"the concise task has {Padded.Length} padding levels");
        int c = a + b;
        int[] levels = Enumerable.Range(1, Padded.Length - 1).ToArray();
        rng.Shuffle(levels);
        int[] chosen = [0, .. levels.Take(k - 1)];
        return new SyntheticItem($"{a}+{b}=", chosen.Select(l => Padded[l](a, b, c)).ToList(), chosen.Select(l => 10.0 - 2 * l).ToList());
    }

    /// <summary>Format variants of the answer c and their rewards: the required "ans c;" first.</summary>
    private static readonly (Func<int, string> Text, double Reward)[] Formats =
    [
        (c => $"ans {c};", 10),
        (c => $"ans {c}", 6),
        (c => $"{c};", 4),
        (c => $"answer {c}", 3),
        (c => $"{c}", 2),
    ];

    /// <summary>The required format and k − 1 distinct broken formats of the same correct answer.</summary>
    private static SyntheticItem Format(int a, int b, Random rng, int k)
    {
        if (k > Formats.Length) throw new ArgumentOutOfRangeException(nameof(k), k, $"the format task has {Formats.Length} variants");
        int c = a + b;
        int[] others = Enumerable.Range(1, Formats.Length - 1).ToArray();
        rng.Shuffle(others);
        int[] chosen = [0, .. others.Take(k - 1)];
        return new SyntheticItem($"fmt {a}+{b}=", chosen.Select(i => Formats[i].Text(c)).ToList(), chosen.Select(i => Formats[i].Reward).ToList());
    }
}
