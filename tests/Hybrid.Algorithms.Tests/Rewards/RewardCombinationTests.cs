// Weighted combination (totals and per-member metrics), capping, and the registry of rule rewards.
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rewards.Process;
using static Hybrid.Algorithms.Tests.Rewards.RewardTestData;

namespace Hybrid.Algorithms.Tests.Rewards;

public class RewardCombinationTests
{
    /// <summary>A reward that returns fixed scores (and one metric), to test the combination's arithmetic in isolation.</summary>
    private sealed class Fixed(string name, params double[] scores) : IRewardFunction
    {
        public string Name => name;

        public RewardOutput Score(IReadOnlyList<RewardSample> samples) =>
            new(scores.Take(samples.Count).ToArray(), new Dictionary<string, double> { ["calls"] = 1 });
    }

    private static readonly RewardSample[] Three = [Sample("a"), Sample("b"), Sample("c")];

    [Fact]
    public void TotalIsTheWeightedSumAndEachMemberIsLogged()
    {
        var combination = new RewardCombination([(new Fixed("f", 1, 0, 2), 2.0), (new Fixed("g", -1, 3, 1), 0.5)]);
        CombinedRewards result = combination.Score(Three);
        // totals: 2·1 + 0.5·(−1) = 1.5; 2·0 + 0.5·3 = 1.5; 2·2 + 0.5·1 = 4.5.
        Assert.Equal([1.5, 1.5, 4.5], result.Total);
        Assert.Equal([1.0, 0, 2], result.PerFunction["f"]);
        // f: mean 1, sample variance ((0)² + (−1)² + 1²)/2 = 1 → std 1. g: mean 1, variance (4 + 4 + 0)/2 = 4 → std 2.
        Assert.Equal(1.0, result.Metrics["rewards/f/mean"], 12);
        Assert.Equal(1.0, result.Metrics["rewards/f/std"], 12);
        Assert.Equal(1.0, result.Metrics["rewards/g/mean"], 12);
        Assert.Equal(2.0, result.Metrics["rewards/g/std"], 12);
        Assert.Equal(1.0, result.Metrics["rewards/g/calls"]);
        // total: mean 2.5, variance (1 + 1 + 4)/2 = 3.
        Assert.Equal(2.5, result.Metrics["reward"], 12);
        Assert.Equal(Math.Sqrt(3.0), result.Metrics["reward_std"], 12);
    }

    [Fact]
    public void SeedScoresOfTwoPlusThreeFromAccuracyPlusVerifiedReasoning()
    {
        // Seed: "5" → 1 (correct, no reasoning), "6" → 0, "2+3=5" → 2 (correct with reasoning): accuracy + mean verified steps.
        var combination = new RewardCombination([
            (new AccuracyReward(new LastNumberExtractor()), 1.0),
            (new StepRewardAggregate(new ArithmeticStepVerifier(), StepAggregation.Mean), 1.0)]);
        Assert.Equal([1.0, 0.0, 2.0], combination.Score([Sample("5", "5"), Sample("6", "5"), Sample("2+3=5", "5")]).Total);
    }

    [Fact]
    public void AccuracyFormatAndLengthTogether()
    {
        var combination = new RewardCombination([(new AccuracyReward(), 1.0), (new FormatReward(), 0.5), (new LengthPenalty(budget: 10, rate: 0.1), 1.0)]);
        RewardSample[] samples = [Sample("<think>t</think><answer>3</answer>", "3", tokens: 12), Sample("3", "3", tokens: 5)];
        // row 0: 1 + 0.5·1 − 0.1·2 = 1.3; row 1: 1 + 0 + 0 = 1.
        double[] total = combination.Score(samples).Total;
        Assert.Equal(1 + 0.5 - 0.1 * 2, total[0], 12);
        Assert.Equal(1.0, total[1], 12);
    }

    [Fact]
    public void CombinationRejectsBadMembersAndOutputs()
    {
        Assert.Throws<ArgumentException>(() => new RewardCombination([]));
        Assert.Throws<ArgumentException>(() => new RewardCombination([(new Fixed("f", 1), 1.0), (new Fixed("f", 2), 1.0)]));
        Assert.Throws<ArgumentException>(() => new RewardCombination([(new Fixed("f", 1), double.NaN)]));
        Assert.Throws<InvalidOperationException>(() => new RewardCombination([(new Fixed("short", 1), 1.0)]).Score(Three));
        Assert.Throws<InvalidOperationException>(() => new RewardCombination([(new Fixed("nan", 1, double.NaN, 1), 1.0)]).Score(Three));
    }

    [Fact]
    public void CappingClampsToTheRange()
    {
        var capped = new CappedReward(new Fixed("f", -3, 0.5, 7), lo: -1, hi: 1);
        RewardOutput output = capped.Score(Three);
        Assert.Equal([-1.0, 0.5, 1.0], output.Scores);
        Assert.Equal(2.0 / 3, output.Metrics!["capped_frac"], 12);
        Assert.Equal(1.0, output.Metrics["calls"]);
        Assert.Equal("f", capped.Name);
        Assert.Throws<ArgumentException>(() => new CappedReward(new Fixed("f"), 1, 0));
        // The layered reward's 16-point maximum capped at 10 inside a combination.
        var layered = new RewardCombination([(new CappedReward(new LayeredReward(), 0, 10), 1.0)]);
        string full = "<think>\n1\n2\n3\n4\n5\n</think><answer>4</answer>";
        Assert.Equal([10.0, 1.0], layered.Score([Sample(full, "4"), Sample("no", "4")]).Total);
    }

    [Fact]
    public void RegistryCreatesEveryRuleRewardByName()
    {
        string[] names =
        [
            "accuracy", "accuracy_answer_tag", "accuracy_boxed", "accuracy_last_number", "accuracy_prefix", "arithmetic_steps",
            "dapo_accuracy", "format", "format_loose", "layered", "length_penalty", "overlong_punishment", "partial_credit",
            "solution_match",
        ];
        Assert.Equal(names, RuleRewards.Registry.Names);
        foreach (string name in names) Assert.Equal(name, RuleRewards.Registry.Create(name).Name);
        Assert.NotSame(RuleRewards.Registry.Create("format"), RuleRewards.Registry.Create("format"));
        var error = Assert.Throws<ArgumentException>(() => RuleRewards.Registry.Create("acuracy"));
        Assert.Contains("known: accuracy, accuracy_answer_tag", error.Message);
        // dapo_accuracy scores ±1.
        Assert.Equal([1.0, -1.0], Scores(RuleRewards.Registry.Create("dapo_accuracy"), "2", "so 2", "so 3"));
    }
}
