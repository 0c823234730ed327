// Format reward: the strict DeepSeek-R1 template vs the loose search, on well-formed and malformed completions.
using Hybrid.Algorithms.Rewards;

namespace Hybrid.Algorithms.Tests.Rewards;

public class FormatRewardTests
{
    [Theory]
    [InlineData("<think>2+3=5</think><answer>5</answer>", true, true)]
    [InlineData("<think>\nadd\n</think>\n<answer>\n5\n</answer>\n", true, true)]
    [InlineData("Sure! <think>add</think><answer>5</answer>", false, true)]     // text before
    [InlineData("<think>add</think><answer>5</answer> bye", false, true)]       // text after
    [InlineData("<think>add</think> so <answer>5</answer>", false, true)]       // text between
    [InlineData("<think></think><answer>5</answer>", false, true)]              // blank reasoning
    [InlineData("<think>add</think><answer> </answer>", false, true)]           // blank answer
    [InlineData("<answer>5</answer><think>add</think>", false, false)]          // wrong order
    [InlineData("<think>add<answer>5</answer>", false, false)]                  // think never closed
    [InlineData("<think>add</think><answer>5", false, false)]                   // answer never closed
    [InlineData("<think>a<think>b</think></think><answer>5</answer>", false, true)] // nested think
    [InlineData("<think>a</think><answer>5</answer><answer>6</answer>", false, true)] // two answers
    [InlineData("5", false, false)]
    public void StrictAndLooseTemplates(string completion, bool strict, bool loose)
    {
        Assert.Equal(strict, new FormatReward(strict: true).Matches(completion));
        Assert.Equal(loose, new FormatReward(strict: false).Matches(completion));
    }

    [Fact]
    public void ScoresUseTheConfiguredValues()
    {
        var reward = new FormatReward(strict: true, matched: 0.5, unmatched: -0.25);
        double[] scores = reward.Score([RewardTestData.Sample("<think>t</think><answer>a</answer>"), RewardTestData.Sample("a")]).Scores;
        Assert.Equal([0.5, -0.25], scores);
        Assert.Equal("format", reward.Name);
        Assert.Equal("format_loose", new FormatReward(strict: false).Name);
        Assert.Throws<ArgumentException>(() => new FormatReward(matched: double.PositiveInfinity));
    }
}
