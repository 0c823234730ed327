// Solution-match reward: the reference chain line for line pays 1; a right answer by a wrong or reordered chain pays 0.
using Hybrid.Algorithms.Rewards;

namespace Hybrid.Algorithms.Tests.Rewards;

public class SolutionMatchRewardTests
{
    private const string Solution = "7 + 5 = 12\n12 - 3 = 9\nThe answer is 9.";

    [Theory]
    [InlineData("7 + 5 = 12\n12 - 3 = 9\nThe answer is 9.", 1.0)]              // the worked solution
    [InlineData("7 + 5 = 12\n12 - 3 = 9\nThe answer is 9", 1.0)]               // without the final period
    [InlineData("  7 + 5 = 12  \n\n12 - 3 = 9\nThe answer is 9.\n", 1.0)]      // blanks around lines, a blank line
    [InlineData("7 - 3 = 4\n4 + 5 = 9\nThe answer is 9.", 0.0)]                // the right answer by a reordered chain
    [InlineData("7 + 5 = 11\n11 - 3 = 9\nThe answer is 9.", 0.0)]              // the right answer through a false equation
    [InlineData("7 + 5 = 12\nThe answer is 9.", 0.0)]                          // a step left out
    [InlineData("7 + 5 = 12\n12 - 3 = 9\nThe answer is 9.\nThe answer is 9.", 0.0)] // a line too many
    [InlineData("7+5=12\n12-3=9\nThe answer is 9.", 0.0)]                      // other spacing inside a line is another text
    [InlineData("", 0.0)]
    public void OnlyTheReferenceChainLineForLineScoresOne(string completion, double expected)
    {
        var sample = new RewardSample("q", completion, new Dictionary<string, string> { ["solution"] = Solution });
        Assert.Equal(expected, new SolutionMatchReward().ScoreOne(sample));
    }

    [Fact]
    public void TheBatchLogsTheMatchedShareAndAMissingColumnIsNamed()
    {
        var reward = (SolutionMatchReward)RuleRewards.Registry.Create("solution_match");
        Assert.Equal(["solution"], reward.RequiredColumns);
        RewardSample Row(string completion) => new("q", completion, new Dictionary<string, string> { ["solution"] = Solution });
        RewardOutput output = reward.Score([Row(Solution), Row("The answer is 9."), Row(Solution + "\n"), Row("9")]);
        Assert.Equal([1.0, 0.0, 1.0, 0.0], output.Scores);
        Assert.Equal(0.5, output.Metrics!["match_frac"]);
        var error = Assert.Throws<KeyNotFoundException>(() => reward.Score([RewardTestData.Sample(Solution, answer: "9")]));
        Assert.Contains("needs dataset column 'solution'", error.Message);
    }
}
