// RlTrainer's rollout side: one iteration's batch generated, scored and filtered — on the trainer's thread, or ahead of it (async rollouts).
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Rollout;
using Hybrid.Training.Data;

namespace Hybrid.Training.Rl;

public sealed partial class RlTrainer
{
    /// <summary>
    /// One iteration's batch as the rollout side hands it over: the kept groups (at most PromptsPerIteration), what the
    /// filters counted, the reward metrics, <see cref="PolicyVersion"/> — the version that sampled it (the oldest over
    /// refill rounds; every round of one batch has the same, as no sync runs while a batch is collected) — and the rollout
    /// side's own phase times (<c>timing_s/gen</c>, <c>timing_s/reward</c>).
    /// </summary>
    private sealed record RolloutRound(List<Group> Kept, int Generated, int Dropped, int ZeroStd, int Rounds,
        Dictionary<string, List<double>> RewardMetrics, long PolicyVersion, Dictionary<string, double> Timings);

    /// <summary>
    /// Generates and scores iteration <paramref name="iteration"/>'s batch, repeated while filters drop groups and the
    /// preset refills. Touches no tensor and nothing the update reads, so it may run on a background task beside the update
    /// (<see cref="RolloutPrefetch{T}"/>); reward functions are called under <see cref="_scoring"/>.
    /// </summary>
    private RolloutRound Collect(int iteration, DataOrder order)
    {
        RlConfig c = _config;
        var timings = new Dictionary<string, double>();
        var timer = new PhaseTimer(timings);
        var kept = new List<Group>();
        int generated = 0, dropped = 0, zeroStd = 0, rounds = 0;
        long version = long.MaxValue;
        var rewardMetrics = new Dictionary<string, List<double>>();
        _collectStarts[iteration] = order.Position;   // where a checkpoint taken before this batch is trained resumes the prompts
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
            version = Math.Min(version, rollouts.PolicyVersion);
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
        return new RolloutRound(kept, generated, dropped, zeroStd, rounds, rewardMetrics, version, timings);
    }
}
