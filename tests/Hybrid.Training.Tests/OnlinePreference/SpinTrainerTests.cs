// SPIN end to end on a tiny task: the SFT answers become more likely relative to the model's own earlier answers.
using System.Diagnostics;
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Rollout;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
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
        List<SpinExample> examples = OnlineTask.AdditionPrompts()
            .Select(p => new SpinExample(p.Ids, [.. BytePolicy.Bytes(p.Columns["answer"]), BytePolicy.EndOfText], p.Text)).ToList();
        var sampling = new SamplingParams { Temperature = 1.0, MaxNewTokens = 3, StopTokenIds = [BytePolicy.EndOfText] };

        // y′₀: the starting policy's own answers, drawn once with a seed the trainer never uses.
        RolloutBatch earlier = fixture.Policy.Engine.Generate(new RolloutRequest { Prompts = examples.Select(e => e.Prompt).ToList(), Sampling = sampling with { Seed = 999 } });
        double Margin(DecoderModel m, out double target) =>
            MeanMargin(m, examples, earlier, out target);
        double before = Margin(fixture.Policy.Model, out double targetBefore);

        var config = new SpinConfig
        {
            Iterations = 3,
            SamplesPerPrompt = 1,
            Sampling = sampling,
            Update = new PairUpdateConfig { LossOptions = new() { Beta = 0.1 }, LearningRate = 3e-3, BatchSize = 16, Epochs = 2 },
            Seed = 6,
        };
        long baseline = TensorUtil.LiveTensors;
        OnlinePreferenceResult result = new SpinTrainer(config).Train(fixture.Policy, examples);
        Assert.Equal(baseline, TensorUtil.LiveTensors);

        double after = Margin(fixture.Policy.Model, out double targetAfter);
        foreach (IterationLog it in result.Iterations)
            output.WriteLine($"iteration {it.Iteration}: rollouts v{it.RolloutVersion} → v{it.PolicyVersion}, pairs {it.Metrics["spin/pairs"]}, identical {it.Metrics["spin/identical"]}, " +
                             $"margin {it.Metrics["spin/margin_before"]:F3} → {it.Metrics["spin/margin_after"]:F3}, loss {it.Metrics["loss"]:F4}");
        output.WriteLine($"log p(y) − log p(y′₀): {before:F3} → {after:F3}; log p(y): {targetBefore:F3} → {targetAfter:F3}; " +
                         $"{result.Iterations.Count} iterations in {result.Seconds:F1} s (test {clock.Elapsed.TotalSeconds:F1} s)");

        for (int i = 0; i < result.Iterations.Count; i++)
        {
            IterationLog it = result.Iterations[i];
            Assert.Equal(1 + i, it.RolloutVersion);
            Assert.Equal(2 + i, it.PolicyVersion);
            Assert.True(it.Metrics["spin/margin_after"] > it.Metrics["spin/margin_before"], $"iteration {it.Iteration} did not separate y from y′");
        }
        Assert.True(after > before + 1.0, $"log p(y) − log p(y′₀) {before:F3} → {after:F3}");
        Assert.True(targetAfter > targetBefore, $"log p(y) {targetBefore:F3} → {targetAfter:F3}");
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
