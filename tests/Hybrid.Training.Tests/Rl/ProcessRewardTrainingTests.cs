// The process reward in the RL loop: on two-step chained addition, step-level rewards train the policy through GenAI rollouts.
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rewards.Process;
using Hybrid.Algorithms.Rl;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;
using Hybrid.Training.Rl.Tasks;
using Hybrid.Training.Tests.Online;
using Xunit.Abstractions;

namespace Hybrid.Training.Tests.Rl;

public sealed class ProcessRewardTrainingTests(ITestOutputHelper output)
{
    private const int WarmUpSteps = 300, Iterations = 50;

    /// <summary>
    /// From a 300-step SFT warm-up on the written solutions (≈26% of held-out steps right when sampled), runs
    /// <paramref name="preset"/> with the 0/1 accuracy reward on the final answer plus, unless <paramref name="use"/> is
    /// null, the arithmetic step verifier as a process reward. Returns the held-out mean step correctness (128 held-out
    /// prompts × 4 seeded samples, scored by the verifier) before and after.
    /// </summary>
    private (double Before, double After, RlResult Result) Run(string preset, ProcessRewardUse? use)
    {
        using var fixture = new BytePolicy("prm-" + preset);
        OnlinePolicy policy = fixture.Policy;
        var (train, heldOut) = ChainAdditionTask.Split();
        AdditionTask.WarmUp(policy, train, WarmUpSteps, completionColumn: "solution");
        int budget = ChainAdditionTask.LongestSolution + 2;
        RlAxes axes = RlAxes.FromPreset(RlAxes.FitToBudget(RlPresets.Create(preset, groupSize: 8), budget) with { MiniBatches = 4 });
        using var reference = axes.NeedsReference ? policy.FrozenCopy() : null;
        var config = new RlConfig { Iterations = Iterations, PromptsPerIteration = 16, MaxNewTokens = budget, LearningRate = 5e-4, Seed = 11 };
        var verifier = new ArithmeticStepVerifier();
        var accuracy = new WeightedReward((new AccuracyReward(new LastNumberExtractor()), 1.0));
        var trainer = new RlTrainer(policy, config, axes, train, accuracy, reference,
            process: use is null ? null : new ProcessReward(verifier, use.Value), log: new TestLog(output));
        var stepCorrectness = new RlTrainer(policy, config, axes, train, new StepRewardAggregate(verifier, StepAggregation.Mean), reference);
        var eval = heldOut.Take(128).ToList();
        double before = stepCorrectness.Evaluate(eval, 4);
        long baseline = TensorUtil.LiveTensors;
        RlResult result = trainer.Train();
        Assert.Equal(baseline, TensorUtil.LiveTensors);                                   // every iteration's tensors were freed
        double after = stepCorrectness.Evaluate(eval, 4);
        output.WriteLine($"{preset} + {use?.ToString() ?? "outcome only"}: held-out mean step correctness {before:F3} → {after:F3}, " +
                         $"{Iterations} iterations in {result.Seconds:F1} s");
        return (before, after, result);
    }

    [Fact]
    public void ProcessAdvantagesRaiseStepCorrectnessMoreThanTheOutcomeAlone()
    {
        var (before, outcomeOnly, _) = Run("grpo", use: null);
        var (before2, withSteps, result) = Run("grpo", ProcessRewardUse.Advantages);
        Assert.Equal(before, before2);                                                  // same warm-up, same start
        Assert.True(withSteps > before + 0.05, $"grpo + process advantages: step correctness {before:F3} → {withSteps:F3}");
        Assert.True(withSteps > outcomeOnly + 0.03, $"grpo: process advantages {withSteps:F3} vs outcome only {outcomeOnly:F3}");
        foreach (IReadOnlyDictionary<string, double> m in result.Iterations)
        {
            Assert.InRange(m["rewards/arithmetic_steps/step_mean"], 0, 1);
            Assert.InRange(m["rewards/arithmetic_steps/steps"], 1, 3);                   // the policy writes the two-line format
        }
    }

    [Fact]
    public void StepTokenRewardsRaiseStepCorrectness()
    {
        var (before, after, _) = Run("reinforce_pp", ProcessRewardUse.TokenRewards);
        Assert.True(after > before + 0.05, $"reinforce_pp + step token rewards: step correctness {before:F3} → {after:F3}");
    }

    [Fact]
    public void TokenRewardsNeedAnEstimatorThatReadsThem()
    {
        using var fixture = new BytePolicy("prm-reject");
        var (train, _) = ChainAdditionTask.Split();
        var e = Assert.Throws<ArgumentException>(() => new RlTrainer(fixture.Policy, new RlConfig(), RlAxes.FromPreset(RlPresets.Create("grpo", 4)), train,
            new AccuracyReward(new LastNumberExtractor()), process: new ProcessReward(new ArithmeticStepVerifier(), ProcessRewardUse.TokenRewards)));
        Assert.Contains("grpo", e.Message);
        Assert.Contains("ProcessRewardUse.Advantages", e.Message);
    }
}
