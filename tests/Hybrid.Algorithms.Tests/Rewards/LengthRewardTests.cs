// Length penalty (token budget, linear) and DAPO's soft overlong punishment at and around their edges.
using Hybrid.Algorithms.Rewards;
using static Hybrid.Algorithms.Tests.Rewards.RewardTestData;

namespace Hybrid.Algorithms.Tests.Rewards;

public class LengthRewardTests
{
    private static double[] Score(IRewardFunction reward, params int[] tokens) =>
        reward.Score(tokens.Select(t => Sample("x", tokens: t)).ToList()).Scores;

    [Fact]
    public void LengthPenaltyIsLinearBeyondTheBudget()
    {
        // −0.005·max(0, L − 512): 0 → 0, 512 → 0, 513 → −0.005, 612 → −0.5 ("−0.5 per 100 extra tokens"), 1012 → −2.5.
        double[] scores = Score(new LengthPenalty(), 0, 512, 513, 612, 1012);
        double[] expected = [0.0, 0.0, -0.005 * 1, -0.005 * 100, -0.005 * 500];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], scores[i], 12);
    }

    [Fact]
    public void LengthPenaltyParametersAndMetric()
    {
        var reward = new LengthPenalty(budget: 0, rate: 0.1);
        RewardOutput output = reward.Score([Sample("a", tokens: 0), Sample("b", tokens: 3)]);
        Assert.Equal(0.0, output.Scores[0]);
        Assert.Equal(-0.3, output.Scores[1], 12);
        Assert.Equal(0.5, output.Metrics!["over_budget_frac"], 12);
        Assert.Throws<ArgumentException>(() => new LengthPenalty(budget: -1));
        Assert.Throws<ArgumentException>(() => new LengthPenalty(rate: -0.1));
    }

    [Fact]
    public void OverlongPunishmentRampsToMinusOne()
    {
        // L_max 20, L_cache 4: soft start 16. L ≤ 16 → 0; 17 → (16−17)/4 = −0.25; 18 → −0.5; 20 → −1; 21 → −1.
        double[] scores = Score(new OverlongPunishment(maxLength: 20, cacheLength: 4), 0, 16, 17, 18, 20, 21, 1000);
        double[] expected = [0, 0, (16.0 - 17) / 4, (16.0 - 18) / 4, (16.0 - 20) / 4, -1, -1];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], scores[i], 12);
    }

    [Fact]
    public void OverlongPunishmentDefaultsAndValidation()
    {
        var reward = new OverlongPunishment();
        Assert.Equal((20480, 4096), (reward.MaxLength, reward.CacheLength));
        Assert.Equal((16384.0 - 18432) / 4096, Score(reward, 18432)[0], 12);
        RewardOutput output = reward.Score([Sample("a") with { Truncated = true }, Sample("b")]);
        Assert.Equal(0.5, output.Metrics!["truncated_frac"], 12);
        Assert.Throws<ArgumentException>(() => new OverlongPunishment(maxLength: 10, cacheLength: 0));
        Assert.Throws<ArgumentException>(() => new OverlongPunishment(maxLength: 10, cacheLength: 11));
    }
}
