// A weighted sum of reward functions seen by the RL loop as one reward function.
using Hybrid.Algorithms.Rewards;

namespace Hybrid.Training.Rl;

/// <summary>
/// R = Σ_k w_k f_k (<see cref="RewardCombination"/>); metrics <c>rewards/{f}/mean</c>, <c>rewards/{f}/std</c> and each
/// member's own, as TRL's GRPO trainer logs them (the loop logs <c>reward</c> / <c>reward_std</c> of the shaped total).
/// </summary>
public sealed class WeightedReward(RewardCombination combination) : IRewardFunction
{
    public WeightedReward(params (IRewardFunction Function, double Weight)[] members) : this(new RewardCombination(members)) { }

    public string Name => "total";

    public RewardCombination Combination { get; } = combination;

    public IReadOnlyList<string> RequiredColumns => Combination.Members.SelectMany(m => m.Function.RequiredColumns).Distinct().ToList();

    /// <summary>Parses "accuracy:1,format:0.5" against the rule-reward registry (a bare name has weight 1).</summary>
    public static WeightedReward Parse(string spec, IEnumerable<IRewardFunction>? extra = null)
    {
        var members = new List<(IRewardFunction, double)>();
        foreach (string part in spec.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            string[] pieces = part.Split(':');
            double weight = 1;
            if (pieces.Length > 2 || pieces.Length == 2 && !double.TryParse(pieces[1], System.Globalization.CultureInfo.InvariantCulture, out weight))
                throw new ArgumentException($"reward '{part}': expected name or name:weight (e.g. accuracy:1,format:0.5)");
            members.Add((RuleRewards.Registry.Create(pieces[0]), weight));
        }
        foreach (IRewardFunction f in extra ?? []) members.Add((f, 1.0));
        return members.Count > 0 ? new WeightedReward(new RewardCombination(members))
            : throw new ArgumentException("no reward function given (e.g. --reward accuracy)");
    }

    public RewardOutput Score(IReadOnlyList<RewardSample> samples)
    {
        CombinedRewards combined = Combination.Score(samples);
        var metrics = combined.Metrics.Where(kv => kv.Key.StartsWith("rewards/", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value);
        return new RewardOutput(combined.Total, metrics);
    }
}
