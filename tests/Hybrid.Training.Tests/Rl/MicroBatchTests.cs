// Micro-batches (RlConfig.MicroBatchSize): gradient accumulation over a mini-batch gives the unsplit optimizer step, for every loss aggregation, gvpo's groups and the critic.
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using static TorchSharp.torch;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;
using Hybrid.Training.Rl.Tasks;
using Hybrid.Training.Tests.Online;
using Xunit.Abstractions;

namespace Hybrid.Training.Tests.Rl;

public sealed class MicroBatchTests(ITestOutputHelper output)
{
    private sealed record Outcome(IReadOnlyDictionary<string, double> Metrics, Dictionary<string, float[]> Policy, Dictionary<string, float[]> Critic,
                                  Dictionary<string, float[]> Start);

    /// <summary>One iteration (two mini-batches, so two optimizer steps) of <paramref name="preset"/> on the addition task from the same warmed-up byte policy.</summary>
    private Outcome Run(string preset, int? micro, double entropyCoefficient = 0)
    {
        using var fixture = new BytePolicy($"micro-{preset}-{micro}");
        var (train, _) = AdditionTask.Split();
        AdditionTask.WarmUp(fixture.Policy, train, 150);   // ≈30% sampled accuracy: mixed groups, so the step moves the policy
        Dictionary<string, float[]> Weights(nn.Module module)
        {
            using var scope = NewDisposeScope();
            return module.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());
        }
        var start = Weights(fixture.Policy.Model);
        RlPreset recipe = RlAxes.FitToBudget(RlPresets.Create(preset, preset == "ppo" ? null : 8), 4) with { MiniBatches = 2, EntropyCoefficient = entropyCoefficient };
        RlAxes axes = RlAxes.FromPreset(recipe);
        using DecoderModel? reference = axes.NeedsReference ? fixture.Policy.FrozenCopy() : null;
        using Critic? critic = axes.NeedsCritic ? new Critic(fixture.Policy.Config) : null;
        // Adam's ε at 1e-5, not 1e-8: a gradient element near 0 moves its weight by ≈ lr·g/ε, so at 1e-8 the last-bit
        // differences of another summation order (a CPU's GEMM kernels differ) grow to 3e-5 in the weights; at 1e-5 the
        // split and unsplit steps agree to 2e-7, and a wrongly weighted micro-batch still moves them by 5e-3.
        var config = new RlConfig { Iterations = 1, PromptsPerIteration = 8, MaxNewTokens = 4, LearningRate = 2e-3, Temperature = 1.0, Seed = 11, MicroBatchSize = micro,
                                    Optimizer = new() { AdamEpsilon = 1e-5 } };
        var reward = new WeightedReward((new AccuracyReward(new LastNumberExtractor()), 1.0));
        long baseline = TensorUtil.LiveTensors;
        RlResult result = new RlTrainer(fixture.Policy, config, axes, train, reward, reference, critic).Train();
        Assert.Equal(baseline, TensorUtil.LiveTensors);
        return new Outcome(result.Iterations[0], Weights(fixture.Policy.Model), critic is null ? [] : Weights(critic), start);
    }

    private static double MaxDiff(Dictionary<string, float[]> a, Dictionary<string, float[]> b) =>
        a.Max(kv => kv.Value.Zip(b[kv.Key], (x, y) => Math.Abs((double)x - y)).DefaultIfEmpty(0).Max());

    [Theory]
    [InlineData("grpo", 5, 0.0)]      // seq_mean_token_mean, KL in the loss; 32 rows per mini-batch → 6 micro-batches of 5 and one of 2
    [InlineData("grpo", 3, 0.01)]     // with the entropy bonus
    [InlineData("dapo", 3, 0.0)]      // token_mean
    [InlineData("dr_grpo", 7, 0.0)]   // seq_mean_token_sum_norm
    [InlineData("gvpo", 8, 0.0)]      // whole groups: the loss centres each group
    [InlineData("ppo", 3, 0.0)]       // the critic's update too
    public void MicroBatchesGiveTheUnsplitStep(string preset, int micro, double entropyCoefficient)
    {
        Outcome whole = Run(preset, null, entropyCoefficient), split = Run(preset, micro, entropyCoefficient);
        double moved = MaxDiff(whole.Start, whole.Policy), policyGap = MaxDiff(whole.Policy, split.Policy);
        double criticGap = whole.Critic.Count == 0 ? 0 : MaxDiff(whole.Critic, split.Critic);
        output.WriteLine($"{preset} micro {micro}: the step moved weights by up to {moved:G3}; split vs whole: policy {policyGap:G3}, critic {criticGap:G3}");
        Assert.Equal(whole.Start.Keys, split.Start.Keys);
        Assert.Equal(0, MaxDiff(whole.Start, split.Start));          // the same start
        Assert.True(moved > 1e-3, $"the update hardly moved the policy ({moved:G3}): the comparison would be vacuous");
        Assert.True(policyGap < 1e-6, $"policy weights differ by {policyGap:G3} with micro-batches of {micro}");
        Assert.True(criticGap < 1e-6, $"critic weights differ by {criticGap:G3} with micro-batches of {micro}");
        foreach (string key in new[] { "actor/pg_loss", "actor/kl_loss", "actor/grad_norm", "actor/entropy", "actor/pg_clipfrac", "critic/vf_loss", "reward" })
            if (whole.Metrics.TryGetValue(key, out double w))
                Assert.True(Math.Abs(w - split.Metrics[key]) <= 1e-5 * Math.Max(1, Math.Abs(w)), $"{key}: whole {w:G9}, split {split.Metrics[key]:G9}");
    }

    [Fact]
    public void GvpoRefusesMicroBatchesThatCutAGroup()
    {
        RlAxes axes = RlAxes.FromPreset(RlPresets.Create("gvpo", 8));
        var ex = Assert.Throws<ArgumentException>(() => RlTrainer.CheckMicroBatch(new RlConfig { MicroBatchSize = 5 }, axes));
        Assert.Contains("MicroBatchSize = 5", ex.Message);
        Assert.Contains("multiple of 8", ex.Message);
        RlTrainer.CheckMicroBatch(new RlConfig { MicroBatchSize = 16 }, axes);              // whole groups: accepted
        RlTrainer.CheckMicroBatch(new RlConfig { MicroBatchSize = 5 }, RlAxes.FromPreset(RlPresets.Create("grpo", 8)));  // grpo's loss is per token
    }
}
