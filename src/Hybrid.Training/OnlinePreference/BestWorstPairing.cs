// Picks each prompt's preference pair from its scored samples: chosen = the best, rejected = the worst; ties are skipped.

namespace Hybrid.Training.OnlinePreference;

/// <summary>Group <see cref="Group"/>'s chosen sample <see cref="Best"/> and rejected sample <see cref="Worst"/> (indices into the flat batch).</summary>
public readonly record struct GroupChoice(int Group, int Best, int Worst);

/// <summary>
/// Best-vs-worst pairing of G ≥ 2 samples per prompt, as iterative / online DPO labels its own samples (Dong et al. 2024,
/// "RLHF Workflow: From Reward Modeling to Online RLHF", arXiv 2405.07863: best-of-n chosen, worst-of-n rejected). A
/// prompt whose best and worst scores differ by no more than <c>minGap</c> gives no pair (with the default 0: every
/// sample tied, so no preference exists). Among equal scores the earliest sample wins, so the choice is deterministic.
/// </summary>
public static class BestWorstPairing
{
    /// <summary>
    /// <paramref name="scores"/> [P·G] prompt-major (sample g of prompt i at i·G + g) → one choice per prompt that has a
    /// preference, in prompt order.
    /// </summary>
    public static List<GroupChoice> Choose(IReadOnlyList<double> scores, int groupSize, double minGap = 0)
    {
        ArgumentNullException.ThrowIfNull(scores);
        if (groupSize < 2) throw new ArgumentOutOfRangeException(nameof(groupSize), groupSize, "a pair needs at least 2 samples per prompt (G >= 2)");
        if (scores.Count % groupSize != 0)
            throw new ArgumentException($"{scores.Count} scores do not split into groups of {groupSize}", nameof(scores));
        if (!(minGap >= 0)) throw new ArgumentOutOfRangeException(nameof(minGap), minGap, "must be >= 0");
        var choices = new List<GroupChoice>();
        for (int group = 0; group < scores.Count / groupSize; group++)
        {
            int start = group * groupSize, best = start, worst = start;
            for (int i = start + 1; i < start + groupSize; i++)
            {
                if (!double.IsFinite(scores[i])) throw new ArgumentException($"score {i} is {scores[i]}; rewards must be finite", nameof(scores));
                if (scores[i] > scores[best]) best = i;
                if (scores[i] < scores[worst]) worst = i;
            }
            if (scores[best] - scores[worst] > minGap) choices.Add(new GroupChoice(group, best, worst));
        }
        return choices;
    }
}
