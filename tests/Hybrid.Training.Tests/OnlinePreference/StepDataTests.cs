// Step-DPO data: step splitting, first-divergence localisation, and the synthetic step-arithmetic generator.
using Hybrid.Training.OnlinePreference.StepDpo;

namespace Hybrid.Training.Tests.OnlinePreference;

public sealed class StepDataTests
{
    /// <summary>Independent evaluator: applies "a op b op c …" left to right with plain integer math.</summary>
    private static List<int> LeftToRight(string question)
    {
        string q = question.TrimEnd('\n');
        var values = new List<int>();
        int i = 0, value = 0;
        while (i < q.Length && char.IsDigit(q[i])) value = value * 10 + (q[i++] - '0');
        while (i < q.Length)
        {
            char op = q[i++];
            int operand = 0;
            while (i < q.Length && char.IsDigit(q[i])) operand = operand * 10 + (q[i++] - '0');
            value = op == '+' ? value + operand : op == '-' ? value - operand : value * operand;
            values.Add(value);
        }
        return values;
    }

    [Fact]
    public void SplitKeepsSeparatorsWithTheirStepAndRebuildsTheText()
    {
        StepSolution s = StepSolution.Split("3+4*2\n", "3+4=7\n7*2=14\nso 14");
        Assert.Equal(["3+4=7\n", "7*2=14\n", "so 14"], s.Steps);
        Assert.Equal("3+4*2\n3+4=7\n7*2=14\nso 14", s.Text);
        Assert.Empty(StepSolution.Split("q", "").Steps);
    }

    [Fact]
    public void FirstDivergenceMakesThePromptOfTheSharedStepsAndPairsTheKthSteps()
    {
        var correct = new StepSolution("3+4*2-5\n", ["3+4=7\n", "7*2=14\n", "14-5=9\n"]);
        var wrong = new StepSolution("3+4*2-5\n", ["3+4=7\n", "7*2=15\n", "15-5=10\n"]);
        StepPair pair = StepPair.FirstDivergence(correct, wrong)!;
        Assert.Equal(2, pair.StepIndex);
        Assert.Equal("3+4*2-5\n3+4=7\n", pair.Prompt);
        Assert.Equal("7*2=14\n", pair.ChosenStep);
        Assert.Equal("7*2=15\n", pair.RejectedStep);

        // Wrong from the first step: k = 1, the prompt is the question alone.
        StepPair first = StepPair.FirstDivergence(correct, new StepSolution("3+4*2-5\n", ["3+4=8\n"]))!;
        Assert.Equal((1, "3+4*2-5\n"), (first.StepIndex, first.Prompt));

        // No divergence: a prefix of the correct solution, or the same solution.
        Assert.Null(StepPair.FirstDivergence(correct, new StepSolution("3+4*2-5\n", ["3+4=7\n"])));
        Assert.Null(StepPair.FirstDivergence(correct, correct));
        Assert.Throws<ArgumentException>(() => StepPair.FirstDivergence(correct, new StepSolution("1+1\n", ["1+1=2\n"])));
    }

    [Fact]
    public void PairsRejectEqualOrEmptySteps()
    {
        var e = Assert.Throws<ArgumentException>(() => new StepPair("q\n", [], "1+1=2\n", "1+1=2\n"));
        Assert.Contains("same text", e.Message);
        Assert.Contains("ChosenStep", Assert.Throws<ArgumentException>(() => new StepPair("q\n", [], "", "x\n")).Message);
        Assert.Contains("Steps[1]", Assert.Throws<ArgumentException>(() => new StepSolution("q", ["a\n", ""])).Message);
    }

    [Fact]
    public void GeneratedSolutionsAreCorrectLeftToRightAndStayInRange()
    {
        var rng = new Random(7);
        for (int n = 0; n < 200; n++)
        {
            StepSolution s = StepArithmetic.NewProblem(rng, operations: 1 + n % 4);
            List<int> expected = LeftToRight(s.Question);
            Assert.Equal(expected.Count, s.Steps.Count);
            int previous = int.Parse(s.Question[..s.Question.IndexOfAny(['+', '-', '*'])]);
            for (int k = 0; k < s.Steps.Count; k++)
            {
                Assert.StartsWith(previous.ToString(), s.Steps[k]);                 // each step starts from the last result
                Assert.EndsWith($"={expected[k]}\n", s.Steps[k]);                   // and ends with the true value
                Assert.InRange(expected[k], 0, 99);
                Assert.True(StepArithmetic.IsCorrectStep(s.Steps[k]), s.Steps[k]);
                previous = expected[k];
            }
        }
    }

    [Fact]
    public void WrongStepsKeepTheLeftSideAndMissByOneOrTwo()
    {
        var rng = new Random(3);
        foreach (string step in new[] { "7*2=14\n", "3+4=7\n", "1-1=0\n", "9*9=81\n" })
        {
            for (int n = 0; n < 50; n++)
            {
                string wrong = StepArithmetic.WrongStep(step, rng);
                Assert.Equal(step[..(step.IndexOf('=') + 1)], wrong[..(wrong.IndexOf('=') + 1)]);
                int right = int.Parse(step[(step.IndexOf('=') + 1)..^1]), got = int.Parse(wrong[(wrong.IndexOf('=') + 1)..^1]);
                Assert.InRange(Math.Abs(got - right), 1, 2);
                Assert.True(got >= 0);
                Assert.False(StepArithmetic.IsCorrectStep(wrong));
            }
        }
        Assert.False(StepArithmetic.IsCorrectStep("7*2=14"));   // no separator: not a step
        Assert.False(StepArithmetic.IsCorrectStep("hello\n"));
    }

    [Fact]
    public void GeneratedPairsShareACorrectPrefixAndAreDeterministic()
    {
        List<StepPair> pairs = StepArithmetic.Pairs(100, seed: 11, minOperations: 2, maxOperations: 3);
        Assert.Equal(100, pairs.Count);
        Assert.Contains(pairs, p => p.StepIndex == 1);
        Assert.Contains(pairs, p => p.StepIndex == 3);
        foreach (StepPair p in pairs)
        {
            Assert.All(p.SharedSteps, s => Assert.True(StepArithmetic.IsCorrectStep(s)));
            Assert.True(StepArithmetic.IsCorrectStep(p.ChosenStep));
            Assert.False(StepArithmetic.IsCorrectStep(p.RejectedStep));
            Assert.Equal(LeftToRight(p.Question)[p.StepIndex - 1], int.Parse(p.ChosenStep[(p.ChosenStep.IndexOf('=') + 1)..^1]));
            Assert.Equal(p.Question + string.Concat(p.SharedSteps), p.Prompt);
        }
        List<StepPair> again = StepArithmetic.Pairs(100, seed: 11, minOperations: 2, maxOperations: 3);
        Assert.Equal(pairs.Select(p => p.Prompt + p.ChosenStep + p.RejectedStep), again.Select(p => p.Prompt + p.ChosenStep + p.RejectedStep));
    }
}
