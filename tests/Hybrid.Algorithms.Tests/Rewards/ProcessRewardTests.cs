// Process rewards: step splitting, the arithmetic verifier, step aggregation, and step rewards placed on tokens.
using Hybrid.Algorithms.Rewards.Process;
using static Hybrid.Algorithms.Tests.Rewards.RewardTestData;

namespace Hybrid.Algorithms.Tests.Rewards;

public class ProcessRewardTests
{
    [Fact]
    public void SplitterKeepsNonBlankStepsWithTheirSpans()
    {
        IReadOnlyList<StepSegment> steps = new StepSplitter().Split("a\n\n bc\n");
        Assert.Equal([new StepSegment(0, 0, 1, "a"), new StepSegment(1, 3, 6, " bc")], steps);
        IReadOnlyList<StepSegment> marked = new StepSplitter("Step").Split("Step 1: x Step 2: y");
        Assert.Equal([" 1: x ", " 2: y"], marked.Select(s => s.Text));
        Assert.Equal(4, marked[0].Start);
        Assert.Empty(new StepSplitter().Split("\n \n"));
        Assert.Throws<ArgumentException>(() => new StepSplitter(""));
    }

    [Theory]
    [InlineData("2+3*4", 14.0)]
    [InlineData("(2+3)*4", 20.0)]
    [InlineData(" -3 + 5 ", 2.0)]
    [InlineData("7÷2", 3.5)]
    [InlineData("2×(3−1)", 4.0)]
    [InlineData("8/4/2", 1.0)]       // left-associative
    [InlineData("10-4-3", 3.0)]
    [InlineData(".5+1.25", 1.75)]
    [InlineData("--2", 2.0)]
    public void ExpressionsEvaluate(string text, double expected)
    {
        Assert.True(ArithmeticExpression.TryEvaluate(text, out double value));
        Assert.Equal(expected, value, 12);
    }

    [Theory]
    [InlineData("")]
    [InlineData("2+")]
    [InlineData("3 4")]
    [InlineData("(2")]
    [InlineData("()")]
    [InlineData("5.")]
    [InlineData("x+1")]
    public void NonExpressionsFail(string text) => Assert.False(ArithmeticExpression.TryEvaluate(text, out _));

    [Theory]
    [InlineData("3+4=7", 1.0)]
    [InlineData("3+4=8", -1.0)]
    [InlineData("Step 1: 3 + 4 = 7, then 7*2=14.", 1.0)]
    [InlineData("3+4=7 and 7*2=15", -1.0)]
    [InlineData("2+3=5=5", 1.0)]
    [InlineData("2+3=5=6", -1.0)]
    [InlineData("1/0=5", -1.0)]
    [InlineData("x = 5", 0.25)]          // not arithmetic on both sides: unchecked
    [InlineData("the sum is 7", 0.25)]
    [InlineData("0.1+0.2=0.3", 1.0)]     // within the 1e-9 relative tolerance
    public void VerifierChecksEveryEquationOfAStep(string step, double expected)
    {
        var verifier = new ArithmeticStepVerifier(new ArithmeticStepOptions { Correct = 1, Incorrect = -1, Unchecked = 0.25 });
        Assert.Equal(expected, verifier.ScoreStep(step));
    }

    [Fact]
    public void VerifierScoresEachStepAndAggregatesCombineThem()
    {
        var verifier = new ArithmeticStepVerifier(new ArithmeticStepOptions { Unchecked = 0.5 });
        var samples = new[] { Sample("3+4=7\nno math\n2*2=5"), Sample("3+4=7\nno math"), Sample("") };
        IReadOnlyList<StepScores> scored = verifier.ScoreSteps(samples);
        Assert.Equal([1.0, 0.5, 0.0], scored[0].Rewards);
        Assert.Equal([1.0, 0.5], scored[1].Rewards);
        Assert.Empty(scored[2].Rewards);
        Assert.Equal("2*2=5", scored[0].Steps[2].Text);
        // [1, 0.5, 0]: min 0, product 0, mean 0.5, sum 1.5. [1, 0.5]: min 0.5, product 0.5, mean 0.75, sum 1.5. No steps: Empty.
        Assert.Equal([0.0, 0.5, -9.0], new StepRewardAggregate(verifier, StepAggregation.Min, empty: -9).Score(samples).Scores);
        Assert.Equal([0.0, 0.5, 0.0], new StepRewardAggregate(verifier, StepAggregation.Product).Score(samples).Scores);
        Assert.Equal([0.5, 0.75, 0.0], new StepRewardAggregate(verifier, StepAggregation.Mean).Score(samples).Scores);
        Assert.Equal([1.5, 1.5, 0.0], new StepRewardAggregate(verifier, StepAggregation.Sum).Score(samples).Scores);
        Assert.Equal("arithmetic_steps_min", new StepRewardAggregate(verifier).Name);
        Assert.Equal((3 + 2 + 0) / 3.0, new StepRewardAggregate(verifier).Score(samples).Metrics!["steps_mean"], 12);
    }

    [Fact]
    public void TokenRewardsPutEachStepRewardAtItsEndToken()
    {
        Assert.Equal([0, 0.5, 0, 0, -1, 0], ProcessRewardMath.TokenRewards(6, [1, 4], [0.5, -1]));
        Assert.Equal([0, 0, 0.75], ProcessRewardMath.TokenRewards(3, [2, 2], [0.5, 0.25]));   // shared end token: summed
        Assert.Equal([0.0, 0.0], ProcessRewardMath.TokenRewards(2, [], []));
        Assert.Throws<ArgumentException>(() => ProcessRewardMath.TokenRewards(3, [3], [1]));
        Assert.Throws<ArgumentException>(() => ProcessRewardMath.TokenRewards(3, [2, 1], [1, 1]));
        Assert.Throws<ArgumentException>(() => ProcessRewardMath.TokenRewards(3, [1], [1, 2]));
        Assert.Throws<ArgumentException>(() => ProcessRewardMath.TokenRewards(3, [1], [double.NaN]));
    }

    [Fact]
    public void GroupAdvantagesMatchTheHandWorkedExample()
    {
        // Response 0: 5 tokens, steps end at 1 and 4 with rewards 1, 0. Response 1: 5 tokens, steps end at 2 and 3 with 1, 1.
        // All step rewards {1, 0, 1, 1}: mean 0.75, sample variance (0.0625 + 0.5625 + 0.0625 + 0.0625)/3 = 0.25, std 0.5.
        // r̃ = (r − 0.75)/(0.5 + ε): 1 → 0.25/(0.5+ε) ≈ 0.5, 0 → −0.75/(0.5+ε) ≈ −1.5.
        // Response 0: t ≤ 1 sums both steps (0.5 − 1.5 = −1), 2 ≤ t ≤ 4 only the second (−1.5).
        // Response 1: t ≤ 2 sums both (1), t = 3 the second (0.5), t = 4 is after the last step (0).
        const double eps = 1e-6;
        double hi = 0.25 / (0.5 + eps), lo = -0.75 / (0.5 + eps);
        double[][] adv = ProcessRewardMath.GroupAdvantages([5, 5], [[1, 4], [2, 3]], [[1.0, 0.0], [1.0, 1.0]], eps);
        double[][] expected = [[hi + lo, hi + lo, lo, lo, lo], [2 * hi, 2 * hi, 2 * hi, hi, 0]];
        for (int i = 0; i < 2; i++)
            for (int t = 0; t < 5; t++) Assert.Equal(expected[i][t], adv[i][t], 12);
    }

    [Fact]
    public void GroupAdvantagesOfEqualRewardsAreZero()
    {
        double[][] adv = ProcessRewardMath.GroupAdvantages([3, 2], [[0, 2], [1]], [[1.0, 1.0], [1.0]]);
        Assert.All(adv.SelectMany(a => a), a => Assert.Equal(0.0, a));
        double[][] single = ProcessRewardMath.GroupAdvantages([2], [[1]], [[5.0]]);   // one step: std undefined → 0
        Assert.Equal([0.0, 0.0], single[0]);
        Assert.Throws<ArgumentException>(() => ProcessRewardMath.GroupAdvantages([2], [[1], [0]], [[1.0]]));
    }

    [Fact]
    public void StepEndTokensMapCharacterSpansToTokens()
    {
        // "ab\ncd\nef": steps [0,2), [3,5), [6,8); tokens "a" "b\n" "cd" "\ne" end at chars 1, 3, 5, 7 (the last step is cut off).
        IReadOnlyList<StepSegment> steps = new StepSplitter().Split("ab\ncd\nef");
        Assert.Equal([1, 2, 3], ProcessRewardMath.StepEndTokens(steps, [1, 3, 5, 7]));
        Assert.Throws<ArgumentException>(() => ProcessRewardMath.StepEndTokens(steps, []));
    }
}
