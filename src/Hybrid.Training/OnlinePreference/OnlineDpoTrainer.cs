// Online / iterative DPO: sample from the current policy, label best vs worst, DPO steps, sync weights — once per iteration.
using System.Diagnostics;
using Hybrid.Training.Metrics;
using Hybrid.Algorithms.Preference;
using Hybrid.Algorithms.Rewards;
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Rollout;
using Hybrid.Tensors;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Loop;
using Hybrid.Training.Online;
using Hybrid.Training.Stability;

namespace Hybrid.Training.OnlinePreference;

/// <summary>
/// The loop (docs/algorithms.md; see <see cref="OnlineDpoConfig"/> for the papers and settings):
/// <code>
/// for each iteration:
///   gen     prompts ─► rollout engine (policy version v) ─► G answers per prompt
///   reward  rule / reward model ─► best = chosen, worst = rejected (ties skipped)
///   ref     Σ log π_ref of every pair (the initial policy, or the previous iterate)
///   update  DPO steps on the pairs (PairUpdate)
///   sync    PushWeights ─► version v + 1
///   eval    (optional) answers to fixed prompts: eval/reward, eval/win_rate vs the initial policy
/// </code>
/// The update minimises the configured paired loss, by default DPO's
/// <c>−log σ(β log π_θ(y_w|x)/π_ref(y_w|x) − β log π_θ(y_l|x)/π_ref(y_l|x))</c> (the sign that raises the chosen answer) on
/// pairs the current policy sampled itself, so the data never drifts away from the policy as in offline DPO.
/// Each phase is timed (<c>timing_s/gen</c>, <c>timing_s/reward</c>, <c>timing_s/ref</c>, <c>timing_s/update_actor</c>,
/// <c>timing_s/update_weights</c>, <c>timing_s/eval</c>) and every iteration writes one metrics row. An iteration whose
/// prompts all tie makes no update and no sync, so the policy version counts real updates.
/// With <see cref="OnlineDpoCheckpointing"/> it writes a resumable <c>checkpoint-{iteration}</c> every few iterations, and a
/// run resumed from one continues exactly as the uninterrupted run would have.
/// </summary>
public sealed class OnlineDpoTrainer(OnlineDpoConfig config, TextWriter? log = null, OnlineDpoCheckpointing? checkpointing = null)
{
    private readonly OnlineDpoConfig _config = config.Validate();

    // Built once here, so an unknown loss name fails before any model work (listing the registered names).
    private readonly IPreferenceLoss _loss = config.Update.CreateLoss($"{nameof(OnlineDpoConfig)}.{nameof(OnlineDpoConfig.Update)}");

    /// <summary>
    /// Trains <paramref name="policy"/> in place on <paramref name="prompts"/> labelled by <paramref name="reward"/>.
    /// <paramref name="evalPrompts"/>, when given, are answered before training and after every iteration with the same
    /// sampler seed, and compared per prompt with the initial answers (win = higher mean reward, tie = ½). With
    /// <paramref name="finalModelDir"/> the final model is written there (<see cref="OnlinePolicy.Save"/>'s files) — under
    /// <see cref="OnlineDpoConfig.LoadBestModelAtEnd"/> the best evaluated one.
    /// </summary>
    public OnlinePreferenceResult Train(OnlinePolicy policy, IReadOnlyList<OnlinePrompt> prompts, IRewardFunction reward,
        IReadOnlyList<OnlinePrompt>? evalPrompts = null, string? finalModelDir = null)
    {
        ArgumentNullException.ThrowIfNull(policy);
        ArgumentNullException.ThrowIfNull(reward);
        if (prompts is not { Count: > 0 }) throw new ArgumentException("online DPO needs at least one prompt", nameof(prompts));
        OnlineDpoConfig c = _config;
        if (c.LoadBestModelAtEnd && (evalPrompts is not { Count: > 0 } || finalModelDir is null))
            throw new ArgumentException($"{nameof(OnlineDpoConfig)}.{nameof(OnlineDpoConfig.LoadBestModelAtEnd)} needs evaluation prompts (evalPrompts) and the final model's folder (finalModelDir)");
        IPreferenceLoss loss = _loss;
        if (!loss.NeedsReference && c.Reference == ReferenceChoice.PreviousIterate)
            log?.WriteLine($"[online-dpo] loss '{loss.Name}' is reference-free: OnlineDpoConfig.Reference is ignored");

        DecoderModel model = policy.Model;
        OnlineDpoState? resume = checkpointing?.Resume;
        // π_ref: the policy as it starts — for a resumed run, the policy it was opened as, not the checkpoint's weights.
        using DecoderModel reference = resume is null ? policy.FrozenCopy() : policy.FrozenStart();
        var (trainable, trainableNames) = CausalLmCheckpoint.Trainable(model);   // LoRA: the adapters only
        using var optimizer = new AdamW(trainable, c.Update.LearningRate, weightDecay: c.Update.WeightDecay);
        using var metricsLog = new IterationMetrics(c.OutputDir, log);
        var order = new DataOrder(prompts.Count, c.Seed, shuffle: true);
        var guard = new DivergenceGuard("online-dpo");
        long seed = c.Sampling.Seed ?? (long)c.Seed;
        double[]? baseline = null;
        double? initialEval = null;
        int first = 1;
        if (resume is not null)
        {
            string dir = checkpointing!.ResumeDir!;
            OptimizerCheckpoint.Load(dir, optimizer, trainableNames);
            order = new DataOrder(prompts.Count, c.Seed, shuffle: true, resume.Epoch, resume.Index);
            TensorUtil.SetRngState(Convert.FromBase64String(resume.RngState));
            guard.Restore(resume.GuardSteps, resume.SkippedSteps, resume.ConsecutiveSkips);
            (baseline, initialEval) = (resume.EvalBaseline, resume.InitialEvalReward);   // the initial policy's answers, not measured again
            if (baseline is not null && baseline.Length != evalPrompts?.Count)
                throw new ArgumentException($"--resume-from {dir}: the checkpoint evaluated {baseline.Length} held-out prompts, this run has {evalPrompts?.Count ?? 0}");
            first = resume.Iteration + 1;
            log?.WriteLine($"[online-dpo] resumed from {dir} after iteration {resume.Iteration} (policy version {resume.PolicyVersion})");
        }
        else if (evalPrompts is { Count: > 0 })
        {
            (baseline, double mean) = Evaluate(policy, evalPrompts, reward);
            initialEval = mean;
            metricsLog.Write(0, new Dictionary<string, double> { ["eval/reward"] = mean, ["policy/version"] = policy.Version });
        }
        // load_best_model_at_end: the best evaluation so far and its model (a resumed run goes on from the best up to its checkpoint).
        BestModel? best = c.LoadBestModelAtEnd ? BestModel.Open(c.OutputDir!, EvalRewardMetric, greaterIsBetter: true, resumeStep: resume?.Iteration) : null;
        IProgressSink.Announce(log, "online-dpo", c.Iterations, first - 1);
        var iterations = new List<IterationLog>();
        var run = Stopwatch.StartNew();

        for (int iteration = first; iteration <= c.Iterations; iteration++)
        {
            var m = new Dictionary<string, double>();
            var clock = Stopwatch.StartNew();

            // ---- gen: G answers per prompt from the current policy version ------------------------------------------------
            List<OnlinePrompt> batch = NextPrompts(order, prompts, c.PromptsPerIteration);
            RolloutBatch rollouts = policy.Rollouts.Generate(new RolloutRequest
            {
                Prompts = batch.Select(p => p.Ids).ToList(),
                SamplesPerPrompt = c.SamplesPerPrompt,
                Sampling = c.Sampling with { Seed = seed + iteration },
            });
            m["timing_s/gen"] = PhaseClock.Lap(clock);

            // ---- reward: score, pair best vs worst ------------------------------------------------------------------------
            LabelledRollouts labelled = RolloutLabeling.Label(rollouts, batch, reward, ids => policy.Decode(ids), c.MissingEosPenalty, c.MinScoreGap);
            foreach (var (k, v) in labelled.Metrics) m[k] = v;
            m["timing_s/reward"] = PhaseClock.Lap(clock);

            if (labelled.Pairs.Count > 0)
            {
                // ---- ref: π_ref = the initial policy, or the policy as it starts this iteration ---------------------------
                if (c.Reference == ReferenceChoice.PreviousIterate) policy.CopyWeightsTo(reference);
                int n = labelled.Pairs.Count;
                ReferenceLogps refLogps = loss.NeedsReference ? PairUpdate.Reference(reference, labelled.Pairs, policy.PadTokenId, c.Update.BatchSize)
                    : new ReferenceLogps(new double[n], new double[n]);   // unused by reference-free losses
                m["timing_s/ref"] = PhaseClock.Lap(clock);

                // ---- update: DPO steps on this iteration's pairs ------------------------------------------------------------
                // The pairs' order: a function of (seed, iteration), so a resumed run shuffles as the uninterrupted one.
                var rng = new Random(unchecked((int)c.Seed * 31 + iteration));
                foreach (var (k, v) in PairUpdate.Run(model, optimizer, loss, labelled.Pairs, refLogps, c.Update, policy.PadTokenId, rng, guard)) m[k] = v;
                m["timing_s/update_actor"] = PhaseClock.Lap(clock);

                // ---- sync: the engine samples the next iteration with the new weights ----------------------------------------
                policy.PushWeights();
                m["timing_s/update_weights"] = PhaseClock.Lap(clock);
            }

            // ---- eval: fixed prompts, same sampler seed as before training ---------------------------------------------------
            if (baseline is not null)
            {
                var (perPrompt, mean) = Evaluate(policy, evalPrompts!, reward);
                m["eval/reward"] = mean;
                m["eval/win_rate"] = perPrompt.Select((r, i) => r > baseline[i] ? 1.0 : r == baseline[i] ? 0.5 : 0.0).Average();
                m["timing_s/eval"] = PhaseClock.Lap(clock);
                if (iteration < c.Iterations && best?.Improves(m) == true)   // the last evaluation competes at the end, against the final weights
                {
                    best.Save(iteration, m, policy.Save);
                    log?.WriteLine($"[online-dpo] {EvalRewardMetric} {mean:G6} at iteration {iteration}: the best so far, in {BestModel.FolderPrefix}{iteration}/");
                }
            }
            iterations.Add(metricsLog.Complete(iteration, rollouts.PolicyVersion, policy.Version, m));
            if (checkpointing is { SaveSteps: > 0 } saving && iteration % saving.SaveSteps == 0 && iteration < c.Iterations)
                SaveCheckpoint(saving, iteration, policy, optimizer, trainableNames, order, guard, initialEval, baseline);
        }
        BestEvaluation? kept = null;
        if (best is not null)
        {
            kept = best.Finish(finalModelDir!, c.Iterations, iterations[^1].Metrics, policy.Save);
            metricsLog.Write(c.Iterations, new Dictionary<string, double> { ["best_metric"] = kept.Value, ["best_global_step"] = kept.Step });
            log?.WriteLine($"[online-dpo] best {kept.Metric} {kept.Value:G6} at iteration {kept.Step} of {c.Iterations}: that model is the one saved");
            best.Discard();
        }
        else if (finalModelDir is not null) policy.Save(finalModelDir);
        return new OnlinePreferenceResult(iterations, run.Elapsed.TotalSeconds, initialEval, kept);
    }

    /// <summary>The held-out reward as logged, and the metric load_best_model_at_end compares.</summary>
    public const string EvalRewardMetric = "eval/reward";

    /// <summary>
    /// Writes <c>checkpoint-{iteration}</c> into the run's output: the policy as its final model is written (a checkpoint
    /// folder, or a PEFT adapter under LoRA), AdamW's moments and <see cref="OnlineDpoState"/>, through <see cref="CheckpointFolder"/>.
    /// </summary>
    private void SaveCheckpoint(OnlineDpoCheckpointing k, int iteration, OnlinePolicy policy, AdamW optimizer, IReadOnlyList<string> names,
        DataOrder order, DivergenceGuard guard, double? initialEval, double[]? baseline)
    {
        CheckpointFolder.Write(k.OutputDir, iteration, temp =>
        {
            policy.Save(temp);
            OptimizerCheckpoint.Save(temp, optimizer, names);
            new OnlineDpoState(iteration, _config.Iterations, _config.Seed, _config.Update.Loss, _config.Reference, policy.Version, order.Epoch, order.Index,
                Convert.ToBase64String(TensorUtil.GetRngState()), guard.SkippedSteps, guard.ConsecutiveSkips, guard.Steps, initialEval, baseline,
                k.EvalDataSha256, k.DataRows, k.DataSha256).Save(temp);
        }, log, "online-dpo", k.SaveTotalLimit);
    }

    /// <summary>Per-prompt mean reward [P] of <see cref="OnlineDpoConfig.EvalSamplesPerPrompt"/> answers each, and the overall mean, at a fixed seed.</summary>
    private (double[] PerPrompt, double Mean) Evaluate(OnlinePolicy policy, IReadOnlyList<OnlinePrompt> evalPrompts, IRewardFunction reward)
    {
        int g = _config.EvalSamplesPerPrompt;
        RolloutBatch rollouts = policy.Rollouts.Generate(new RolloutRequest
        {
            Prompts = evalPrompts.Select(p => p.Ids).ToList(),
            SamplesPerPrompt = g,
            Sampling = _config.Sampling with { Seed = (_config.Sampling.Seed ?? (long)_config.Seed) - 1 },
        });
        var samples = rollouts.Samples.Select(s => new RewardSample(evalPrompts[s.PromptIndex].Text, policy.Decode(s.ResponseIds), evalPrompts[s.PromptIndex].Columns)
        {
            CompletionTokens = s.ResponseIds.Length,
            Truncated = s.Finish == FinishReason.Length,
        }).ToList();
        double[] scores = reward.Score(samples).Scores;
        double[] perPrompt = Enumerable.Range(0, evalPrompts.Count).Select(i => scores.Skip(i * g).Take(g).Average()).ToArray();
        return (perPrompt, scores.Average());
    }

    /// <summary>The next <paramref name="count"/> prompts of the seeded order, starting a new shuffled epoch when one runs out.</summary>
    internal static List<OnlinePrompt> NextPrompts(DataOrder order, IReadOnlyList<OnlinePrompt> prompts, int count)
    {
        var batch = new List<OnlinePrompt>(count);
        while (batch.Count < count)
        {
            if (order.EpochDone) order.NextEpoch();
            batch.AddRange(order.NextBatch(count - batch.Count).Select(i => prompts[i]));
        }
        return batch;
    }
}
