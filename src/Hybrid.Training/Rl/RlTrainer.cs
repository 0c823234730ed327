// Online RL on libtorch from ONNX Runtime rollouts, one flat phase-timed loop: generate → reward → old/ref log-probs → values → advantages → update → sync → log.
using System.Diagnostics;
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Rollout;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Metrics;
using Hybrid.Training.Online;
using Hybrid.Training.Stability;

namespace Hybrid.Training.Rl;

/// <summary>What a run reports: every iteration's metrics, and the held-out greedy reward before and after.</summary>
public sealed record RlResult(IReadOnlyList<IReadOnlyDictionary<string, double>> Iterations, double? EvalBefore, double? EvalAfter, double Seconds);

/// <summary>
/// The GRPO family and PPO over one <see cref="OnlinePolicy"/> (trainer model + rollout engine + weight sync). The
/// algorithm is a set of axis choices (<see cref="RlAxes"/>); nothing in the loop compares names. Each phase's wall time
/// is logged as <c>timing_s/{gen,reward,old_log_prob,ref,values,adv,update_actor,update_critic,sync,step}</c>, plus
/// <c>timing_share/rollout</c> (gen ÷ step) and <c>timing_share/sync</c>.
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

    /// <param name="policy">The trained policy and its rollout engine (owned by the caller).</param>
    /// <param name="reward">The reward (a weighted combination of functions is itself one function).</param>
    /// <param name="reference">The frozen reference (π_ref); required when the algorithm uses a KL (owned by the caller).</param>
    /// <param name="critic">The critic for <c>gae</c> (owned by the caller).</param>
    /// <param name="ptx">Tokenized SFT rows for PPO-ptx (with <see cref="RlConfig.PtxCoefficient"/> &gt; 0).</param>
    /// <param name="process">A step-level reward for step-marked outputs, added as token-level advantages or token rewards.</param>
    public RlTrainer(OnlinePolicy policy, RlConfig config, RlAxes axes, IReadOnlyList<PromptRow> prompts, IRewardFunction reward,
        DecoderModel? reference = null, Critic? critic = null, IReadOnlyList<TokenizedExample>? ptx = null, ProcessReward? process = null,
        MetricsLog? metrics = null, TextWriter? log = null)
    {
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
        process?.CheckFits(axes);
        if (axes.NeedsReference && reference is null)
            throw new ArgumentException($"preset '{axes.PresetName}' reads reference log-probs (a KL term or gvpo): pass a reference model", nameof(reference));
        if (axes.NeedsCritic && critic is null)
            throw new ArgumentException($"preset '{axes.PresetName}' estimates advantages with a critic ({axes.Advantage.Name}): pass a Critic", nameof(critic));
        if (config.PtxCoefficient > 0 && (ptx is null || ptx.Count == 0))
            throw new ArgumentException("RlConfig.PtxCoefficient > 0 needs SFT rows (ptx)", nameof(ptx));
    }

    public DecoderModel? Reference { get; }
    public Critic? Critic { get; }
    public IReadOnlyList<TokenizedExample>? Ptx { get; }
    public MetricsLog? Metrics { get; }
    public TextWriter? Log { get; }

    /// <summary>Runs <see cref="RlConfig.Iterations"/> iterations; evaluates <paramref name="eval"/> greedily before and after when given.</summary>
    public RlResult Train(IReadOnlyList<PromptRow>? eval = null)
    {
        RlConfig c = _config;
        using var autocast = Autocast.Enable(c.Bf16 ? torch.ScalarType.BFloat16 : null);  // bf16 mixed precision, or nothing
        DecoderModel model = _policy.Model;
        TensorUtil.ManualSeed(c.Seed);
        using AdamW actorOptimizer = c.Optimizer.Create(model.parameters(), c.LearningRate);
        using AdamW? criticOptimizer = Critic is null ? null : c.Optimizer.Create(Critic.parameters(), c.CriticLearningRate);
        var order = new DataOrder(_prompts.Count, c.Seed, shuffle: true);
        var ptxOrder = Ptx is null ? null : new DataOrder(Ptx.Count, c.Seed + 1, shuffle: true);
        var history = new List<IReadOnlyDictionary<string, double>>();
        double? before = eval is null ? null : Evaluate(eval);
        if (before is not null) Log?.WriteLine($"[rl] held-out greedy reward before: {before:F4}");
        var clock = Stopwatch.StartNew();
        IProgressSink.Announce(Log, "rl", c.Iterations);

        for (int iteration = 1; iteration <= c.Iterations; iteration++)
        {
            using var scope = NewDisposeScope();
            using var sc = new ScalarScope();
            var m = new Dictionary<string, double>();
            var timer = new PhaseTimer(m);
            var step = Stopwatch.StartNew();

            // ---- generate + reward (repeated while filters drop groups and the preset refills) ------------------------
            var kept = new List<Group>();
            int generated = 0, dropped = 0, zeroStd = 0, rounds = 0;
            var rewardMetrics = new Dictionary<string, List<double>>();
            while (kept.Count < c.PromptsPerIteration && rounds < c.MaxGenerationRounds)
            {
                PromptRow[] rows = NextRows(order, c.PromptsPerIteration).Select(WithHint).ToArray();
                RolloutBatch rollouts;
                using (timer.Phase("gen"))
                    rollouts = _policy.Rollouts.Generate(new RolloutRequest
                    {
                        Prompts = rows.Select(r => _policy.Tokenizer.Encode(r.Prompt)).ToList(),
                        SamplesPerPrompt = _axes.GroupSize,
                        Sampling = Sampling(seed: (long)c.Seed * 1_000_003 + iteration * 97 + rounds),
                    });
                double[] scores;
                StepRewards? steps = null;
                using (timer.Phase("reward"))
                {
                    List<RewardSample> inputs = RewardInputs(rows, rollouts.Samples);
                    scores = Score(inputs, rollouts.Samples, rewardMetrics);
                    if (_process is not null) steps = ScoreSteps(inputs, rollouts.Samples, rewardMetrics);
                }
                var keptGroups = GroupFilters.KeptGroups(_axes.Filters, scores, _axes.GroupSize).ToHashSet();
                for (int p = 0; p < rows.Length; p++)
                {
                    int first = p * _axes.GroupSize;
                    var group = new Group(rows[p], rollouts.Samples.Skip(first).Take(_axes.GroupSize).ToList(),
                        scores.AsSpan(first, _axes.GroupSize).ToArray(), steps?.Slice(first, _axes.GroupSize));
                    generated++;
                    _axes.Ghpo?.Report(group.Row.Source, GhpoHints.AllFailed(group.Scores));
                    if (group.Scores.Distinct().Count() == 1) zeroStd++;
                    if (keptGroups.Contains(p)) kept.Add(group);
                    else dropped++;
                }
                rounds++;
                if (!_axes.RefillFilteredGroups) break;
            }
            if (kept.Count > c.PromptsPerIteration) kept.RemoveRange(c.PromptsPerIteration, kept.Count - c.PromptsPerIteration);
            if (_axes.GrpoLambda is not null && kept.Count > 0)
            {
                // GRPO-λ: the most accurate groups get a length-penalised score, the rest keep plain accuracy
                var (shaped, penalised) = _axes.GrpoLambda.Shape(kept.SelectMany(k => k.Scores).ToArray(),
                    kept.SelectMany(k => k.Samples.Select(s => s.ResponseIds.Length)).ToArray(), _axes.GroupSize);
                for (int p = 0; p < kept.Count; p++) kept[p] = kept[p] with { Scores = shaped.AsSpan(p * _axes.GroupSize, _axes.GroupSize).ToArray() };
                m["grpo_lambda/penalised_groups"] = penalised.Count(b => b);
            }
            m["frac_reward_zero_std"] = (double)zeroStd / generated;
            m["batch/generation_rounds"] = rounds;
            m["batch/dropped_groups"] = dropped;
            m["batch/kept_groups"] = kept.Count;
            foreach (var (name, values) in rewardMetrics) m[name] = values.Average();
            if (kept.Count == 0)
            {
                Log?.WriteLine($"[rl] iteration {iteration}: every group was filtered out; no update");
                m["timing_s/step"] = step.Elapsed.TotalSeconds;
                Emit(iteration, m, history);
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

            // ---- old log-probs (trainer's view of the behaviour policy) + rollout/trainer mismatch --------------------
            using (timer.Phase("old_log_prob"))
            using (no_grad())
            {
                (x.OldLogProbs, Tensor entropy) = ResponseLogProbs.WithEntropy(model, x.Batch, _temperature);  // [N, A], [N, A]
                m["actor/entropy"] = ((entropy * mask).sum() / tokens).ToDouble();
                foreach (var (k, v) in RolloutMismatch.Measure(x.RolloutLogProbs, x.OldLogProbs, mask)) m[k] = v;
                if (_axes.TruncatedIs is not null)
                {
                    (Tensor weights, var tisMetrics) = _axes.TruncatedIs.Weights(x.RolloutLogProbs, x.OldLogProbs, mask);  // [N, A]
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

            // ---- reference log-probs -------------------------------------------------------------------------------------
            if (_axes.NeedsReference)
                using (timer.Phase("ref"))
                using (no_grad())
                {
                    x.RefLogProbs = ResponseLogProbs.Compute(Reference!, x.Batch, _temperature);  // [N, A]
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
                    x.Values = Critic.Values(x.Batch);                                          // [N, A]

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

            // ---- sync the rollout engine ------------------------------------------------------------------------------
            using (timer.Phase("sync")) _policy.PushWeights();
            m["policy_version"] = _policy.Version;

            // ---- log -----------------------------------------------------------------------------------------------------
            double seconds = step.Elapsed.TotalSeconds;
            m["timing_s/step"] = seconds;
            m["timing_share/rollout"] = m.GetValueOrDefault("timing_s/gen") / seconds;
            m["timing_share/sync"] = m.GetValueOrDefault("timing_s/sync") / seconds;
            m["perf/throughput"] = tokens.ToDouble() / seconds;
            if (eval is not null && c.EvalEvery > 0 && iteration % c.EvalEvery == 0 && iteration != c.Iterations) m["eval/reward"] = Evaluate(eval);
            Emit(iteration, m, history);
        }

        double total = clock.Elapsed.TotalSeconds;
        double? after = eval is null ? null : Evaluate(eval);
        if (after is not null) Log?.WriteLine($"[rl] held-out greedy reward after {c.Iterations} iterations: {after:F4} (before {before:F4}); {total:F1} s");
        return new RlResult(history, before, after, total);
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
