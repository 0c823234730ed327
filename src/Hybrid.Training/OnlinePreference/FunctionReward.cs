// A reward from a plain function (a rule such as "is the answer a digit"), scoring each (prompt, completion) row on its own.
using Hybrid.Algorithms.Rewards;

namespace Hybrid.Training.OnlinePreference;

/// <summary>Wraps <c>Func&lt;RewardSample, double&gt;</c> as an <see cref="IRewardFunction"/>; a non-finite score throws naming the row.</summary>
public sealed class FunctionReward(string name, Func<RewardSample, double> rule) : IRewardFunction
{
    private readonly Func<RewardSample, double> _rule = rule ?? throw new ArgumentNullException(nameof(rule));

    public string Name { get; } = string.IsNullOrEmpty(name) ? throw new ArgumentException("a reward needs a name for its metrics", nameof(name)) : name;

    public RewardOutput Score(IReadOnlyList<RewardSample> samples)
    {
        var scores = new double[samples.Count];
        for (int i = 0; i < samples.Count; i++)
        {
            scores[i] = _rule(samples[i]);
            if (!double.IsFinite(scores[i]))
                throw new InvalidOperationException($"reward '{Name}' returned {scores[i]} for row {i} (prompt '{samples[i].Prompt}'); rules must return finite numbers");
        }
        return new RewardOutput(scores);
    }
}
