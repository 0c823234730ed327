// The RL loop end to end on GenAI rollouts: on single-digit addition with a 0/1 accuracy reward, the mean reward rises for each preset.
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;
using Hybrid.Training.Rl.Tasks;
using Hybrid.Training.Tests.Online;
using Xunit.Abstractions;

namespace Hybrid.Training.Tests.Rl;

public sealed class RlTrainerTests(ITestOutputHelper output)
{
    private const int WarmUpSteps = 150;

    /// <summary>
    /// Runs <paramref name="preset"/> from a 150-step SFT warm-up (≈30% sampled accuracy on the training prompts) and
    /// returns the per-iteration metrics, with the expected reward on the training prompts (8 seeded samples each at the
    /// training temperature) measured before and after as <c>SampledBefore</c>/<c>SampledAfter</c>.
    /// </summary>
    private (RlResult Result, double SampledBefore, double SampledAfter, double HeldOutBefore, double HeldOutAfter) Run(string preset, int iterations, Action<BytePolicy, RlTrainer>? check = null, bool withCritic = false, RlConfig? config = null)
    {
        using var fixture = new BytePolicy("rl-" + preset);
        OnlinePolicy policy = fixture.Policy;
        var (train, heldOut) = AdditionTask.Split();
        AdditionTask.WarmUp(policy, train, WarmUpSteps);
        RlAxes axes = RlAxes.FromPreset(RlAxes.FitToBudget(RlPresets.Create(preset, groupSize: 8), 4) with { MiniBatches = 4 });
        using DecoderModel? reference = axes.NeedsReference ? policy.FrozenCopy() : null;
        using Critic? critic = withCritic ? NewCritic(policy) : null;
        config ??= new RlConfig { Iterations = iterations, PromptsPerIteration = 16, MaxNewTokens = 4, LearningRate = 5e-4, Seed = 11 };
        var reward = new WeightedReward((new AccuracyReward(new LastNumberExtractor()), 1.0));
        var trainer = new RlTrainer(policy, config, axes, train, reward, reference, critic, log: new TestLog(output));
        float[] before = Snapshot(policy.Model);
        float[]? refBefore = reference is null ? null : Snapshot(reference);
        double sampledBefore = trainer.Evaluate(train, 8), heldOutBefore = trainer.Evaluate(heldOut, 8);
        RlResult result = trainer.Train(heldOut);
        double sampledAfter = trainer.Evaluate(train, 8), heldOutAfter = trainer.Evaluate(heldOut, 8);
        output.WriteLine($"{preset}: expected reward on the training prompts {sampledBefore:F3} → {sampledAfter:F3}, on the held-out prompts {heldOutBefore:F3} → {heldOutAfter:F3}");
        Assert.NotEqual(before, Snapshot(policy.Model));                    // the policy moved
        if (reference is not null) Assert.Equal(refBefore, Snapshot(reference));  // the reference did not
        Assert.Equal(1 + iterations, policy.Version);                        // one sync per iteration (+ the warm-up's)
        check?.Invoke(fixture, trainer);
        foreach (var (i, m) in result.Iterations.Select((m, i) => (i, m)))
            output.WriteLine($"{preset} it {i + 1}: reward {m.GetValueOrDefault("reward"):F3} kept {m.GetValueOrDefault("batch/kept_groups")} " +
                             $"clip {m.GetValueOrDefault("actor/pg_clipfrac"):F3} kl {m.GetValueOrDefault("actor/ppo_kl"):F4} gn {m.GetValueOrDefault("actor/grad_norm"):F3} H {m.GetValueOrDefault("actor/entropy"):F3} corr {m.GetValueOrDefault("rollout_corr/mean_abs_diff"):G3} pg {m.GetValueOrDefault("actor/pg_loss"):F4}");
        output.WriteLine($"{preset}: held-out greedy accuracy {result.EvalBefore:F3} → {result.EvalAfter:F3} in {result.Seconds:F1} s");
        return (result, sampledBefore, sampledAfter, heldOutBefore, heldOutAfter);
    }

    private static Critic NewCritic(OnlinePolicy policy)
    {
        var critic = new Critic(policy.Config);
        using var noGrad = no_grad();
        critic.LoadStateDict(policy.Model.StateDict().Where(kv => kv.Key.StartsWith("model.", StringComparison.Ordinal)).ToDictionary(kv => kv.Key, kv => kv.Value), strict: false);
        return critic;
    }

    private static float[] Snapshot(DecoderModel model)
    {
        using var scope = NewDisposeScope();
        return model.parameters().SelectMany(p => p.data<float>().ToArray()).ToArray();
    }

    [Theory]
    [InlineData("grpo")]
    [InlineData("dapo")]
    [InlineData("gspo")]
    [InlineData("rloo")]
    public void MeanRewardRisesOnAddition(string preset)
    {
        var (result, before, after, heldOutBefore, heldOutAfter) = Run(preset, iterations: 30);
        Assert.True(after > before + 0.08, $"{preset}: expected reward on the training prompts {before:F3} → {after:F3}");
        // Generalisation, measured on the 30 held-out prompts with 8 seeded samples each: greedy accuracy on 30 prompts
        // moves in steps of one prompt (0.033) and flipped sign with the BLAS kernel and the GenAI version.
        Assert.True(heldOutAfter > heldOutBefore, $"{preset}: expected reward on the held-out prompts {heldOutBefore:F3} → {heldOutAfter:F3} (greedy accuracy {result.EvalBefore:F3} → {result.EvalAfter:F3})");
        foreach (string key in new[] { "reward", "reward_std", "frac_reward_zero_std", "completions/mean_length", "completions/clipped_ratio",
                                       "actor/pg_loss", "actor/pg_clipfrac", "actor/ppo_kl", "actor/entropy", "actor/grad_norm",
                                       "rollout_corr/mean_abs_diff", "timing_s/gen", "timing_s/reward", "timing_s/old_log_prob", "timing_s/adv",
                                       "timing_s/update_actor", "timing_s/sync", "timing_share/rollout", "perf/throughput" })
            Assert.True(result.Iterations[^1].ContainsKey(key), $"{preset}: metric {key} is missing");
    }

    /// <summary>
    /// GRPO with <see cref="RlConfig.Bf16"/>: the trainer's old and new log-probs come from bf16 matmuls while the rollout
    /// engine samples with the fp32 export. The mismatch metrics stay defined and small, grow above the fp32 run's (the
    /// trainer really ran in bf16), and the policy still learns.
    /// </summary>
    [Fact]
    public void Bf16LogProbsFeedTheLossAndTheMismatchMetrics()
    {
        const int iterations = 10;
        var fp32 = Run("grpo", iterations, config: new RlConfig { Iterations = iterations, PromptsPerIteration = 16, MaxNewTokens = 4, LearningRate = 5e-4, Seed = 11 });
        var bf16 = Run("grpo", iterations, config: new RlConfig { Iterations = iterations, PromptsPerIteration = 16, MaxNewTokens = 4, LearningRate = 5e-4, Seed = 11, Bf16 = true });
        double Mean(RlResult r, string key) => r.Iterations.Average(m => m[key]);
        foreach (var m in bf16.Result.Iterations)
            foreach (string key in new[] { "rollout_corr/mean_abs_diff", "rollout_corr/max_abs_diff", "rollout_corr/kl", "actor/pg_loss", "actor/grad_norm" })
                Assert.True(double.IsFinite(m[key]), $"{key} = {m[key]}");
        double diff32 = Mean(fp32.Result, "rollout_corr/mean_abs_diff"), diff16 = Mean(bf16.Result, "rollout_corr/mean_abs_diff");
        output.WriteLine($"mean |log π_trainer − log π_rollout|: fp32 {diff32:G3}, bf16 {diff16:G3}; k3 KL fp32 {Mean(fp32.Result, "rollout_corr/kl"):G3}, bf16 {Mean(bf16.Result, "rollout_corr/kl"):G3}");
        Assert.True(diff16 > diff32, $"bf16 mismatch {diff16:G3} is not above fp32's {diff32:G3}");
        Assert.True(diff16 < 0.05, $"bf16 mismatch {diff16:G3}");
        Assert.True(bf16.SampledAfter > bf16.SampledBefore, $"bf16: expected reward {bf16.SampledBefore:F3} → {bf16.SampledAfter:F3}");
    }
}

/// <summary>Routes trainer log lines to the xunit output.</summary>
internal sealed class TestLog(ITestOutputHelper output) : TextWriter
{
    public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;
    public override void WriteLine(string? value) => output.WriteLine(value ?? "");
}
