// RlTrainer's helpers between rollouts and updates: sampling settings, prompt batches, rewards and step rewards, the experience, log-probs.
using System.Diagnostics;
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rewards.Process;
using Hybrid.Algorithms.Rl;
using Hybrid.Models.Generation;
using Hybrid.Rollout;
using Hybrid.Training.Data;
using Hybrid.Training.Online;
using RolloutSample = Hybrid.Rollout.Rollout;

namespace Hybrid.Training.Rl;

public sealed partial class RlTrainer
{
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
    private List<RewardSample> RewardInputs(IReadOnlyList<PromptRow> rows, IReadOnlyList<RolloutSample> samples)
    {
        lock (_scoring)
            return samples.Select(s => new RewardSample(rows[s.PromptIndex].Prompt, _policy.Decode(s.ResponseIds), rows[s.PromptIndex].Columns)
            {
                CompletionTokens = s.ResponseIds.Length,
                Truncated = s.Finish == FinishReason.Length,
            }).ToList();
    }

    private double[] Score(IReadOnlyList<PromptRow> rows, IReadOnlyList<RolloutSample> samples, Dictionary<string, List<double>>? metrics) =>
        Score(RewardInputs(rows, samples), samples, metrics);

    /// <summary>Scores every sample: the reward function, then the preset's shaping (DAPO soft overlong punishment).</summary>
    private double[] Score(List<RewardSample> inputs, IReadOnlyList<RolloutSample> samples, Dictionary<string, List<double>>? metrics)
    {
        RewardOutput output;
        lock (_scoring) output = _reward.Score(inputs);
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
        lock (_scoring)
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
            mask = OverlongMasking.Apply(mask, samples.Select(s => s.Finish == FinishReason.Length).ToArray());  // [N, A] DAPO overlong filtering
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
        RolloutBatch greedy = _policy.Rollouts.Generate(new RolloutRequest
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

    /// <summary>A mini-batch's rows in micro-batches of at most <see cref="RlConfig.MicroBatchSize"/> (one when unset), in order.</summary>
    private IEnumerable<int[]> MicroBatches(int[] rows) => rows.Chunk(_config.MicroBatchSize ?? rows.Length);

    /// <summary>
    /// A no-grad pass over the batch <see cref="RlConfig.MicroBatchSize"/> rows at a time (all at once when unset): each
    /// output [N, …] is the chunks' outputs joined along rows. Bounds the activations a pass holds at once.
    /// </summary>
    private Tensor[] ByRows(ResponseBatch batch, Func<ResponseBatch, Tensor[]> pass)
    {
        int n = (int)batch.Mask.size(0);
        if ((_config.MicroBatchSize ?? n) >= n) return pass(batch);
        var parts = new List<Tensor[]>();
        foreach (int[] chunk in MicroBatches(Enumerable.Range(0, n).ToArray()))
        {
            using var scope = NewDisposeScope();
            parts.Add(pass(Rows(batch, RowIndex(chunk))).Select(t => t.MoveToOuterDisposeScope()).ToArray());
        }
        return Enumerable.Range(0, parts[0].Length).Select(k => torch.cat(parts.Select(p => p[k]).ToArray(), 0)).ToArray();  // [N, …] each
    }

    /// <summary>[n] int64: row numbers of the experience, for index_select.</summary>
    private static Tensor RowIndex(int[] rows) => torch.tensor(rows.Select(r => (long)r).ToArray(), [rows.Length]);

    /// <summary>[n, A] the response mask of these rows of the experience.</summary>
    private static Tensor MaskOf(Experience x, int[] rows) => x.Batch.Mask.index_select(0, RowIndex(rows));

    internal static ResponseBatch Rows(ResponseBatch b, Tensor index) => b with
    {
        InputIds = b.InputIds.index_select(0, index),
        AttentionMask = b.AttentionMask.index_select(0, index),
        Targets = b.Targets.index_select(0, index),
        Mask = b.Mask.index_select(0, index),
    };

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

    /// <summary>Adds each phase's seconds to <c>timing_s/{phase}</c>.</summary>
    private sealed class PhaseTimer(Dictionary<string, double> metrics)
    {
        public IDisposable Phase(string name) => new Running(metrics, "timing_s/" + name);

        private sealed class Running(Dictionary<string, double> metrics, string key) : IDisposable
        {
            private readonly long _start = Stopwatch.GetTimestamp();

            public void Dispose() => metrics[key] = metrics.GetValueOrDefault(key) + Stopwatch.GetElapsedTime(_start).TotalSeconds;
        }
    }
}
