// Accuracy reward: hand-worked scores, DAPO's ±1, numeric vs string comparison, missing answers and columns.
using Hybrid.Algorithms.Rewards;
using static Hybrid.Algorithms.Tests.Rewards.RewardTestData;

namespace Hybrid.Algorithms.Tests.Rewards;

public class AccuracyRewardTests
{
    [Fact]
    public void SeedWorkedScoresForTwoPlusThree()
    {
        // Seed (S4 "DeepSeek GRPO"): prompt "2+3", answer 5: "5" → 1, "6" → 0; "2+3=5" ends in 5 → 1 on accuracy alone.
        var reward = new AccuracyReward(new LastNumberExtractor());
        Assert.Equal([1.0, 0.0, 1.0], Scores(reward, "5", "5", "6", "2+3=5"));
    }

    [Fact]
    public void SeedWorkedScoresForTheAnswerPrefix()
    {
        // Seed format example: the output must be "答案是***"; for 1+1 the reward is 1 iff the answer after 答案是 is 2.
        var reward = new AccuracyReward(new PrefixExtractor());
        Assert.Equal([1.0, 1.0, 0.0, 0.0], Scores(reward, "2", "答案是2", "我爱你答案是2", "我恨你", "as答案是1哦"));
    }

    [Fact]
    public void DapoScoresPlusOrMinusOne()
    {
        var reward = new AccuracyReward(new BoxedExtractor(), AccuracyRewardOptions.Dapo);
        Assert.Equal([1.0, -1.0, -1.0], Scores(reward, "12", @"\boxed{12}", @"\boxed{13}", "12 without a box"));
    }

    [Fact]
    public void ComparesNumericallyWhenBothParseElseAsStrings()
    {
        var reward = new AccuracyReward(new AnswerTagExtractor());
        Assert.Equal([1.0, 1.0, 1.0], Scores(reward, "0.5", "<answer>1/2</answer>", "<answer>0.50</answer>", @"<answer>\frac{1}{2}</answer>"));
        Assert.Equal([1.0, 0.0, 0.0], Scores(reward, "Paris", "<answer> Paris </answer>", "<answer>paris</answer>", "<answer>Paris, France</answer>"));
    }

    [Fact]
    public void NoAnswerIsIncorrect()
    {
        var reward = new AccuracyReward(new LastNumberExtractor(), new AccuracyRewardOptions { Correct = 2, Incorrect = -0.5 });
        Assert.Equal([-0.5, 2.0], Scores(reward, "3", "I don't know", "it is 3"));
    }

    [Fact]
    public void MetricsCountExtractionsAndCorrectRows()
    {
        var reward = new AccuracyReward(new LastNumberExtractor());
        RewardOutput output = reward.Score([Sample("1", "1"), Sample("2", "1"), Sample("none", "1"), Sample("x 1", "1")]);
        Assert.Equal(3.0 / 4.0, output.Metrics!["extracted_frac"], 12);
        Assert.Equal(2.0 / 4.0, output.Metrics["accuracy"], 12);
    }

    [Fact]
    public void ReadsTheConfiguredColumnAndNamesAMissingOne()
    {
        var reward = new AccuracyReward(new LastNumberExtractor(), new AccuracyRewardOptions { Column = "solution" });
        var sample = new RewardSample("q", "= 9", new Dictionary<string, string> { ["solution"] = "9" });
        Assert.Equal([1.0], reward.Score([sample]).Scores);
        var error = Assert.Throws<KeyNotFoundException>(() => reward.Score([Sample("9", "9")]));
        Assert.Contains("'solution'", error.Message);
        Assert.Contains("[answer]", error.Message);
    }

    [Fact]
    public void OptionsAreValidated()
    {
        Assert.Throws<ArgumentException>(() => new AccuracyReward(options: new AccuracyRewardOptions { Column = " " }));
        Assert.Throws<ArgumentException>(() => new AccuracyReward(options: new AccuracyRewardOptions { Correct = double.NaN }));
        Assert.Throws<ArgumentException>(() => new AccuracyReward(options: new AccuracyRewardOptions { Tolerance = -1 }));
    }
}
