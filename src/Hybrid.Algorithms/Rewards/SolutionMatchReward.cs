// Solution-match reward: is the completion the reference worked solution, line for line?

namespace Hybrid.Algorithms.Rewards;

/// <summary>
/// r = 1 when the completion's non-blank lines, each trimmed and without a final period, equal those of the dataset's
/// <c>solution</c> column, else 0. For generated tasks whose worked solution is the one right chain (the word problems):
/// unlike an answer check, it does not pay a chain with a false step or a coincidence that lands on the right number.
/// Metric: <c>match_frac</c>.
/// </summary>
public sealed class SolutionMatchReward(string column = "solution") : RuleReward
{
    /// <summary>The dataset column holding the reference solution.</summary>
    public string SolutionColumn { get; } = column;

    public override string Name => "solution_match";

    public override IReadOnlyList<string> RequiredColumns => [SolutionColumn];

    /// <summary>True when <paramref name="completion"/> is <paramref name="solution"/> line for line (see the class).</summary>
    public static bool Matches(string completion, string solution) => Lines(completion).SequenceEqual(Lines(solution), StringComparer.Ordinal);

    public override double ScoreOne(RewardSample sample) => Matches(sample.Completion, Column(sample, SolutionColumn)) ? 1.0 : 0.0;

    public override RewardOutput Score(IReadOnlyList<RewardSample> samples)
    {
        RewardOutput output = base.Score(samples);
        double frac = samples.Count == 0 ? 0 : output.Scores.Count(s => s > 0) / (double)samples.Count;
        return output with { Metrics = new Dictionary<string, double> { ["match_frac"] = frac } };
    }

    private static IEnumerable<string> Lines(string text) =>
        text.Split('\n').Select(l => l.Trim()).Where(l => l.Length > 0).Select(l => l.EndsWith('.') ? l[..^1].TrimEnd() : l);
}
