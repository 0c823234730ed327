// The batches an async RL run had collected ahead when it wrote a checkpoint (rollouts_ahead.json), so that the resumed run
// trains on them, as the uninterrupted run did, instead of sampling them again with newer weights.
using System.Diagnostics.CodeAnalysis;
using System.Text.Json;
using System.Text.Json.Serialization;
using Hybrid.Data;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Generation;
using Hybrid.Rollout;
using Hybrid.Training.Data;

namespace Hybrid.Training.Rl;

public sealed partial class RlTrainer
{
    private sealed record AheadSample(int PromptIndex, int SampleIndex, int[] PromptIds, int[] ResponseIds, float[] LogProbs, FinishReason Finish, long PolicyVersion);

    private sealed record AheadGroup(string Prompt, Dictionary<string, string> Columns, string Source, double[] Scores, int[][]? StepEnds,
        double[][]? StepRewards, AheadSample[] Samples);

    /// <summary>One batch: which iteration it is for, where in the prompt order it started, and the <see cref="RolloutRound"/> itself.</summary>
    private sealed record AheadBatch(int Iteration, int StartEpoch, int StartIndex, int Generated, int Dropped, int ZeroStd, int Rounds, long PolicyVersion,
        Dictionary<string, List<double>> RewardMetrics, Dictionary<string, double> Timings, AheadGroup[] Groups);

    // Floats and doubles are written shortest-round-trip, so a batch reads back bit for bit (log-probs may be −∞).
    private static readonly JsonSerializerOptions s_aheadJson = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
    };

    /// <summary>Writes <paramref name="ahead"/> (batches collected ahead, in order) to <paramref name="dir"/>/<see cref="RlCheckpointFiles.AheadBatches"/>.</summary>
    private void SaveAhead(string dir, IReadOnlyList<(int Iteration, RolloutRound Batch)> ahead)
    {
        AheadBatch[] batches = ahead.Select(a =>
        {
            var (epoch, index) = _collectStarts[a.Iteration];
            RolloutRound r = a.Batch;
            return new AheadBatch(a.Iteration, epoch, index, r.Generated, r.Dropped, r.ZeroStd, r.Rounds, r.PolicyVersion, r.RewardMetrics, r.Timings,
                r.Kept.Select(g => new AheadGroup(g.Row.Prompt, new Dictionary<string, string>(g.Row.Columns), g.Row.Source, g.Scores, g.Steps?.Ends, g.Steps?.Rewards,
                    g.Samples.Select(s => new AheadSample(s.PromptIndex, s.SampleIndex, s.PromptIds, s.ResponseIds, s.LogProbs, s.Finish, s.PolicyVersion)).ToArray())).ToArray());
        }).ToArray();
        AtomicFile.WriteText(Path.Combine(dir, RlCheckpointFiles.AheadBatches), JsonSerializer.Serialize(batches, s_aheadJson));
    }

    /// <summary>
    /// Whether a run with <paramref name="config"/> resuming from <paramref name="state"/> trains on the batches its
    /// checkpoint collected ahead: only when its staleness bound admits as many.
    /// </summary>
    private static bool UsesAhead(RlState state, RlConfig config) => state.AheadBatches > 0 && config.StalenessBound >= state.AheadBatches;

    /// <summary>
    /// Before anything is written: throws a <see cref="CheckpointException"/> naming the file when the batches collected
    /// ahead in checkpoint <paramref name="dir"/>, which a run with these settings would train on, do not fit it.
    /// </summary>
    public static void CheckAheadBatches(string dir, RlState state, RlConfig config, RlAxes axes, int vocabSize, int promptCount)
    {
        if (UsesAhead(state, config)) _ = ReadAhead(dir, state.Iteration + 1, state.AheadBatches, config, axes.GroupSize, vocabSize, promptCount);
    }

    /// <summary>The batches collected ahead in <paramref name="dir"/> (<see cref="ReadAhead"/>), each one's start in the prompt order recorded as a batch collected here would have been.</summary>
    private List<RolloutRound> LoadAhead(string dir, int first, int count)
    {
        var batches = ReadAhead(dir, first, count, _config, _axes.GroupSize, _policy.Config.VocabSize, _prompts.Count);
        foreach (var (iteration, start, _) in batches) _collectStarts[iteration] = start;
        return batches.Select(b => b.Round).ToList();
    }

    /// <summary>
    /// The <paramref name="count"/> batches for iterations <paramref name="first"/>, … saved in <paramref name="dir"/>,
    /// checked against the run (group size, token ids within the vocabulary, one log-prob per response token, the
    /// response budget), with where each started in the prompt order.
    /// </summary>
    private static List<(int Iteration, (int Epoch, int Index) Start, RolloutRound Round)> ReadAhead(string dir, int first, int count, RlConfig config, int g,
        int vocab, int promptCount)
    {
        string path = Path.Combine(dir, RlCheckpointFiles.AheadBatches);
        if (!File.Exists(path)) throw new CheckpointException($"{path}: not found; rl_state.json says the checkpoint holds {count} batch(es) collected ahead");
        AheadBatch[]? batches;
        try { batches = JsonSerializer.Deserialize<AheadBatch[]>(File.ReadAllText(path), s_aheadJson); }
        catch (JsonException ex) { throw new CheckpointException($"{path}: malformed batches collected ahead ({ex.Message})"); }
        void Check([DoesNotReturnIf(false)] bool ok, string what)
        {
            if (!ok) throw new CheckpointException($"{path}: {what}");
        }
        Check(batches is not null && batches.Length == count, $"holds {batches?.Length ?? 0} batch(es), rl_state.json says {count}");
        bool Tokens(int[]? ids) => ids is not null && ids.All(t => t >= 0 && t < vocab);
        var rounds = new List<(int, (int, int), RolloutRound)>(count);
        for (int b = 0; b < count; b++)
        {
            AheadBatch a = batches![b];
            Check(a is { Groups: not null, RewardMetrics: not null, Timings: not null } && a.Iteration == first + b, $"batch {b}: a field is missing, or it is not for iteration {first + b}");
            Check(a.Groups.Length <= config.PromptsPerIteration && a.StartEpoch >= 0 && a.StartIndex >= 0 && a.StartIndex <= promptCount,
                $"batch for iteration {a.Iteration}: {a.Groups.Length} groups or its start ({a.StartEpoch}, {a.StartIndex}) do not fit this run");
            var groups = new List<Group>(a.Groups.Length);
            foreach (AheadGroup group in a.Groups)
            {
                Check(group is { Prompt: not null, Columns: not null, Source: not null, Samples: not null, Scores: not null }
                      && group.Samples.Length == g && group.Scores.Length == g && (group.StepEnds is null) == (group.StepRewards is null)
                      && (group.StepEnds is null || (group.StepEnds.Length == g && group.StepRewards!.Length == g)),
                    $"batch for iteration {a.Iteration}: a group is incomplete or not of {g} samples (the preset's group size)");
                foreach (AheadSample s in group.Samples)
                    Check(s is not null && Tokens(s.PromptIds) && Tokens(s.ResponseIds) && s.LogProbs is not null && s.LogProbs.Length == s.ResponseIds.Length
                          && s.ResponseIds.Length <= config.MaxNewTokens && s.SampleIndex >= 0 && s.SampleIndex < g && s.PolicyVersion >= 0,
                        $"batch for iteration {a.Iteration}: a sample has token ids outside the vocabulary ({vocab}), log-probs not one per response token, " +
                        $"or more than {config.MaxNewTokens} response tokens");
                var samples = group.Samples.Select(s => new Hybrid.Rollout.Rollout
                {
                    PromptIndex = s.PromptIndex, SampleIndex = s.SampleIndex, PromptIds = s.PromptIds, ResponseIds = s.ResponseIds, LogProbs = s.LogProbs,
                    Finish = s.Finish, PolicyVersion = s.PolicyVersion,
                }).ToList();
                groups.Add(new Group(new PromptRow(group.Prompt, group.Columns, group.Source), samples, group.Scores,
                    group.StepEnds is null ? null : new StepRewards(group.StepEnds, group.StepRewards!)));
            }
            rounds.Add((a.Iteration, (a.StartEpoch, a.StartIndex), new RolloutRound(groups, a.Generated, a.Dropped, a.ZeroStd, a.Rounds, a.RewardMetrics, a.PolicyVersion, a.Timings)));
        }
        return rounds;
    }
}
