// Async rollouts (RlConfig.AsyncRollout): bounded staleness, bound 0 equal to the synchronous loop, and stale batches corrected towards the version that sampled them.
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Models.Decoder;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;
using Hybrid.Training.Rl.Tasks;
using Hybrid.Training.Tests.Online;
using Xunit.Abstractions;

namespace Hybrid.Training.Tests.Rl;

public sealed class AsyncRolloutTests(ITestOutputHelper output)
{
    private const int WarmUpSteps = 150;  // ≈30% sampled accuracy: groups with mixed rewards, so every update moves the policy

    private static RlConfig Config(int iterations, bool async, int? maxStaleness = null) => new()
    {
        Iterations = iterations, PromptsPerIteration = 8, MaxNewTokens = 4, LearningRate = 2e-3, Temperature = 1.0, Seed = 11,
        AsyncRollout = async, MaxStaleness = maxStaleness,
    };

    /// <summary>GRPO (G = 8, KL to the warmed-up policy, no TIS in the preset) on the addition task from a fresh warmed-up byte policy; <paramref name="hook"/> sees each experience.</summary>
    private (RlResult Result, Dictionary<string, float[]> Weights) Run(RlConfig config, string label,
        Action<BytePolicy, RlTrainer>? before = null, Action<BytePolicy, int, Experience>? hook = null)
    {
        using var fixture = new BytePolicy(label);
        var (train, _) = AdditionTask.Split();
        AdditionTask.WarmUp(fixture.Policy, train, WarmUpSteps);
        RlAxes axes = RlAxes.FromPreset(RlAxes.FitToBudget(RlPresets.Create("grpo", groupSize: 8), 4) with { MiniBatches = 2 });
        var reward = new WeightedReward((new AccuracyReward(new LastNumberExtractor()), 1.0));
        using DecoderModel reference = fixture.Policy.FrozenCopy();  // GRPO's KL term
        var trainer = new RlTrainer(fixture.Policy, config, axes, train, reward, reference, log: new TestLog(output));
        if (hook is not null) trainer.ExperienceReady = (i, x) => hook(fixture, i, x);
        before?.Invoke(fixture, trainer);
        RlResult result = trainer.Train();
        foreach (var (i, m) in result.Iterations.Select((m, i) => (i + 1, m)))
            output.WriteLine($"{label} it {i}: staleness {m["async/staleness"]} rollout v{m["policy/rollout_version"]} → v{m.GetValueOrDefault("policy_version")} " +
                             $"reward {m["reward"]:F3} corr {m["rollout_corr/mean_abs_diff"]:G3} tis {m.GetValueOrDefault("rollout_corr/tis_mean", double.NaN):G4} " +
                             $"gen {m["timing_s/gen"]:F3}s overlapped {m.GetValueOrDefault("timing_s/gen_overlapped", double.NaN):F3}s update {m["timing_s/update_actor"]:F3}s");
        using var scope = NewDisposeScope();
        var weights = fixture.Policy.Model.named_parameters().ToDictionary(p => p.name, p => p.parameter.data<float>().ToArray());
        return (result, weights);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    public void StalenessNeverExceedsTheBoundAndIsTheGapBetweenSamplingAndUpdatedVersions(int bound)
    {
        const int iterations = 6;
        var sampledWith = new Dictionary<int, long[]>();  // iteration → the policy version every sample records
        var (result, _) = Run(Config(iterations, async: true, maxStaleness: bound), $"async-bound{bound}",
            hook: (_, i, x) => sampledWith[i] = x.Samples.Select(s => s.PolicyVersion).Distinct().ToArray());

        Assert.Equal(iterations, result.Iterations.Count);
        foreach (var (k, m) in result.Iterations.Select((m, i) => (i + 1, m)))
        {
            double staleness = m["async/staleness"], rolloutVersion = m["policy/rollout_version"];
            double updated = m["policy_version"] - 1;  // the version this update started from (policy_version: after its sync)
            Assert.InRange(staleness, 0, bound);
            Assert.Equal(Math.Min(k - 1, bound), staleness);       // iteration 1 has nothing ahead; then the pipeline is full
            Assert.Equal(updated - staleness, rolloutVersion);
            Assert.Equal(new[] { (long)rolloutVersion }, sampledWith[k]);   // every sample of the batch carries that version
            if (k > 1) Assert.True(m.ContainsKey("timing_s/gen_overlapped"), $"iteration {k}: its batch was not generated ahead");
        }
    }

    [Fact]
    public void BoundZeroIsTheSynchronousLoopBitForBit()
    {
        const int iterations = 4;
        var (sync, syncWeights) = Run(Config(iterations, async: false), "sync");
        var (async0, asyncWeights) = Run(Config(iterations, async: true, maxStaleness: 0), "async-bound0");

        static bool Compared(string key) => !key.StartsWith("timing_", StringComparison.Ordinal) && key != "perf/throughput";  // wall-clock derived
        Assert.Equal(sync.Iterations.Count, async0.Iterations.Count);
        for (int i = 0; i < sync.Iterations.Count; i++)
        {
            var a = sync.Iterations[i].Where(kv => Compared(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
            var b = async0.Iterations[i].Where(kv => Compared(kv.Key)).OrderBy(kv => kv.Key, StringComparer.Ordinal).ToList();
            Assert.Equal(a, b);
            Assert.Equal(0, b.Single(kv => kv.Key == "async/staleness").Value);
        }
        Assert.Equal(syncWeights.Keys, asyncWeights.Keys);
        foreach (var (name, w) in syncWeights) Assert.True(w.AsSpan().SequenceEqual(asyncWeights[name]), $"parameter {name} differs");

        // Not vacuous: bound 1 on the same start samples iteration 2 onwards with an older version and ends elsewhere.
        var (_, async1Weights) = Run(Config(iterations, async: true, maxStaleness: 1), "async-bound1");
        Assert.Contains(syncWeights, kv => !kv.Value.AsSpan().SequenceEqual(async1Weights[kv.Key]));
    }

    /// <summary>
    /// Bound 1: from iteration 2 each batch was sampled one version before the weights it updates. Its rollout log-probs
    /// must be the sampling version's — equal (to ORT/libtorch float error) to that version's log-probs recomputed by the
    /// trainer from a kept copy of its weights — while π_old, the ratio's denominator, is the current weights'. The gap
    /// then shows in <c>rollout_corr/mean_abs_diff</c> (far above iteration 1's numeric-only mismatch) and GRPO, whose
    /// preset has no TIS, gets truncated importance weights min(π_old/π_rollout, 2) for the stale batches only.
    /// </summary>
    [Fact]
    public void OneStepOffPolicyBatchesCarryTheSamplingVersionsLogProbsAndAreCorrected()
    {
        const int iterations = 4;
        DecoderModel? previous = null;  // the weights of version previousVersion (the version the last iteration updated)
        long previousVersion = -1;
        var checks = new List<(long Staleness, double BehaviourVsSampler, double BehaviourVsCurrent, double OldVsCurrent, double WeightSpread)>();
        try
        {
            var (result, _) = Run(Config(iterations, async: true, maxStaleness: 1), "async-logprobs",
                before: (f, _) => (previous, previousVersion) = (f.Policy.FrozenCopy(), f.Policy.Version),
                hook: (f, i, x) =>
                {
                    using var noGrad = no_grad();
                    long sampled = x.Samples[0].PolicyVersion, current = f.Policy.Version;
                    DecoderModel sampler = sampled == current ? f.Policy.Model
                        : sampled == previousVersion ? previous! : throw new InvalidOperationException($"iteration {i}: no weights of version {sampled}");
                    Tensor mask = x.Batch.Mask;                                                          // [N, A]
                    Tensor samplerLogProbs = ResponseLogProbs.Compute(sampler, x.Batch, 1.0);           // [N, A] log μ by the trainer
                    Tensor currentLogProbs = ResponseLogProbs.Compute(f.Policy.Model, x.Batch, 1.0);    // [N, A] log π of the current weights
                    double MaxDiff(Tensor a, Tensor b) => ((a - b).abs() * mask).max().ToDouble();
                    double spread = x.CorrectionWeights is null ? 0 : ((x.CorrectionWeights - 1).abs() * mask).max().ToDouble();  // max |w − 1|
                    checks.Add((current - sampled, MaxDiff(x.RolloutLogProbs, samplerLogProbs), MaxDiff(x.RolloutLogProbs, currentLogProbs),
                                MaxDiff(x.OldLogProbs!, currentLogProbs), spread));
                    f.Policy.CopyWeightsTo(previous!);
                    previousVersion = current;
                });

            for (int k = 1; k <= iterations; k++)
            {
                var c = checks[k - 1];
                var m = result.Iterations[k - 1];
                output.WriteLine($"it {k}: staleness {c.Staleness}; max |log μ_engine − log μ_trainer| {c.BehaviourVsSampler:G3}, " +
                                 $"max |log μ_engine − log π_current| {c.BehaviourVsCurrent:G3}, max |log π_old − log π_current| {c.OldVsCurrent:G3}");
                Assert.Equal(k == 1 ? 0 : 1, c.Staleness);
                Assert.True(c.BehaviourVsSampler < 1e-3, $"iteration {k}: the rollout log-probs are not the sampling version's ({c.BehaviourVsSampler:G3})");
                Assert.InRange(c.OldVsCurrent, 0, 1e-5);  // π_old is recomputed with the weights the update starts from
                if (k == 1)
                {
                    Assert.False(m.ContainsKey("rollout_corr/tis_mean"));  // on-policy: GRPO's preset has no TIS, none is added
                    Assert.Equal(0, c.WeightSpread);
                    continue;
                }
                Assert.True(c.BehaviourVsCurrent > 20 * c.BehaviourVsSampler, $"iteration {k}: the current weights explain the rollout log-probs as well as the sampler's");
                Assert.True(m["rollout_corr/mean_abs_diff"] > 10 * result.Iterations[0]["rollout_corr/mean_abs_diff"],
                    $"iteration {k}: mismatch {m["rollout_corr/mean_abs_diff"]:G3} vs on-policy {result.Iterations[0]["rollout_corr/mean_abs_diff"]:G3}");
                Assert.True(m.ContainsKey("rollout_corr/tis_mean"), $"iteration {k}: the stale batch got no TIS");
                Assert.True(c.WeightSpread > 10 * c.BehaviourVsSampler, $"iteration {k}: TIS weights within {c.WeightSpread:G3} of 1");
            }
        }
        finally
        {
            previous?.Dispose();
        }
    }

    [Theory]
    [InlineData(false, 1, "also set RlConfig.AsyncRollout")]
    [InlineData(true, -1, "must be >= 0")]
    public void AStalenessBoundNeedsAsyncRolloutsAndMustNotBeNegative(bool async, int bound, string expected)
    {
        var e = Assert.Throws<ArgumentException>(() => Config(1, async, bound).Validate());
        Assert.StartsWith($"RlConfig.MaxStaleness = {bound}: ", e.Message);
        Assert.Contains(expected, e.Message);
        Assert.Equal(1, Config(1, async: true).StalenessBound);   // the default bound: one-step off-policy
        Assert.Equal(0, Config(1, async: false).StalenessBound);
    }
}
