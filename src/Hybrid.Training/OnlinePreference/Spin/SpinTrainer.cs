// SPIN: each iteration the previous iterate answers the SFT prompts, and DPO with it as reference prefers the SFT answers.
using System.Diagnostics;
using Hybrid.Training.Metrics;
using Hybrid.Algorithms.Preference;
using Hybrid.Models.Decoder;
using Hybrid.Rollout;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Online;
using Hybrid.Training.Stability;

namespace Hybrid.Training.OnlinePreference.Spin;

/// <summary>
/// The loop (docs/algorithms.md; see <see cref="SpinConfig"/>):
/// <code>
/// for t = 0 … T−1:
///   opponent  p_θt = the policy now (frozen copy = π_ref; the engine already serves it as version t)
///   gen       y′ ~ p_θt(·|x) for every SFT prompt x
///   pairs     (x, y = SFT answer ≻ y′)              — identical answers dropped (spin/identical)
///   ref       Σ log p_θt(y|x), Σ log p_θt(y′|x)
///   update    epochs of the logistic loss ℓ(λ·Δ) (DPO sigmoid with β = λ, π_ref = p_θt)
///   sync      PushWeights ─► version t + 1
/// </code>
/// Logged per iteration besides the loss metrics: <c>spin/identical</c>, <c>spin/pairs</c>, and <c>spin/margin_before</c>
/// / <c>spin/margin_after</c>: the mean of log p(y|x) − log p(y′|x) under p_θt and under the updated policy.
/// </summary>
public sealed class SpinTrainer(SpinConfig config, TextWriter? log = null)
{
    private readonly SpinConfig _config = config.Validate();

    // Built once here, so an unknown loss name fails before any model work (listing the registered names).
    private readonly IPreferenceLoss _loss = config.Update.CreateLoss($"{nameof(SpinConfig)}.{nameof(SpinConfig.Update)}");

    /// <summary>Runs the self-play iterations on <paramref name="policy"/> (trained in place) over <paramref name="examples"/>.</summary>
    public OnlinePreferenceResult Train(OnlinePolicy policy, IReadOnlyList<SpinExample> examples)
    {
        ArgumentNullException.ThrowIfNull(policy);
        if (examples is not { Count: > 0 }) throw new ArgumentException("SPIN needs at least one SFT example", nameof(examples));
        SpinConfig c = _config;
        IPreferenceLoss loss = _loss;
        if (c.Update.Loss != "sigmoid") log?.WriteLine($"[spin] loss '{c.Update.Loss}' instead of the paper's logistic loss (\"sigmoid\")");

        DecoderModel model = policy.Model;
        using DecoderModel opponent = policy.FrozenCopy();
        using var optimizer = new AdamW(model.parameters().Where(p => p.requires_grad), c.Update.LearningRate, weightDecay: c.Update.WeightDecay);  // LoRA: the adapters only
        using var metricsLog = new IterationMetrics(c.OutputDir, log);
        IProgressSink.Announce(log, "spin", c.Iterations);
        var guard = new DivergenceGuard("spin");
        var rng = new Random((int)(c.Seed & int.MaxValue));
        long seed = c.Sampling.Seed ?? (long)c.Seed;
        var iterations = new List<IterationLog>();
        var run = Stopwatch.StartNew();

        for (int iteration = 1; iteration <= c.Iterations; iteration++)
        {
            var m = new Dictionary<string, double>();
            var clock = Stopwatch.StartNew();

            // ---- opponent: p_θt is the policy as this iteration starts ---------------------------------------------------
            policy.CopyWeightsTo(opponent);

            // ---- gen: the opponent's answers to the SFT prompts ---------------------------------------------------------------
            RolloutBatch own = policy.Rollouts.Generate(new RolloutRequest
            {
                Prompts = examples.Select(e => e.Prompt).ToList(),
                SamplesPerPrompt = c.SamplesPerPrompt,
                Sampling = c.Sampling with { Seed = seed + iteration },
            });
            m["timing_s/gen"] = PhaseClock.Lap(clock);

            // ---- pairs: SFT answer chosen, own answer rejected ----------------------------------------------------------------
            var (pairs, identical) = SpinPairs.Build(examples, own);
            m["spin/pairs"] = pairs.Count;
            m["spin/identical"] = identical;
            m["completions/mean_length"] = own.Samples.Average(s => s.ResponseIds.Length);

            if (pairs.Count > 0)
            {
                // ---- ref: log-probs under the opponent p_θt -------------------------------------------------------------------
                ReferenceLogps refLogps = PairUpdate.Reference(opponent, pairs, policy.PadTokenId, c.Update.BatchSize);
                m["spin/margin_before"] = Enumerable.Range(0, pairs.Count).Average(i => refLogps.Chosen[i] - refLogps.Rejected[i]);
                m["timing_s/ref"] = PhaseClock.Lap(clock);

                // ---- update ------------------------------------------------------------------------------------------------------
                foreach (var (k, v) in PairUpdate.Run(model, optimizer, loss, pairs, refLogps, c.Update, policy.PadTokenId, rng, guard)) m[k] = v;
                ReferenceLogps after = PairUpdate.Reference(model, pairs, policy.PadTokenId, c.Update.BatchSize);
                m["spin/margin_after"] = Enumerable.Range(0, pairs.Count).Average(i => after.Chosen[i] - after.Rejected[i]);
                m["timing_s/update_actor"] = PhaseClock.Lap(clock);

                // ---- sync ----------------------------------------------------------------------------------------------------------
                policy.PushWeights();
                m["timing_s/update_weights"] = PhaseClock.Lap(clock);
            }
            iterations.Add(metricsLog.Complete(iteration, own.PolicyVersion, policy.Version, m));
        }
        return new OnlinePreferenceResult(iterations, run.Elapsed.TotalSeconds);
    }
}
