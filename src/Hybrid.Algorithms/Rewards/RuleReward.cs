// The base of rule rewards: score one row at a time and report the batch mean/std the trainer logs.

namespace Hybrid.Algorithms.Rewards;

/// <summary>
/// A reward computed by a rule on each row independently. Subclasses implement <see cref="ScoreOne"/>; the batch call maps
/// it over the rows. <see cref="Column"/> reads a dataset column with an error that names the missing column and the present ones.
/// </summary>
public abstract class RuleReward : IRewardFunction
{
    public abstract string Name { get; }

    /// <summary>Columns every row must have (<see cref="IRewardFunction.RequiredColumns"/>); none unless the rule reads one.</summary>
    public virtual IReadOnlyList<string> RequiredColumns => [];

    /// <summary>The score of one completion (finite).</summary>
    public abstract double ScoreOne(RewardSample sample);

    public virtual RewardOutput Score(IReadOnlyList<RewardSample> samples)
    {
        var scores = new double[samples.Count];
        for (int i = 0; i < scores.Length; i++) scores[i] = ScoreOne(samples[i]);
        return new RewardOutput(scores);
    }

    /// <summary>The value of dataset column <paramref name="name"/> in <paramref name="sample"/>, or a clear error.</summary>
    protected string Column(RewardSample sample, string name) =>
        sample.Columns.TryGetValue(name, out string? value) ? value
        : throw new KeyNotFoundException(
            $"reward '{Name}' needs dataset column '{name}', but the row has [{string.Join(", ", sample.Columns.Keys)}]; " +
            "add the column to the dataset or set the reward's Column option");
}
