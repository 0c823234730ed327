// The weighted sum of several reward functions, with each member's mean/std and the total logged.

namespace Hybrid.Algorithms.Rewards;

/// <summary>
/// The result of <see cref="RewardCombination.Score"/>: [N] totals, each member's [N] scores by name, and the metrics
/// (<c>rewards/{name}/mean</c>, <c>rewards/{name}/std</c>, the members' own metrics as <c>rewards/{name}/{metric}</c>,
/// and <c>reward</c> / <c>reward_std</c> for the total, as TRL's GRPO trainer logs them).
/// </summary>
public sealed record CombinedRewards(double[] Total, IReadOnlyDictionary<string, double[]> PerFunction, IReadOnlyDictionary<string, double> Metrics);

/// <summary>
/// R(x) = Σ_k w_k f_k(x). Several rewards combined make any single one harder to exploit (Amodei et al. 2016,
/// arXiv 1606.06565, "multiple rewards"; docs/algorithms.md), and are how fine-grained RLHF (Wu et al. 2023, arXiv 2306.01693) and
/// DeepSeek-R1 (accuracy + format) mix their signals. std is the sample (n−1) standard deviation, 0 for one row.
/// Member names must be distinct (they key the metrics).
/// </summary>
public sealed class RewardCombination
{
    private readonly (IRewardFunction Function, double Weight)[] _members;

    public RewardCombination(IEnumerable<(IRewardFunction Function, double Weight)> members)
    {
        _members = members.ToArray();
        if (_members.Length == 0) throw new ArgumentException("RewardCombination needs at least one reward function", nameof(members));
        foreach ((IRewardFunction f, double w) in _members)
            if (!double.IsFinite(w)) throw new ArgumentException($"RewardCombination: weight of '{f.Name}' is {w}; weights must be finite", nameof(members));
        string? duplicate = _members.GroupBy(m => m.Function.Name).FirstOrDefault(g => g.Count() > 1)?.Key;
        if (duplicate is not null)
            throw new ArgumentException($"RewardCombination: two members are named '{duplicate}'; give each reward function a distinct name", nameof(members));
    }

    /// <summary>The members and their weights, in order.</summary>
    public IReadOnlyList<(IRewardFunction Function, double Weight)> Members => _members;

    public CombinedRewards Score(IReadOnlyList<RewardSample> samples)
    {
        var total = new double[samples.Count];
        var perFunction = new Dictionary<string, double[]>(StringComparer.Ordinal);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach ((IRewardFunction function, double weight) in _members)
        {
            RewardOutput output = function.Score(samples);
            if (output.Scores.Length != samples.Count)
                throw new InvalidOperationException($"reward '{function.Name}' returned {output.Scores.Length} scores for {samples.Count} samples");
            for (int i = 0; i < total.Length; i++)
            {
                if (!double.IsFinite(output.Scores[i]))
                    throw new InvalidOperationException($"reward '{function.Name}' gave {output.Scores[i]} for sample {i}; rewards must be finite");
                total[i] += weight * output.Scores[i];
            }
            perFunction[function.Name] = output.Scores;
            metrics[$"rewards/{function.Name}/mean"] = Mean(output.Scores);
            metrics[$"rewards/{function.Name}/std"] = Std(output.Scores);
            foreach ((string key, double value) in output.Metrics ?? new Dictionary<string, double>())
                metrics[$"rewards/{function.Name}/{key}"] = value;
        }
        metrics["reward"] = Mean(total);
        metrics["reward_std"] = Std(total);
        return new CombinedRewards(total, perFunction, metrics);
    }

    private static double Mean(double[] x) => x.Length == 0 ? 0 : x.Average();

    private static double Std(double[] x)
    {
        if (x.Length < 2) return 0;
        double mean = x.Average();
        return Math.Sqrt(x.Sum(v => (v - mean) * (v - mean)) / (x.Length - 1));
    }
}
