// Checks a prompts file against the columns its reward functions read, before a run starts.
using Hybrid.Training.Data;
using Hybrid.Training.Loop;
using Hybrid.Algorithms.Rewards;
using Hybrid.Data;

namespace Hybrid.Training.Rl;

public static class RewardColumns
{
    /// <summary>
    /// Throws a <see cref="DatasetException"/> naming the first row (file:line) that lacks a column
    /// <paramref name="reward"/> needs (<see cref="IRewardFunction.RequiredColumns"/>): rl and online-dpo call it on
    /// their training and held-out prompts before exporting or writing anything, instead of failing mid-run the first
    /// time a completion happens to be checked.
    /// </summary>
    public static void Check(IRewardFunction reward, IEnumerable<PromptRow> rows)
    {
        IReadOnlyList<string> needed = reward.RequiredColumns;
        if (needed.Count == 0) return;
        foreach (PromptRow row in rows)
            foreach (string column in needed)
                if (!row.Columns.ContainsKey(column))
                    throw new DatasetException($"{row.Source}: the reward needs column '{column}' in every row, but this row has " +
                                               $"[{string.Join(", ", row.Columns.Keys.Prepend("prompt"))}]; add the column or choose another --reward");
    }
}
