// Online DPO end to end on a tiny task: sampled answers score higher after a few iterations; versions advance once per iteration.
using System.Diagnostics;
using System.Text.Json;
using Hybrid.Models.Generation;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Training.OnlinePreference;
using Hybrid.Training.Tests.Online;
using Xunit.Abstractions;

namespace Hybrid.Training.Tests.OnlinePreference;

public sealed class OnlineDpoTrainerTests(ITestOutputHelper output)
{
    private static readonly FunctionReward Digit = new("digit", s => s.Completion.Length == 1 && char.IsAsciiDigit(s.Completion[0]) ? 1 : 0);

    private static OnlineDpoConfig Config(int iterations, string? outputDir, ReferenceChoice reference = ReferenceChoice.Initial) => new()
    {
        Iterations = iterations,
        PromptsPerIteration = 32,
        SamplesPerPrompt = 4,
        Sampling = new SamplingParams { Temperature = 1.0, MaxNewTokens = 3, StopTokenIds = [BytePolicy.EndOfText] },
        Update = new PairUpdateConfig { LossOptions = new() { Beta = 0.1 }, LearningRate = 3e-3, BatchSize = 16, Epochs = 2 },
        Reference = reference,
        EvalSamplesPerPrompt = 4,
        Seed = 5,
        OutputDir = outputDir,
    };

    /// <summary>
    /// "Answer with a digit": after a format warm-up the policy answers "a+b=" with a digit about half of the time (rule
    /// reward 1 for a single digit, else 0). Six iterations of 32 prompts × 4 samples must raise the sampled reward and
    /// the fixed-seed evaluation reward clearly, every rollout must carry the version of the previous iteration's sync,
    /// and no tensor may leak.
    /// </summary>
    [Fact]
    public void SampledAnswersScoreHigherAfterAFewIterations()
    {
        var clock = Stopwatch.StartNew();
        using var fixture = new BytePolicy("online-dpo", seed: 3);
        OnlineTask.FormatWarmUp(fixture.Policy.Model, steps: 60, seed: 3);
        fixture.Policy.PushWeights();   // version 1: the warmed-up policy
        string metricsDir = Path.Combine(fixture.Folder, "run");
        long baseline = TensorUtil.LiveTensors;

        OnlinePreferenceResult result = new OnlineDpoTrainer(Config(6, metricsDir)).Train(fixture.Policy, OnlineTask.AdditionPrompts(), Digit,
            evalPrompts: OnlineTask.AdditionPrompts());

        Assert.Equal(baseline, TensorUtil.LiveTensors);
        foreach (IterationLog it in result.Iterations)
            output.WriteLine($"iteration {it.Iteration}: rollouts v{it.RolloutVersion} → v{it.PolicyVersion}, reward {it.Metrics["reward"]:F3}, " +
                             $"eval {it.Metrics["eval/reward"]:F3}, win {it.Metrics["eval/win_rate"]:F3}, pairs {it.Metrics["pairs/count"]}, " +
                             $"margins {it.Metrics["rewards/margins"]:F3}");
        output.WriteLine($"initial eval reward {result.InitialEvalReward:F3}; {result.Iterations.Count} iterations in {result.Seconds:F1} s (test {clock.Elapsed.TotalSeconds:F1} s)");

        // One sync per iteration: iteration i samples with version i (1 = the warm-up push) and ends on version i + 1.
        for (int i = 0; i < result.Iterations.Count; i++)
        {
            IterationLog it = result.Iterations[i];
            Assert.True(it.Metrics["pairs/count"] > 0, $"iteration {it.Iteration} had no pairs");
            Assert.Equal(1 + i, it.RolloutVersion);
            Assert.Equal(2 + i, it.PolicyVersion);
        }
        Assert.Equal(7, fixture.Policy.Version);

        // The labelling reward of sampled answers rises: evaluation (same prompts, same sampler seed) and training samples.
        double before = result.InitialEvalReward!.Value, after = result.Iterations[^1].Metrics["eval/reward"];
        Assert.InRange(before, 0.3, 0.7);                       // the warm-up left digits at about half
        Assert.True(after > before + 0.25, $"eval reward {before:F3} → {after:F3}");
        Assert.True(result.Iterations[^1].Metrics["eval/win_rate"] > 0.75);
        Assert.True(result.Iterations[^1].Metrics["reward"] > result.Iterations[0].Metrics["reward"] + 0.2);

        // metrics.jsonl: the step-0 evaluation row, then one row per iteration with every phase timed.
        string[] lines = File.ReadAllLines(Path.Combine(metricsDir, "metrics.jsonl"));
        Assert.Equal(7, lines.Length);
        using JsonDocument last = JsonDocument.Parse(lines[^1]);
        Assert.Equal(6, last.RootElement.GetProperty("step").GetInt32());
        foreach (string phase in new[] { "gen", "reward", "ref", "update_actor", "update_weights", "eval", "step" })
            Assert.True(last.RootElement.GetProperty($"timing_s/{phase}").GetDouble() >= 0);
    }

    /// <summary>Iterative DPO with the previous iterate as π_ref: the reference log-probs of iteration i are the policy's own at its start.</summary>
    [Fact]
    public void WithThePreviousIterateAsReferenceEachIterationStartsAtZeroMargin()
    {
        using var fixture = new BytePolicy("iterative-dpo", seed: 3);
        OnlineTask.FormatWarmUp(fixture.Policy.Model, steps: 60, seed: 3);
        fixture.Policy.PushWeights();
        // One step per iteration (one mini-batch, one epoch): its loss metrics are those at the iteration's start, where
        // π_θ = π_ref, so every implicit reward β·log π_θ/π_ref is 0 and the loss is log 2 = 0.693147….
        OnlineDpoConfig config = Config(3, null, ReferenceChoice.PreviousIterate) with
        {
            Update = new PairUpdateConfig { LossOptions = new() { Beta = 0.1 }, LearningRate = 3e-3, BatchSize = 1000, Epochs = 1 },
        };
        OnlinePreferenceResult result = new OnlineDpoTrainer(config).Train(fixture.Policy, OnlineTask.AdditionPrompts(), Digit);
        foreach (IterationLog it in result.Iterations)
        {
            Assert.Equal(1, it.Metrics["update/steps"]);
            Assert.Equal(Math.Log(2), it.Metrics["loss"], 5);
            Assert.Equal(0, it.Metrics["rewards/margins"], 6);
        }

        // With the initial policy as reference, later iterations start away from it: the margin is no longer 0.
        using var again = new BytePolicy("online-dpo-initial-ref", seed: 3);
        OnlineTask.FormatWarmUp(again.Policy.Model, steps: 60, seed: 3);
        again.Policy.PushWeights();
        OnlinePreferenceResult fixedRef = new OnlineDpoTrainer(config with { Reference = ReferenceChoice.Initial }).Train(again.Policy, OnlineTask.AdditionPrompts(), Digit);
        Assert.Equal(Math.Log(2), fixedRef.Iterations[0].Metrics["loss"], 5);
        Assert.True(Math.Abs(fixedRef.Iterations[2].Metrics["loss"] - Math.Log(2)) > 1e-3);
    }

    /// <summary>A reference-free loss (SimPO, β = 2, γ = 0.5: the paper's range) runs the same loop without reference log-probs and also raises the reward.</summary>
    [Fact]
    public void AReferenceFreeLossAlsoRaisesTheReward()
    {
        using var fixture = new BytePolicy("online-simpo", seed: 3);
        OnlineTask.FormatWarmUp(fixture.Policy.Model, steps: 60, seed: 3);
        fixture.Policy.PushWeights();
        OnlineDpoConfig config = Config(4, null) with { Update = new PairUpdateConfig { Loss = "simpo", LossOptions = new() { Beta = 2.0 }, LearningRate = 3e-3, BatchSize = 16, Epochs = 2 } };
        OnlinePreferenceResult result = new OnlineDpoTrainer(config).Train(fixture.Policy, OnlineTask.AdditionPrompts(), Digit, evalPrompts: OnlineTask.AdditionPrompts());
        output.WriteLine($"simpo: eval reward {result.InitialEvalReward:F3} → {result.Iterations[^1].Metrics["eval/reward"]:F3}");
        Assert.True(result.Iterations[^1].Metrics["eval/reward"] > result.InitialEvalReward + 0.15);
    }
}
