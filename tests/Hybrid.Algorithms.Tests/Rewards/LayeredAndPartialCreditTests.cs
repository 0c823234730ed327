// Layered reward (10 / 0–5 / 1) with pluggable step counters, and graded partial credit for numbers.
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rewards.Process;
using static Hybrid.Algorithms.Tests.Rewards.RewardTestData;

namespace Hybrid.Algorithms.Tests.Rewards;

public class LayeredAndPartialCreditTests
{
    private const string TwoSteps = "<think>\n2+3=5\n5-1=4\n</think>\n<answer>4</answer>";

    [Fact]
    public void LayeredAddsCorrectStepsAndFormat()
    {
        var reward = new LayeredReward();
        string sevenSteps = "<think>\n" + string.Join("\n", Enumerable.Range(1, 7).Select(k => $"step {k}")) + "\n</think><answer>4</answer>";
        RewardOutput output = reward.Score([Sample(TwoSteps, "4"), Sample("I guess 7", "4"), Sample(sevenSteps, "4"), Sample(TwoSteps, "5")]);
        // correct + 2 of 5 steps + format: 10 + 5·2/5 + 1 = 13; wrong, 1 line, no format: 0 + 5·1/5 + 0 = 1;
        // 7 steps cap at 5 points: 10 + 5 + 1 = 16; right format and steps but wrong answer: 0 + 2 + 1 = 3.
        double[] expected = [10 + 5 * 2.0 / 5 + 1, 0 + 5 * 1.0 / 5 + 0, 10 + 5 + 1, 0 + 5 * 2.0 / 5 + 1];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], output.Scores[i], 12);
        Assert.Equal(2.0 / 4, output.Metrics!["correct_frac"], 12);
        Assert.Equal(3.0 / 4, output.Metrics["format_frac"], 12);
        Assert.Equal((2 + 1 + 7 + 2) / 4.0, output.Metrics["steps_mean"], 12);
    }

    [Fact]
    public void LayeredTakesAPluggableStepCounterAndPoints()
    {
        var counter = new VerifiedStepCounter(new ArithmeticStepVerifier());
        var options = new LayeredRewardOptions { CorrectPoints = 1, StepPoints = 2, ExpectedSteps = 2, FormatPoints = 0.5 };
        var reward = new LayeredReward(stepCounter: counter, options: options);
        // "2+3=5" holds and "5-1=3" does not: 1 verified step of 2 → 2·1/2 = 1; answer 3 ≠ 4; loose text → no format.
        double[] scores = Scores(reward, "4", "2+3=5\n5-1=3\nso 3", "2+3=5\n5-1=4\nso 4");
        Assert.Equal(0 + 2 * 1.0 / 2 + 0, scores[0], 12);
        Assert.Equal(1 + 2 * 2.0 / 2 + 0, scores[1], 12);
        Assert.Throws<ArgumentException>(() => new LayeredReward(options: new LayeredRewardOptions { ExpectedSteps = 0 }));
    }

    [Fact]
    public void PartialCreditFollowsTheUnslothExample()
    {
        // "2+2=?": 4 → 1; 3 → 0.1 + 0.4/(1 + 1/4) = 0.42; 8 → 0.1 + 0.4/(1 + 4/4) = 0.3; "four" → 0.1; nothing → 0.
        var reward = new PartialCreditReward(new AnswerTagExtractor());
        double[] scores = Scores(reward, "4", "<answer>4</answer>", "<answer>3</answer>", "<answer>8</answer>", "<answer>four</answer>", "4");
        double[] expected = [1.0, 0.1 + 0.4 / (1 + 1.0 / 4), 0.1 + 0.4 / (1 + 4.0 / 4), 0.1, 0.0];
        for (int i = 0; i < expected.Length; i++) Assert.Equal(expected[i], scores[i], 12);
        Assert.True(scores[1] > scores[2] && scores[2] > scores[3] && scores[3] > scores[4]);
    }

    [Fact]
    public void PartialCreditUsesRelativeDistanceAndHandlesTextTargets()
    {
        var reward = new PartialCreditReward(new LastNumberExtractor());
        // target 0: scale max(1, 0) = 1, so 0.5 → 0.1 + 0.4/1.5; target 200: 190 → 0.1 + 0.4/(1 + 10/200).
        Assert.Equal(0.1 + 0.4 / 1.5, Scores(reward, "0", "0.5")[0], 12);
        Assert.Equal(0.1 + 0.4 / (1 + 10.0 / 200), Scores(reward, "200", "190")[0], 12);
        var text = new PartialCreditReward(new AnswerTagExtractor());
        Assert.Equal([1.0, 0.1], Scores(text, "Paris", "<answer>Paris</answer>", "<answer>3</answer>"));
        Assert.Throws<ArgumentException>(() => new PartialCreditReward(options: new PartialCreditOptions { Near = 2 }));
    }
}
