// Online RL on libtorch from ONNX Runtime rollouts, one flat phase-timed loop: generate → reward → old/ref log-probs → values → advantages → update → sync → log.
using Hybrid.Training.Loop;
using System.Diagnostics;
using Hybrid.Algorithms;
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rewards.Process;
using Hybrid.Algorithms.Critic;
using Hybrid.Algorithms.Rl;
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Rollout;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Data;
using Hybrid.Training.Metrics;
using Hybrid.Training.Online;
using Hybrid.Training.Sft;
using RolloutSample = Hybrid.Rollout.Rollout;
using Hybrid.Training.Stability;

namespace Hybrid.Training.Rl;

/// <summary>What a run reports: every iteration's metrics, and the held-out greedy reward before and after.</summary>
public sealed record RlResult(IReadOnlyList<IReadOnlyDictionary<string, double>> Iterations, double? EvalBefore, double? EvalAfter, double Seconds);

/// <summary>
/// The GRPO family and PPO over one <see cref="OnlinePolicy"/> (trainer model + rollout engine + weight sync). The
/// algorithm is a set of axis choices (<see cref="RlAxes"/>); nothing in the loop compares names. Each phase's wall time
/// is logged as <c>timing/{gen,reward,old_log_prob,ref,values,adv,update_actor,update_critic,sync,step}</c>, plus
/// <c>timing/rollout_share</c> (gen ÷ step) and <c>timing/sync_share</c>.
/// </summary>
public sealed class RlTrainer
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
        using var actorOptimizer = new AdamW(model.parameters(), c.LearningRate, weightDecay: 0);
        using AdamW? criticOptimizer = Critic is null ? null : new AdamW(Critic.parameters(), c.CriticLearningRate, weightDecay: 0);
        var order = new DataOrder(_prompts.Count, c.Seed, shuffle: true);
        var ptxOrder = Ptx is null ? null : new DataOrder(Ptx.Count, c.Seed + 1, shuffle: true);
        var history = new List<IReadOnlyDictionary<string, double>>();
        double? before = eval is null ? null : Evaluate(eval);
        if (before is not null) Log?.WriteLine($"[rl] held-out greedy reward before: {before:F4}");
        var clock = Stopwatch.StartNew();

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
                    rollouts = _policy.Engine.Generate(new RolloutRequest
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
                for (int p = 0; p < rows.Length; p++)
                {
                    int first = p * _axes.GroupSize;
                    var group = new Group(rows[p], rollouts.Samples.Skip(first).Take(_axes.GroupSize).ToList(),
                        scores.AsSpan(first, _axes.GroupSize).ToArray(), steps?.Slice(first, _axes.GroupSize));
                    generated++;
                    _axes.Ghpo?.Report(group.Row.Source, GhpoHints.AllFailed(group.Scores));
                    if (group.Scores.Distinct().Count() == 1) zeroStd++;
                    if (_axes.Filters.All(f => f.Keep(group.Scores))) kept.Add(group);
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
                m["timing/step"] = step.Elapsed.TotalSeconds;
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
                (x.OldLogProbs, Tensor entropy) = LogProbsAndEntropyByRows(model, x.Batch, _temperature);  // [N, A], [N, A]
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
                AdvantageOutput adv = _axes.Advantage.Compute(_axes.Preset.Configure(new AdvantageInputs
                {
                    Scores = x.Scores, Mask = mask, GroupSize = x.GroupSize, TokenRewards = x.TokenRewards,
                    Values = x.Values, BaselineScores = x.BaselineScores,
                }));
                (x.Advantages, x.Returns) = (adv.Advantages, adv.Returns);                      // [N, A], [N, A]
                if (_process?.Use == ProcessRewardUse.Advantages) x.Advantages = x.Advantages.add(process!, sc[1]);  // outcome + process advantages
            }

            // ---- update the actor: μ epochs over mini-batches of whole groups --------------------------------------------
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
            m["timing/step"] = seconds;
            m["timing/rollout_share"] = m.GetValueOrDefault("timing/gen") / seconds;
            m["timing/sync_share"] = m.GetValueOrDefault("timing/sync") / seconds;
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
        RolloutBatch batch = _policy.Engine.Generate(new RolloutRequest
        {
            Prompts = rows.Select(r => _policy.Tokenizer.Encode(r.Prompt)).ToList(),
            SamplesPerPrompt = Math.Max(1, samplesPerPrompt),
            Sampling = samplesPerPrompt > 0 ? Sampling(seed: 12345) : SamplingParams.Greedy(_config.MaxNewTokens, _policy.EosTokenId),
        });
        return Score(rows.ToArray(), batch.Samples, metrics: null).Average();
    }

    // ---- phases ---------------------------------------------------------------------------------------------------------

    private void UpdateActor(DecoderModel model, AdamW optimizer, Experience x, DataOrder? ptxOrder, int iteration, Dictionary<string, double> m)
    {
        var sums = new Dictionary<string, double>();
        int steps = 0;
        double klBeta = _axes.KlCoefficient?.Value ?? 0;
        var rng = new Random(unchecked((int)_config.Seed * 31 + iteration));
        for (int epoch = 0; epoch < _axes.Epochs; epoch++)
        {
            foreach (int[] rows in MiniBatches(x, rng))
            {
                using var scope = NewDisposeScope();
                using var sc = new ScalarScope();
                Tensor index = torch.tensor(rows.Select(r => (long)r).ToArray(), [rows.Length]);   // [n]
                ResponseBatch mb = Rows(x.Batch, index);
                Tensor mask = mb.Mask;                                                                // [n, A]
                (Tensor logProbs, Tensor entropy) = _axes.EntropyCoefficient > 0
                    ? LogProbsAndEntropy(model, mb, _temperature)
                    : (ResponseLogProbs.Compute(model, mb, _temperature), null!);                       // [n, A]
                PolicyLossOutput pg = _axes.PolicyLoss.Compute(_axes.Preset.Configure(new PolicyLossInputs
                {
                    LogProbs = logProbs, OldLogProbs = x.OldLogProbs!.index_select(0, index), Advantages = x.Advantages!.index_select(0, index),
                    Mask = mask, RefLogProbs = x.RefLogProbs?.index_select(0, index), Scores = x.Scores.index_select(0, index),
                    GroupSize = x.GroupSize,
                }));
                Tensor tokenLoss = x.CorrectionWeights is null ? pg.TokenLoss : pg.TokenLoss * x.CorrectionWeights.index_select(0, index);  // [n, A]
                Tensor loss = _axes.Aggregation.Aggregate(tokenLoss, mask);                             // []
                Add(sums, "actor/pg_loss", loss.ToDouble());
                foreach (var (k, v) in pg.Metrics) Add(sums, k, v);
                if (_axes.KlPlacement == KlPlacement.InLoss)
                {
                    Tensor klLoss = _axes.Aggregation.Aggregate(_axes.Kl!.PerToken(logProbs, x.RefLogProbs!.index_select(0, index)), mask);  // []
                    Add(sums, "actor/kl_loss", klLoss.ToDouble());
                    loss = loss.add(klLoss * sc[klBeta], sc[1]);
                }
                if (_axes.EntropyCoefficient > 0)
                    loss = loss - _axes.Aggregation.Aggregate(entropy, mask) * sc[_axes.EntropyCoefficient];
                if (_config.PtxCoefficient > 0)
                {
                    var ptxRows = NextPtx(ptxOrder!, rows.Length);
                    Batch sft = Batch.Collate(ptxRows, _policy.PadTokenId);
                    var (ptxSum, _) = CausalLmLoss.Compute(model.Forward(sft.InputIds, sft.AttentionMask), sft.Labels);  // []
                    Tensor ptxLoss = ptxSum / sc[Math.Max(1, sft.TargetTokens)];
                    Add(sums, "actor/ptx_loss", ptxLoss.ToDouble());
                    loss = loss.add(ptxLoss * sc[_config.PtxCoefficient], sc[1]);
                }
                double lossValue = loss.ToDouble();
                loss.backward();
                var (gradNorm, applied) = GuardedOptimizerStep.Apply(optimizer, lossValue, _config.MaxGradNorm, optimizer.LearningRate);
                _guard.Record(applied, lossValue, gradNorm);
                Add(sums, "actor/grad_norm", gradNorm);
                steps++;
            }
        }
        foreach (var (k, v) in sums) m[k] = v / steps;
        m["actor/skipped_steps"] = _guard.SkippedSteps;
        m["actor/lr"] = optimizer.LearningRate;
    }

    private void UpdateCritic(AdamW optimizer, Experience x, int iteration, Dictionary<string, double> m)
    {
        double lossSum = 0;
        int steps = 0;
        var rng = new Random(unchecked((int)_config.Seed * 17 + iteration));
        for (int epoch = 0; epoch < _axes.Epochs; epoch++)
        {
            foreach (int[] rows in MiniBatches(x, rng))
            {
                using var scope = NewDisposeScope();
                Tensor index = torch.tensor(rows.Select(r => (long)r).ToArray(), [rows.Length]);   // [n]
                ResponseBatch mb = Rows(x.Batch, index);
                Tensor mask = mb.Mask;                                                                // [n, A]
                Tensor values = Critic!.Values(mb);                                                   // [n, A]
                Tensor returns = x.Returns!.index_select(0, index);                                    // [n, A]
                using var sc = new ScalarScope();
                Tensor loss = ValueLoss.Compute(values, x.Values!.index_select(0, index), returns, mask, _axes.ValueClip) * sc[_axes.ValueCoefficient];  // []
                double lossValue = loss.ToDouble();
                lossSum += lossValue;
                loss.backward();
                var (gradNorm, applied) = GuardedOptimizerStep.Apply(optimizer, lossValue, _config.MaxGradNorm, optimizer.LearningRate);
                _guard.Record(applied, lossValue, gradNorm);
                steps++;
            }
        }
        m["critic/vf_loss"] = lossSum / steps;
        using var noGrad = no_grad();
        Tensor maskAll = x.Batch.Mask;                                                               // [N, A]
        m["critic/vf_explained_var"] = ValueLoss.ExplainedVariance(x.Values!, x.Returns!, maskAll);
        m["critic/values_mean"] = ((x.Values! * maskAll).sum() / maskAll.sum()).ToDouble();
    }

    // ---- helpers --------------------------------------------------------------------------------------------------------

    private sealed record Group(PromptRow Row, IReadOnlyList<RolloutSample> Samples, double[] Scores, StepRewards? Steps);

    /// <summary>Per response: the token ending each step (within the response) and the step's reward.</summary>
    private sealed record StepRewards(int[][] Ends, double[][] Rewards)
    {
        public StepRewards Slice(int start, int count) => new(Ends[start..(start + count)], Rewards[start..(start + count)]);
    }

    private SamplingParams Sampling(long seed) => new()
    {
        Temperature = _temperature,
        TopK = _config.TopK,
        TopP = _config.TopP,
        MaxNewTokens = _config.MaxNewTokens,
        Seed = seed,
        StopTokenIds = [_policy.EosTokenId],
    };

    private PromptRow[] NextRows(DataOrder order, int count)
    {
        var rows = new List<PromptRow>();
        while (rows.Count < count)
        {
            if (order.EpochDone) order.NextEpoch();
            rows.AddRange(order.NextBatch(count - rows.Count).Select(i => _prompts[i]));
        }
        return rows.ToArray();
    }

    /// <summary>GHPO: a prompt whose last group all failed gets the start of its solution (column "solution", else "answer") as a hint.</summary>
    private PromptRow WithHint(PromptRow row)
    {
        if (_axes.Ghpo is null) return row;
        string solution = row.Columns.GetValueOrDefault("solution") ?? row.Columns.GetValueOrDefault("answer") ?? "";
        string prompt = _axes.Ghpo.Prompt(row.Source, row.Prompt, solution);
        return ReferenceEquals(prompt, row.Prompt) || prompt == row.Prompt ? row : row with { Prompt = prompt };
    }

    private IReadOnlyList<TokenizedExample> NextPtx(DataOrder order, int count)
    {
        if (order.EpochDone) order.NextEpoch();
        return order.NextBatch(count).Select(i => Ptx![i]).ToList();
    }

    /// <summary>The reward functions' view of each sample: prompt, decoded completion, dataset columns.</summary>
    private List<RewardSample> RewardInputs(IReadOnlyList<PromptRow> rows, IReadOnlyList<RolloutSample> samples) =>
        samples.Select(s => new RewardSample(rows[s.PromptIndex].Prompt, _policy.Decode(s.ResponseIds), rows[s.PromptIndex].Columns)
        {
            CompletionTokens = s.ResponseIds.Length,
            Truncated = s.Finish == FinishReason.Length,
        }).ToList();

    private double[] Score(IReadOnlyList<PromptRow> rows, IReadOnlyList<RolloutSample> samples, Dictionary<string, List<double>>? metrics) =>
        Score(RewardInputs(rows, samples), samples, metrics);

    /// <summary>Scores every sample: the reward function, then the preset's shaping (DAPO soft overlong punishment).</summary>
    private double[] Score(List<RewardSample> inputs, IReadOnlyList<RolloutSample> samples, Dictionary<string, List<double>>? metrics)
    {
        RewardOutput output = _reward.Score(inputs);
        double[] scores = output.Scores.ToArray();
        if (metrics is not null)
        {
            Add(metrics, $"rewards/{_reward.Name}/mean", scores.Average());
            foreach (var (k, v) in output.Metrics ?? new Dictionary<string, double>()) Add(metrics, k.StartsWith("rewards/", StringComparison.Ordinal) ? k : $"rewards/{_reward.Name}/{k}", v);
        }
        _axes.Overlong?.AddTo(scores, samples.Select(x => x.ResponseIds.Length).ToArray());  // DAPO soft overlong punishment
        return scores;
    }

    /// <summary>
    /// The process reward's steps of every completion, each step's end mapped to its token. Metrics:
    /// <c>rewards/{name}/step_mean</c> (mean step reward) and <c>rewards/{name}/steps</c> (steps per completion).
    /// </summary>
    private StepRewards ScoreSteps(List<RewardSample> inputs, IReadOnlyList<RolloutSample> samples, Dictionary<string, List<double>> metrics)
    {
        IReadOnlyList<StepScores> scored = _process!.Steps.ScoreSteps(inputs);
        if (scored.Count != inputs.Count)
            throw new InvalidOperationException($"process reward '{_process.Steps.Name}' returned {scored.Count} step lists for {inputs.Count} completions");
        var ends = new int[inputs.Count][];
        var rewards = new double[inputs.Count][];
        for (int i = 0; i < ends.Length; i++)
        {
            int[] ids = samples[i].ResponseIds;
            if (scored[i].Rewards.Length != scored[i].Steps.Count)
                throw new InvalidOperationException($"process reward '{_process.Steps.Name}': completion {i} has {scored[i].Steps.Count} steps but {scored[i].Rewards.Length} rewards");
            bool none = scored[i].Steps.Count == 0 || ids.Length == 0;
            ends[i] = none ? [] : ProcessRewardMath.StepEndTokens(scored[i].Steps, ResponseOffsets.CharEnds(_policy.Tokenizer, ids, inputs[i].Completion, p => _policy.Decode(p)));
            rewards[i] = none ? [] : scored[i].Rewards;
        }
        double[] all = rewards.SelectMany(r => r).ToArray();
        Add(metrics, $"rewards/{_process.Steps.Name}/step_mean", all.Length == 0 ? 0 : all.Average());
        Add(metrics, $"rewards/{_process.Steps.Name}/steps", rewards.Average(r => (double)r.Length));
        return new StepRewards(ends, rewards);
    }

    /// <summary>[N, A] the process reward's advantages or token rewards of the kept groups (prompt-major, as the experience).</summary>
    private Tensor ProcessTokens(List<Group> groups, int width) => _process!.Tokens(
        groups.SelectMany(g => g.Samples.Select(s => s.ResponseIds.Length)).ToArray(),
        groups.SelectMany(g => g.Steps!.Ends).ToArray(), groups.SelectMany(g => g.Steps!.Rewards).ToArray(), _axes.GroupSize, width);

    private Experience Build(List<Group> groups)
    {
        var samples = groups.SelectMany(g => g.Samples).ToList();
        var rows = groups.SelectMany(g => Enumerable.Repeat(g.Row, g.Samples.Count)).ToList();
        var batch = ResponseBatch.Build(samples.Select(s => s.PromptIds).ToList(), samples.Select(s => s.ResponseIds).ToList(), _policy.PadTokenId);
        int width = batch.ResponseWidth;
        var rolloutLogProbs = new float[samples.Count * width];                                        // [N, A], 0 on padding
        for (int r = 0; r < samples.Count; r++) samples[r].LogProbs.CopyTo(rolloutLogProbs, r * width);
        Tensor rollout = torch.tensor(rolloutLogProbs, [samples.Count, width]);                       // [N, A]
        Tensor mask = batch.Mask;
        if (_axes.MaskTruncated)
        {
            float[] keep = samples.Select(s => s.Finish == FinishReason.Length ? 0f : 1f).ToArray();
            mask = mask * torch.tensor(keep, [samples.Count, 1]);                                  // [N, A] DAPO overlong filtering
            batch = batch with { Mask = mask };
        }
        return new Experience
        {
            Samples = samples, Rows = rows, GroupSize = _axes.GroupSize, Batch = batch,
            RolloutLogProbs = rollout * mask,
            Scores = torch.tensor(groups.SelectMany(g => g.Scores).Select(s => (float)s).ToArray(), [samples.Count]),  // [N]
        };
    }

    /// <summary>ReMax: one greedy response per prompt, scored; repeated over the group → [N].</summary>
    private Tensor GreedyBaseline(List<Group> groups)
    {
        PromptRow[] rows = groups.Select(g => g.Row).ToArray();
        RolloutBatch greedy = _policy.Engine.Generate(new RolloutRequest
        {
            Prompts = groups.Select(g => g.Samples[0].PromptIds).ToList(),
            Sampling = SamplingParams.Greedy(_config.MaxNewTokens, _policy.EosTokenId),
        });
        double[] baseline = Score(rows, greedy.Samples, metrics: null);
        return torch.tensor(baseline.SelectMany(b => Enumerable.Repeat((float)b, _axes.GroupSize)).ToArray(), [rows.Length * _axes.GroupSize]);
    }

    /// <summary>Mini-batches of whole groups (so group-level losses see complete groups), shuffled per epoch.</summary>
    private IEnumerable<int[]> MiniBatches(Experience x, Random rng)
    {
        int g = x.GroupSize, groups = x.Count / g;
        int groupsPerBatch = (groups + _axes.MiniBatches - 1) / _axes.MiniBatches;
        int[] order = Enumerable.Range(0, groups).ToArray();
        rng.Shuffle(order);
        for (int start = 0; start < groups; start += groupsPerBatch)
            yield return order.Skip(start).Take(groupsPerBatch).SelectMany(i => Enumerable.Range(i * g, g)).ToArray();
    }

    internal static ResponseBatch Rows(ResponseBatch b, Tensor index) => b with
    {
        InputIds = b.InputIds.index_select(0, index),
        AttentionMask = b.AttentionMask.index_select(0, index),
        Targets = b.Targets.index_select(0, index),
        Mask = b.Mask.index_select(0, index),
    };

    /// <summary>
    /// <see cref="LogProbsAndEntropy"/> without gradients, a few rows at a time so that one chunk's logits stay under
    /// 2²⁴ floats (64 MiB) whatever the vocabulary: the full [N, A, V] logits of a large model would not fit.
    /// </summary>
    internal static (Tensor LogProbs, Tensor Entropy) LogProbsAndEntropyByRows(DecoderModel model, ResponseBatch b, double temperature, long maxElements = 1L << 24)
    {
        long n = b.Mask.size(0), rows = Math.Max(1, maxElements / Math.Max(1L, (long)b.ResponseWidth * model.Config.VocabSize));
        if (rows >= n) return LogProbsAndEntropy(model, b, temperature);
        var logProbs = new List<Tensor>();
        var entropies = new List<Tensor>();
        for (long start = 0; start < n; start += rows)
        {
            using var scope = NewDisposeScope();
            using var sc = new ScalarScope();
            Tensor index = torch.arange(sc[start], sc[Math.Min(n, start + rows)], sc[1L], dtype: ScalarType.Int64);  // [n]
            var (logProb, entropy) = LogProbsAndEntropy(model, Rows(b, index), temperature);                       // [n, A], [n, A]
            logProbs.Add(logProb.MoveToOuterDisposeScope());
            entropies.Add(entropy.MoveToOuterDisposeScope());
        }
        return (torch.cat(logProbs.ToArray(), 0), torch.cat(entropies.ToArray(), 0));           // [N, A], [N, A]
    }

    /// <summary>log π(y_j) [N, A] and the entropy H of π(·|s_j) [N, A] from one forward with full logits (0 on padding).</summary>
    private static (Tensor LogProbs, Tensor Entropy) LogProbsAndEntropy(DecoderModel model, ResponseBatch b, double temperature)
    {
        using var sc = new ScalarScope();
        Tensor logits = model.Forward(b.InputIds, b.AttentionMask).slice(1, b.FirstPosition, long.MaxValue, 1) / sc[temperature];  // [N, A, V]
        Tensor logQ = logits.log_softmax(-1);                                                                 // [N, A, V]
        Tensor picked = logQ.gather(-1, b.Targets.unsqueeze(-1)).squeeze(-1);                               // [N, A]
        Tensor entropy = TokenEntropy.FromLogits(logits);                                                    // [N, A]
        return (picked * b.Mask, entropy * b.Mask);
    }

    private void Emit(int iteration, Dictionary<string, double> m, List<IReadOnlyDictionary<string, double>> history)
    {
        history.Add(m);
        Metrics?.Write(iteration, m);
    }

    private static void Add(Dictionary<string, double> sums, string key, double value) => sums[key] = sums.GetValueOrDefault(key) + value;

    private static void Add(Dictionary<string, List<double>> lists, string key, double value)
    {
        if (!lists.TryGetValue(key, out var list)) lists[key] = list = [];
        list.Add(value);
    }

    /// <summary>Adds each phase's seconds to <c>timing/{phase}</c>.</summary>
    private sealed class PhaseTimer(Dictionary<string, double> metrics)
    {
        public IDisposable Phase(string name) => new Running(metrics, "timing/" + name);

        private sealed class Running(Dictionary<string, double> metrics, string key) : IDisposable
        {
            private readonly long _start = Stopwatch.GetTimestamp();

            public void Dispose() => metrics[key] = metrics.GetValueOrDefault(key) + Stopwatch.GetElapsedTime(_start).TotalSeconds;
        }
    }
}
