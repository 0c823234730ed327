// Labels sampled responses: reward each sample, pick best-vs-worst pairs per prompt, and report reward metrics.
using Hybrid.Algorithms.Rewards;
using Hybrid.Models.Generation;
using Hybrid.Rollout;

namespace Hybrid.Training.OnlinePreference;

/// <summary>
/// What labelling a <see cref="RolloutBatch"/> produced: <see cref="Scores"/> [N] the rewards used for pairing (after the
/// missing-EOS penalty), <see cref="RawScores"/> [N] the reward function's own scores, the <see cref="Pairs"/>, how many
/// prompts were skipped for ties, and metrics (<c>reward</c>, <c>reward_std</c>, <c>rewards/{name}/mean</c>,
/// <c>pairs/count</c>, <c>pairs/skipped_ties</c>, <c>pairs/score_gap</c>, <c>completions/mean_length</c>,
/// <c>completions/clipped_ratio</c>).
/// </summary>
public sealed record LabelledRollouts(double[] Scores, double[] RawScores, IReadOnlyList<TokenPair> Pairs, int SkippedPrompts,
    IReadOnlyDictionary<string, double> Metrics);

public static class RolloutLabeling
{
    /// <summary>
    /// Scores every sample of <paramref name="batch"/> (prompt i of the request = <paramref name="prompts"/>[i]) with
    /// <paramref name="reward"/> on the decoded completion, subtracts <paramref name="missingEosPenalty"/> from samples that
    /// ran out of tokens (TRL's missing_eos_penalty), then pairs each prompt's best against its worst sample
    /// (<see cref="BestWorstPairing"/>). The pair's prompt is the request's prompt ids; responses keep their stop token.
    /// </summary>
    public static LabelledRollouts Label(RolloutBatch batch, IReadOnlyList<OnlinePrompt> prompts, IRewardFunction reward,
        Func<int[], string> decode, double missingEosPenalty = 0, double minGap = 0)
    {
        ArgumentNullException.ThrowIfNull(batch);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(reward);
        ArgumentNullException.ThrowIfNull(decode);
        int n = batch.Samples.Count, g = batch.SamplesPerPrompt;
        if (n != prompts.Count * g)
            throw new ArgumentException($"the batch has {n} samples but {prompts.Count} prompts × {g} samples were expected", nameof(prompts));

        var samples = new RewardSample[n];
        for (int i = 0; i < n; i++)
        {
            Hybrid.Rollout.Rollout s = batch.Samples[i];
            OnlinePrompt prompt = prompts[s.PromptIndex];
            samples[i] = new RewardSample(prompt.Text, decode(s.ResponseIds), prompt.Columns)
            {
                CompletionTokens = s.ResponseIds.Length,
                Truncated = s.Finish == FinishReason.Length,
            };
        }
        RewardOutput output = reward.Score(samples);
        if (output.Scores.Length != n)
            throw new InvalidOperationException($"reward '{reward.Name}' returned {output.Scores.Length} scores for {n} samples");
        double[] raw = output.Scores.ToArray();
        double[] scores = raw.Select((r, i) => samples[i].Truncated ? r - missingEosPenalty : r).ToArray();

        List<GroupChoice> choices = g >= 2 ? BestWorstPairing.Choose(scores, g, minGap) : [];
        var pairs = new List<TokenPair>(choices.Count);
        foreach (GroupChoice c in choices)
        {
            Hybrid.Rollout.Rollout best = batch.Samples[c.Best], worst = batch.Samples[c.Worst];
            if (best.ResponseIds.Length == 0 || worst.ResponseIds.Length == 0) continue;  // nothing to score; cannot happen with MaxNewTokens ≥ 1
            pairs.Add(new TokenPair(prompts[c.Group].Ids, best.ResponseIds, worst.ResponseIds, $"prompt {c.Group} (policy v{batch.PolicyVersion})")
            {
                ChosenScore = scores[c.Best],
                RejectedScore = scores[c.Worst],
            });
        }

        // The sample (n − 1) standard deviation, as RL's reward_std (and TRL) report it; 0 for one answer.
        double mean = raw.Average(), std = n > 1 ? Math.Sqrt(raw.Sum(r => (r - mean) * (r - mean)) / (n - 1)) : 0;
        var metrics = new Dictionary<string, double>
        {
            ["reward"] = mean,
            ["reward_std"] = std,
            [$"rewards/{reward.Name}/mean"] = mean,
            ["pairs/count"] = pairs.Count,
            ["pairs/skipped_ties"] = prompts.Count - choices.Count,
            ["pairs/score_gap"] = pairs.Count == 0 ? 0 : pairs.Average(p => p.ChosenScore - p.RejectedScore),
            ["completions/mean_length"] = batch.Samples.Average(s => s.ResponseIds.Length),
            ["completions/clipped_ratio"] = samples.Count(s => s.Truncated) / (double)n,
        };
        foreach (var (key, value) in output.Metrics ?? new Dictionary<string, double>()) metrics[$"rewards/{reward.Name}/{key}"] = value;
        return new LabelledRollouts(scores, raw, pairs, prompts.Count - choices.Count, metrics);
    }
}
