// Online RL on libtorch from ONNX Runtime rollouts, one flat phase-timed loop: generate → reward → old/ref log-probs → values → advantages → update → sync → log.
using System.Collections.Concurrent;
using System.Diagnostics;
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Rollout;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Loop;
using Hybrid.Training.Metrics;
using Hybrid.Training.Online;
using Hybrid.Training.Stability;

namespace Hybrid.Training.Rl;

/// <summary>
/// What a run reports: every iteration's metrics, the held-out greedy reward before and after, and with
/// <see cref="RlConfig.LoadBestModelAtEnd"/> the evaluation whose model was saved.
/// </summary>
public sealed record RlResult(IReadOnlyList<IReadOnlyDictionary<string, double>> Iterations, double? EvalBefore, double? EvalAfter, double Seconds,
    BestEvaluation? Best = null);

/// <summary>
/// The GRPO family and PPO over one <see cref="OnlinePolicy"/> (trainer model + rollout engine + weight sync). The
/// algorithm is a set of axis choices (<see cref="RlAxes"/>); nothing in the loop compares names. Each phase's wall time
/// is logged as <c>timing_s/{gen,reward,old_log_prob,ref,values,adv,update_actor,update_critic,sync,step}</c>, plus
/// <c>timing_share/rollout</c> (gen ÷ step) and <c>timing_share/sync</c>.
/// <para>
/// Async rollouts (<see cref="RlConfig.AsyncRollout"/>, verl's one-step off-policy): iteration k+1's batch is generated
/// and scored on a background task (<see cref="RolloutPrefetch{T}"/>) while iteration k computes log-probs and updates;
/// the loop waits for it before the weight sync, so the engine never takes a new version mid-generation. A batch is then
/// <c>async/staleness</c> = (version the update starts from) − <c>policy/rollout_version</c> (the version that sampled
/// it) ≤ <see cref="RlConfig.StalenessBound"/> versions old; <c>timing_s/gen</c> is the time the trainer waited for
/// generation, <c>timing_s/gen_overlapped</c> and <c>timing_s/reward_overlapped</c> the background's own wall times.
/// </para>
/// <para>
/// Which log-probs are which for a stale batch. The behaviour policy μ — the version that sampled — exists only in the
/// rollout engine's log-probs of the sampled tokens (<see cref="Experience.RolloutLogProbs"/>); the trainer's weights have
/// moved on. π_old is recomputed with the current weights, as in the synchronous loop, and the PPO ratio π_θ/π_old is
/// clipped around it; each token's loss is weighted by the truncated importance weight min(π_old/μ, C), so at θ = π_old
/// the gradient is Â·∇π_θ/μ, the off-policy policy gradient (the decoupled PPO objective of Hilton et al. 2022, "Batch
/// size-invariance for policy optimization", §3: proximal policy for the trust region, behaviour policy for the
/// correction). We do not put μ (the engine's log-probs) in the ratio's denominator instead: (1) the trust region would be
/// measured from a policy the update no longer starts from, clipping by an amount set by the lag; (2) the engine/trainer
/// numeric mismatch (ORT vs libtorch kernels, bf16) would enter the ratio uncorrected, and TIS/MIS, which compare μ with
/// π_old, would see no difference and do nothing; (3) with staleness 0 nothing changes, so a bound of 0 is the
/// synchronous loop bit for bit. The existing corrections therefore apply unchanged (<c>rollout_corr/*</c> now measures
/// lag + numerics); a stale batch whose preset has no TIS gets TIS with the default cap C = 2, since without it the
/// gradient would treat μ's samples as π_old's.
/// </para>
/// </summary>
public sealed partial class RlTrainer
{
    private readonly OnlinePolicy _policy;
    private readonly RlConfig _config;
    private readonly DivergenceGuard _guard = new("rl");
    private readonly RlAxes _axes;
    private readonly IReadOnlyList<PromptRow> _prompts;
    private readonly IRewardFunction _reward;
    private readonly ProcessReward? _process;
    private readonly double _temperature;
    private readonly TruncatedImportanceSampling? _staleTis;
    private readonly Lock _scoring = new();  // reward functions and decoding: the rollout side and the trainer (ReMax, eval) may both score
    private readonly RlCheckpointing? _checkpointing;
    private readonly ConcurrentDictionary<int, (int Epoch, int Index)> _collectStarts = new();   // iteration → the prompt cursor its batch started from

    /// <param name="policy">The trained policy and its rollout engine (owned by the caller).</param>
    /// <param name="reward">The reward (a weighted combination of functions is itself one function).</param>
    /// <param name="reference">The frozen reference (π_ref); required when the algorithm uses a KL (owned by the caller).</param>
    /// <param name="critic">The critic for <c>gae</c> (owned by the caller).</param>
    /// <param name="ptx">Tokenized SFT rows for PPO-ptx (with <see cref="RlConfig.PtxCoefficient"/> &gt; 0).</param>
    /// <param name="process">A step-level reward for step-marked outputs, added as token-level advantages or token rewards.</param>
    /// <param name="checkpointing">Resumable checkpoints every few iterations, and the checkpoint this run resumes from.</param>
    public RlTrainer(OnlinePolicy policy, RlConfig config, RlAxes axes, IReadOnlyList<PromptRow> prompts, IRewardFunction reward,
        DecoderModel? reference = null, Critic? critic = null, IReadOnlyList<TokenizedExample>? ptx = null, ProcessReward? process = null,
        MetricsLog? metrics = null, TextWriter? log = null, RlCheckpointing? checkpointing = null)
    {
        _checkpointing = checkpointing;
        _policy = policy;
        _config = config.Validate();
        _axes = axes;
        _prompts = prompts.Count > 0 ? prompts : throw new ArgumentException("no prompts to train on", nameof(prompts));
        _reward = reward;
        _process = process;
        Reference = reference;
        Critic = critic;
        Ptx = ptx;
        Metrics = metrics;
        Log = log;
        _temperature = config.Temperature ?? axes.Temperature;
        _staleTis = config.StalenessBound > 0 && axes.TruncatedIs is null ? new TruncatedImportanceSampling() : null;  // C = 2
        process?.CheckFits(axes);
        if (axes.NeedsReference && reference is null)
            throw new ArgumentException($"preset '{axes.PresetName}' reads reference log-probs (a KL term or gvpo): pass a reference model", nameof(reference));
        if (axes.NeedsCritic && critic is null)
            throw new ArgumentException($"preset '{axes.PresetName}' estimates advantages with a critic ({axes.Advantage.Name}): pass a Critic", nameof(critic));
        if (config.PtxCoefficient > 0 && (ptx is null || ptx.Count == 0))
            throw new ArgumentException("RlConfig.PtxCoefficient > 0 needs SFT rows (ptx)", nameof(ptx));
        CheckMicroBatch(config, axes);
    }

    /// <summary>A loss that couples a prompt's responses (gvpo) needs micro-batches of whole groups: a multiple of G.</summary>
    public static void CheckMicroBatch(RlConfig config, RlAxes axes)
    {
        if (config.MicroBatchSize is int size && axes.PolicyLoss.NeedsWholeGroups && size % axes.GroupSize != 0)
            throw new ArgumentException($"{nameof(RlConfig)}.{nameof(RlConfig.MicroBatchSize)} = {size}: {axes.PolicyLoss.Name} centres each prompt's group " +
                                        $"of {axes.GroupSize} responses inside its loss, so a micro-batch must hold whole groups; use a multiple of {axes.GroupSize}");
    }

    public DecoderModel? Reference { get; }
    public Critic? Critic { get; }
    public IReadOnlyList<TokenizedExample>? Ptx { get; }
    public MetricsLog? Metrics { get; }
    public TextWriter? Log { get; }

    /// <summary>Called with each iteration's experience once its old log-probs and correction weights exist (tests read them here).</summary>
    internal Action<int, Experience>? ExperienceReady { get; set; }

    /// <summary>
    /// Runs <see cref="RlConfig.Iterations"/> iterations; evaluates <paramref name="eval"/> greedily before, every
    /// <see cref="RlConfig.EvalEvery"/> iterations and after the last, when given. With <paramref name="finalModelDir"/>
    /// the final model is written there (<see cref="OnlinePolicy.Save"/>'s files) — under
    /// <see cref="RlConfig.LoadBestModelAtEnd"/> the best evaluated one, whose candidates wait in best-model-{iteration}/
    /// beside it.
    /// </summary>
    public RlResult Train(IReadOnlyList<PromptRow>? eval = null, string? finalModelDir = null)
    {
        RlConfig c = _config;
        if (c.LoadBestModelAtEnd && (eval is null || finalModelDir is null))
            throw new ArgumentException($"{nameof(RlConfig)}.{nameof(RlConfig.LoadBestModelAtEnd)} needs held-out prompts (eval) and the final model's folder (finalModelDir)");
        using var autocast = Autocast.Enable(c.Bf16 ? torch.ScalarType.BFloat16 : null);  // bf16 mixed precision, or nothing
        DecoderModel model = _policy.Model;
        TensorUtil.ManualSeed(c.Seed);
        var (actorParameters, actorNames) = CausalLmCheckpoint.Trainable(model);                                     // LoRA: the adapters only
        using AdamW actorOptimizer = c.Optimizer.Create(actorParameters, c.LearningRate);
        using AdamW? criticOptimizer = Critic is null ? null : c.Optimizer.Create(Critic.parameters(), c.CriticLearningRate);
        var order = new DataOrder(_prompts.Count, c.Seed, shuffle: true);
        var ptxOrder = Ptx is null ? null : new DataOrder(Ptx.Count, c.Seed + 1, shuffle: true);
        var history = new List<IReadOnlyDictionary<string, double>>();
        double? before;
        int first = 1;
        List<RolloutRound>? collectedAhead = null;   // a resumed async run: the batches its checkpoint saved
        if (_checkpointing?.Resume is { } resume)
        {
            (order, ptxOrder, before, collectedAhead) = Restore(resume, _checkpointing.ResumeDir!, actorOptimizer, actorNames, criticOptimizer);
            first = resume.Iteration + 1;
            Log?.WriteLine($"[rl] resumed from {_checkpointing.ResumeDir} after iteration {resume.Iteration} (policy version {resume.PolicyVersion})");
        }
        else
        {
            before = eval is null ? null : Evaluate(eval);
            if (before is not null) Log?.WriteLine($"[rl] held-out greedy reward before: {before:F4}");
        }
        // load_best_model_at_end: the best evaluation so far and its model (a resumed run goes on from the best up to its checkpoint).
        BestModel? best = c.LoadBestModelAtEnd
            ? BestModel.Open(Path.GetDirectoryName(Path.GetFullPath(finalModelDir!))!, EvalRewardMetric, greaterIsBetter: true, resumeStep: first > 1 ? first - 1 : null)
            : null;
        double? after = null;
        var clock = Stopwatch.StartNew();
        IProgressSink.Announce(Log, "rl", c.Iterations, first - 1);
        // Async rollouts: libtorch gets the cores the engine leaves; batches are collected ahead, at most StalenessBound
        // versions behind (bound 0: each batch is collected inline when its iteration starts, the synchronous loop).
        using IDisposable? threads = c.StalenessBound > 0 ? AsyncRolloutThreads.ShareWith(_policy.Engine.Options) : null;
        using var rollouts = new RolloutPrefetch<RolloutRound>(i => Collect(i, order), c.StalenessBound, c.Iterations, first, collectedAhead);
        // The held-out evaluation every EvalEvery iterations and after the last, into the iteration's row; a new best model is kept.
        void Evaluated(int iteration, Dictionary<string, double> m)
        {
            if (eval is null || !((c.EvalEvery > 0 && iteration % c.EvalEvery == 0) || iteration == c.Iterations)) return;
            m[EvalRewardMetric] = Evaluate(eval);
            if (iteration == c.Iterations) after = m[EvalRewardMetric];
            else if (best?.Improves(m) == true)   // the last evaluation competes in SaveFinalModel, against the final weights
            {
                best.Save(iteration, m, _policy.Save);
                Log?.WriteLine($"[rl] {EvalRewardMetric} {m[EvalRewardMetric]:G6} at iteration {iteration}: the best so far, in {BestModel.FolderPrefix}{iteration}/");
            }
        }
        // A checkpoint after iteration k: the prompt cursor where batch k+1 starts, and (async) the batches collected ahead
        // with the order's cursor after them; waits for a collection still running (an iteration that made no update).
        void Checkpoint(int iteration)
        {
            if (_checkpointing is not { SaveSteps: > 0 } k || iteration % k.SaveSteps != 0 || iteration == c.Iterations) return;
            rollouts.Drain();
            var ahead = rollouts.Ready;
            var cursor = ahead.Count > 0 ? _collectStarts[ahead[0].Iteration] : order.Position;
            SaveCheckpoint(iteration, cursor, ahead, order.Position, ptxOrder?.Position ?? (0, 0), before, actorOptimizer, actorNames, criticOptimizer);
        }

        for (int iteration = first; iteration <= c.Iterations; iteration++)
        {
            using var scope = NewDisposeScope();
            using var sc = new ScalarScope();
            var m = new Dictionary<string, double>();
            var timer = new PhaseTimer(m);
            var step = Stopwatch.StartNew();

            // ---- generate + reward: this iteration's batch, collected now or (async) while the previous update ran ----
            var (round, ahead, waited) = rollouts.Take(iteration);
            rollouts.StartAhead(iteration);  // async: the next batch generates and scores while this one trains (below)
            if (ahead)
            {
                m["timing_s/gen"] = waited;                                           // the trainer's wait for generation
                m["timing_s/gen_overlapped"] = round.Timings.GetValueOrDefault("timing_s/gen");      // the generation's own wall time
                m["timing_s/reward_overlapped"] = round.Timings.GetValueOrDefault("timing_s/reward");
            }
            else
                foreach (var (k, v) in round.Timings) m[k] = v;                       // timing_s/gen, timing_s/reward
            List<Group> kept = round.Kept;
            long updating = _policy.Version;  // the version of the weights this iteration updates (every update so far was synced)
            long staleness = updating - round.PolicyVersion;
            if (staleness < 0 || staleness > c.StalenessBound)
                throw new InvalidOperationException($"iteration {iteration}: batch sampled with policy version {round.PolicyVersion}, trainer at {updating}: staleness {staleness} outside [0, {c.StalenessBound}]");
            if (_axes.GrpoLambda is not null && kept.Count > 0)
            {
                // GRPO-λ: the most accurate groups get a length-penalised score, the rest keep plain accuracy
                var (shaped, penalised) = _axes.GrpoLambda.Shape(kept.SelectMany(k => k.Scores).ToArray(),
                    kept.SelectMany(k => k.Samples.Select(s => s.ResponseIds.Length)).ToArray(), _axes.GroupSize);
                for (int p = 0; p < kept.Count; p++) kept[p] = kept[p] with { Scores = shaped.AsSpan(p * _axes.GroupSize, _axes.GroupSize).ToArray() };
                m["grpo_lambda/penalised_groups"] = penalised.Count(b => b);
            }
            m["frac_reward_zero_std"] = (double)round.ZeroStd / round.Generated;
            m["batch/generation_rounds"] = round.Rounds;
            m["batch/dropped_groups"] = round.Dropped;
            m["batch/kept_groups"] = kept.Count;
            m["policy/rollout_version"] = round.PolicyVersion;
            m["async/staleness"] = staleness;
            foreach (var (name, values) in round.RewardMetrics) m[name] = values.Average();
            if (kept.Count == 0)
            {
                Log?.WriteLine($"[rl] iteration {iteration}: every group was filtered out; no update");
                m["timing_s/step"] = step.Elapsed.TotalSeconds;
                Evaluated(iteration, m);
                Emit(iteration, m, history);
                Checkpoint(iteration);
                continue;
            }

            // ---- experience tensors -------------------------------------------------------------------------------------
            Experience x = Build(kept);
            int n = x.Count;
            Tensor mask = x.Batch.Mask;                                                       // [N, A]
            Tensor tokens = mask.sum();                                                       // []
            m["reward"] = x.Scores.mean().ToDouble();
            m["reward_std"] = n > 1 ? x.Scores.std(0).ToDouble() : 0;
            m["completions/mean_length"] = tokens.ToDouble() / n;
            m["completions/clipped_ratio"] = x.Samples.Count(s => s.Finish == FinishReason.Length) / (double)n;

            // ---- old log-probs (π_old: the weights this update starts from) + correction towards the behaviour policy ---
            // The behaviour policy is the version that sampled the batch: its log-probs are x.RolloutLogProbs. π_old is
            // recomputed with the current weights, `staleness` versions newer; TIS/MIS reweight π_old → behaviour (see
            // the class comment: a stale batch gets TIS even when the preset has none).
            using (timer.Phase("old_log_prob"))
            using (no_grad())
            {
                Tensor[] oldAndEntropy = ByRows(x.Batch, b => { var (lp, h) = ResponseLogProbs.WithEntropy(model, b, _temperature); return [lp, h]; });
                (x.OldLogProbs, Tensor entropy) = (oldAndEntropy[0], oldAndEntropy[1]);                          // [N, A], [N, A]
                m["actor/entropy"] = ((entropy * mask).sum() / tokens).ToDouble();
                foreach (var (k, v) in RolloutMismatch.Measure(x.RolloutLogProbs, x.OldLogProbs, mask)) m[k] = v;
                if ((_axes.TruncatedIs ?? (staleness > 0 ? _staleTis : null)) is { } tis)
                {
                    (Tensor weights, var tisMetrics) = tis.Weights(x.RolloutLogProbs, x.OldLogProbs, mask);  // [N, A] min(π_old/π_rollout, C)
                    x.CorrectionWeights = weights;
                    foreach (var (k, v) in tisMetrics) m[k] = v;
                }
                if (_axes.SequenceMask is not null)
                {
                    (Tensor keep, var maskMetrics) = _axes.SequenceMask.Apply(x.RolloutLogProbs, x.OldLogProbs, mask);     // [N, A]
                    x.CorrectionWeights = x.CorrectionWeights is null ? keep : x.CorrectionWeights * keep;
                    foreach (var (k, v) in maskMetrics) m[k] = v;
                }
            }

            ExperienceReady?.Invoke(iteration, x);

            // ---- reference log-probs -------------------------------------------------------------------------------------
            if (_axes.NeedsReference)
                using (timer.Phase("ref"))
                using (no_grad())
                {
                    x.RefLogProbs = ByRows(x.Batch, b => [ResponseLogProbs.Compute(Reference!, b, _temperature)])[0];  // [N, A]
                    if (_axes.Kl is not null)
                    {
                        Tensor kl = _axes.Kl.PerToken(x.OldLogProbs, x.RefLogProbs) * mask;      // [N, A]
                        m["actor/reward_kl"] = (kl.sum() / tokens).ToDouble();
                        if (_axes.KlPlacement == KlPlacement.InReward) x.TokenRewards = kl * sc[-_axes.KlCoefficient!.Value];  // [N, A] −β·kl_t
                    }
                }

            // ---- values (PPO critic) ----------------------------------------------------------------------------------
            if (Critic is not null)
                using (timer.Phase("values"))
                using (no_grad())
                    x.Values = ByRows(x.Batch, b => [Critic.Values(b)])[0];                     // [N, A]

            // ---- advantages -------------------------------------------------------------------------------------------
            using (timer.Phase("adv"))
            using (no_grad())
            {
                if (_axes.Advantage.NeedsGreedyBaseline) x.BaselineScores = GreedyBaseline(kept);  // [N]
                Tensor? process = _process is null ? null : ProcessTokens(kept, x.Batch.ResponseWidth) * mask;  // [N, A]
                if (_process?.Use == ProcessRewardUse.TokenRewards) x.TokenRewards = x.TokenRewards is null ? process : x.TokenRewards.add(process!, sc[1]);
                AdvantageOutput adv = _axes.Advantage.Compute(new AdvantageInputs
                {
                    Scores = x.Scores, Mask = mask, GroupSize = x.GroupSize, TokenRewards = x.TokenRewards,
                    Values = x.Values, BaselineScores = x.BaselineScores,
                });
                (x.Advantages, x.Returns) = (adv.Advantages, adv.Returns);                      // [N, A], [N, A]
                if (_process?.Use == ProcessRewardUse.Advantages) x.Advantages = x.Advantages.add(process!, sc[1]);  // outcome + process advantages
            }

            // ---- update the actor: μ epochs over mini-batches of whole groups --------------------------------------------
            double warmup = c.Optimizer.WarmupFactor(iteration - 1, c.Iterations);         // linear warm-up over the first iterations
            actorOptimizer.LearningRate = c.LearningRate * warmup;
            if (criticOptimizer is not null) criticOptimizer.LearningRate = c.CriticLearningRate * warmup;
            using (timer.Phase("update_actor"))
                UpdateActor(model, actorOptimizer, x, ptxOrder, iteration, m);

            // ---- update the critic ------------------------------------------------------------------------------------
            if (Critic is not null)
                using (timer.Phase("update_critic"))
                    UpdateCritic(criticOptimizer!, x, iteration, m);

            if (_axes.KlCoefficient is not null && m.TryGetValue("actor/reward_kl", out double currentKl))
            {
                _axes.KlCoefficient.Update(currentKl, n);
                m["actor/kl_coef"] = _axes.KlCoefficient.Value;
            }

            // ---- sync the rollout engine (after the in-flight generation ends: never a new version mid-generation) -------
            m["timing_s/gen"] = m.GetValueOrDefault("timing_s/gen") + rollouts.Drain();
            using (timer.Phase("sync")) _policy.PushWeights();
            m["policy_version"] = _policy.Version;

            // ---- log -----------------------------------------------------------------------------------------------------
            double seconds = step.Elapsed.TotalSeconds;
            m["timing_s/step"] = seconds;
            m["timing_share/rollout"] = m.GetValueOrDefault("timing_s/gen") / seconds;
            m["timing_share/sync"] = m.GetValueOrDefault("timing_s/sync") / seconds;
            m["perf/throughput"] = tokens.ToDouble() / seconds;
            Evaluated(iteration, m);
            Emit(iteration, m, history);
            Checkpoint(iteration);
        }

        double total = clock.Elapsed.TotalSeconds;
        if (after is not null) Log?.WriteLine($"[rl] held-out greedy reward after {c.Iterations} iterations: {after:F4} (before {before:F4}); {total:F1} s");
        BestEvaluation? bestKept = finalModelDir is null ? null : SaveFinalModel(finalModelDir, best, history[^1]);
        return new RlResult(history, before, after, total, bestKept);
    }

    /// <summary>The held-out greedy reward as logged, and the metric load_best_model_at_end compares.</summary>
    public const string EvalRewardMetric = "eval/reward";

    /// <summary>
    /// Writes the final model to <paramref name="dir"/>: the current weights, or with a best-model tracker the best
    /// evaluated ones (the last evaluation, <paramref name="lastRow"/>'s, competes too), logged as <c>best_metric</c> and
    /// <c>best_global_step</c>. The best-model folder is removed only once the final model is written.
    /// </summary>
    private BestEvaluation? SaveFinalModel(string dir, BestModel? best, IReadOnlyDictionary<string, double> lastRow)
    {
        if (best is null)
        {
            _policy.Save(dir);
            return null;
        }
        BestEvaluation kept = best.Finish(dir, _config.Iterations, lastRow, _policy.Save);
        Metrics?.Write(_config.Iterations, new Dictionary<string, double> { ["best_metric"] = kept.Value, ["best_global_step"] = kept.Step });
        Log?.WriteLine($"[rl] best {kept.Metric} {kept.Value:G6} at iteration {kept.Step} of {_config.Iterations}: that model is the one saved");
        best.Discard();
        return kept;
    }

    /// <summary>
    /// Mean reward of answers to <paramref name="rows"/> under the training reward (accuracy for a 0/1 reward): greedy
    /// answers, or with <paramref name="samplesPerPrompt"/> &gt; 0 that many samples per prompt at the training temperature
    /// with a fixed seed (the expected reward the policy optimises).
    /// </summary>
    public double Evaluate(IReadOnlyList<PromptRow> rows, int samplesPerPrompt = 0)
    {
        RolloutBatch batch = _policy.Rollouts.Generate(new RolloutRequest
        {
            Prompts = rows.Select(r => _policy.Tokenizer.Encode(r.Prompt)).ToList(),
            SamplesPerPrompt = Math.Max(1, samplesPerPrompt),
            Sampling = samplesPerPrompt > 0 ? Sampling(seed: 12345) : SamplingParams.Greedy(_config.MaxNewTokens, _policy.EosTokenId),
        });
        return Score(rows.ToArray(), batch.Samples, metrics: null).Average();
    }
}
