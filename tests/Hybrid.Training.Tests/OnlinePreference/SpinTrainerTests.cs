// SPIN end to end on a tiny task: the SFT answers become more likely relative to the model's own earlier answers.
using System.Diagnostics;
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Rollout;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Training.Online;
using Hybrid.Training.OnlinePreference;
using Hybrid.Training.OnlinePreference.Spin;
using Hybrid.Training.Tests.Online;
using Xunit.Abstractions;

namespace Hybrid.Training.Tests.OnlinePreference;

public sealed class SpinTrainerTests(ITestOutputHelper output)
{
    /// <summary>
    /// SFT data "a+b=" → "(a+b) mod 10" + EOS; the starting policy only knows the format (one character, half digits).
    /// Three SPIN iterations must raise log p(y|x) − log p(y′₀|x), with y the SFT answer and y′₀ the starting policy's own
    /// answers (a fixed sample drawn before training), as measured by an independent per-row forward; every iteration must
    /// sample with the version the previous iteration's sync produced.
    /// </summary>
    [Fact]
    public void SftAnswersGainLikelihoodOverTheModelsOwnEarlierAnswers()
    {
        var clock = Stopwatch.StartNew();
        using var fixture = new BytePolicy("spin", seed: 4);
        OnlineTask.FormatWarmUp(fixture.Policy.Model, steps: 60, seed: 4);
        fixture.Policy.PushWeights();   // version 1
        SpinRun run = ThreeIterations(fixture.Policy, "full");
        output.WriteLine($"{run.Result.Iterations.Count} iterations in {run.Result.Seconds:F1} s (test {clock.Elapsed.TotalSeconds:F1} s)");

        for (int i = 0; i < run.Result.Iterations.Count; i++)
        {
            Assert.Equal(1 + i, run.Result.Iterations[i].RolloutVersion);
            Assert.Equal(2 + i, run.Result.Iterations[i].PolicyVersion);
        }
        run.AssertEachIterationSeparates();
        Assert.True(run.After > run.Before + 1.0, $"log p(y) − log p(y′₀) {run.Before:F3} → {run.After:F3}");
        Assert.True(run.TargetAfter > run.TargetBefore, $"log p(y) {run.TargetBefore:F3} → {run.TargetAfter:F3}");
    }

    /// <summary>
    /// The same task with LoRA adapters (r 8, every projection) over the warmed-up base, frozen: SPIN trains only the
    /// adapters (every base weight is bit-for-bit unchanged, every adapter's B moved off zero), each iteration samples the
    /// version the previous sync pushed as an adapter, and log p(y) and log p(y) − log p(y′₀) rise. They rise far less than
    /// with full weights at the same settings (measured: −3.062 → −2.918 and −0.153 → 0.109, against −2.404 and 1.852):
    /// each iteration still separates y from its own y′ (by 0.14–0.17, against 0.13–0.93), but even over 8 iterations the
    /// gap to y′₀ stays under 0.2, so the full-weight test's +1 is not a property of LoRA here and is not asserted.
    /// </summary>
    [Fact]
    public void WithLoraOnlyTheAdaptersTrainAndTheSftAnswersStillGain()
    {
        var lora = new Hybrid.Models.Lora.LoraConfig { Rank = 8, Alpha = 16, TargetModules = ["all-linear"] };
        using var fixture = new BytePolicy("spin-lora", seed: 4, lora: lora, trainBase: m => OnlineTask.FormatWarmUp(m, steps: 60, seed: 4));
        DecoderModel model = fixture.Policy.Model;
        using var frozen = new FrozenBase(model);
        SpinRun run = ThreeIterations(fixture.Policy, "LoRA");

        for (int i = 0; i < run.Result.Iterations.Count; i++)
        {
            Assert.Equal(i, run.Result.Iterations[i].RolloutVersion);
            Assert.Equal(1 + i, run.Result.Iterations[i].PolicyVersion);
        }
        Assert.True(File.Exists(Path.Combine(fixture.Policy.RolloutDir, $"policy.v{run.Result.Iterations.Count}.onnx_adapter")), "the last sync pushed no adapter");
        frozen.AssertOnlyAdaptersTrained();
        run.AssertEachIterationSeparates();
        Assert.True(run.After > run.Before, $"log p(y) − log p(y′₀) {run.Before:F3} → {run.After:F3}");
        Assert.True(run.TargetAfter > run.TargetBefore, $"log p(y) {run.TargetBefore:F3} → {run.TargetAfter:F3}");
    }

    /// <summary>What a run measured: the trainer's result, and the independent margins and log p(y) before and after.</summary>
    private sealed record SpinRun(OnlinePreferenceResult Result, double Before, double After, double TargetBefore, double TargetAfter)
    {
        public void AssertEachIterationSeparates()
        {
            foreach (IterationLog it in Result.Iterations)
                Assert.True(it.Metrics["spin/margin_after"] > it.Metrics["spin/margin_before"], $"iteration {it.Iteration} did not separate y from y′");
        }
    }

    /// <summary>
    /// Three SPIN iterations (β 0.1, lr 3e-3) on the addition prompts from <paramref name="policy"/>'s current version,
    /// measured before and after against y′₀: the policy's own answers, drawn once with a seed the trainer never uses.
    /// The live-tensor count returns to its baseline.
    /// </summary>
    private SpinRun ThreeIterations(OnlinePolicy policy, string label)
    {
        List<SpinExample> examples = OnlineTask.AdditionPrompts()
            .Select(p => new SpinExample(p.Ids, [.. BytePolicy.Bytes(p.Columns["answer"]), BytePolicy.EndOfText], p.Text)).ToList();
        var sampling = new SamplingParams { Temperature = 1.0, MaxNewTokens = 3, StopTokenIds = [BytePolicy.EndOfText] };
        RolloutBatch earlier = policy.Engine.Generate(new RolloutRequest { Prompts = examples.Select(e => e.Prompt).ToList(), Sampling = sampling with { Seed = 999 } });
        double before = MeanMargin(policy.Model, examples, earlier, out double targetBefore);

        var config = new SpinConfig
        {
            Iterations = 3,
            SamplesPerPrompt = 1,
            Sampling = sampling,
            Update = new PairUpdateConfig { LossOptions = new() { Beta = 0.1 }, LearningRate = 3e-3, BatchSize = 16, Epochs = 2 },
            Seed = 6,
        };
        long baseline = TensorUtil.LiveTensors;
        OnlinePreferenceResult result = new SpinTrainer(config).Train(policy, examples);
        Assert.Equal(baseline, TensorUtil.LiveTensors);

        double after = MeanMargin(policy.Model, examples, earlier, out double targetAfter);
        foreach (IterationLog it in result.Iterations)
            output.WriteLine($"{label} iteration {it.Iteration}: rollouts v{it.RolloutVersion} → v{it.PolicyVersion}, pairs {it.Metrics["spin/pairs"]}, identical {it.Metrics["spin/identical"]}, " +
                             $"margin {it.Metrics["spin/margin_before"]:F3} → {it.Metrics["spin/margin_after"]:F3}, loss {it.Metrics["loss"]:F4}");
        output.WriteLine($"{label}: log p(y) − log p(y′₀): {before:F3} → {after:F3}; log p(y): {targetBefore:F3} → {targetAfter:F3}");
        return new SpinRun(result, before, after, targetBefore, targetAfter);
    }

    /// <summary>Mean over prompts of Σ log p(y|x) − Σ log p(y′|x) (independent per-row forward), and the mean Σ log p(y|x).</summary>
    private static double MeanMargin(DecoderModel model, List<SpinExample> examples, RolloutBatch own, out double target)
    {
        double margin = 0, t = 0;
        foreach (Hybrid.Rollout.Rollout s in own.Samples)
        {
            double y = SlowLogProbs.Sum(model, examples[s.PromptIndex].Prompt, examples[s.PromptIndex].Target);
            margin += y - SlowLogProbs.Sum(model, s.PromptIds, s.ResponseIds);
            t += y;
        }
        target = t / own.Samples.Count;
        return margin / own.Samples.Count;
    }
}
