// The registry of batch filters and the helper that applies them to a prompt-major batch.

namespace Hybrid.Algorithms.Rl;

/// <summary>The batch-filter axis: dynamic_sampling, reinforce_rej, reward_variance (default thresholds).</summary>
public static class GroupFilters
{
    public static Registry<IGroupFilter> Registry { get; } = new Registry<IGroupFilter>("batch filter")
        .Add("dynamic_sampling", () => new DynamicSamplingFilter())
        .Add("reinforce_rej", () => new ReinforceRejFilter())
        .Add("reward_variance", () => new RewardVarianceFilter());

    public static IGroupFilter Create(string name) => Registry.Create(name);

    /// <summary>
    /// The indices of the groups (prompts) that every filter keeps, in order. <paramref name="scores"/> holds N = P·G
    /// scores, prompt-major.
    /// </summary>
    public static int[] KeptGroups(IReadOnlyList<IGroupFilter> filters, ReadOnlySpan<double> scores, int groupSize)
    {
        if (groupSize < 1 || scores.Length % groupSize != 0)
            throw new ArgumentException($"{scores.Length} scores are not a whole number of groups of {groupSize}", nameof(groupSize));
        var kept = new List<int>();
        for (int p = 0; p < scores.Length / groupSize; p++)
        {
            ReadOnlySpan<double> group = scores.Slice(p * groupSize, groupSize);
            bool keep = true;
            foreach (IGroupFilter filter in filters) keep &= filter.Keep(group);
            if (keep) kept.Add(p);
        }
        return kept.ToArray();
    }
}
