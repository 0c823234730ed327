// Preference updates over the pairs of one iteration: reference log-probs once, then shuffled mini-batch steps of PreferenceStep.
using Hybrid.Algorithms.Preference;
using Hybrid.Models.Decoder;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Preference;
using Hybrid.Training.Stability;

namespace Hybrid.Training.OnlinePreference;

/// <summary>Σ log π_ref of every pair's chosen and rejected response, computed once (no gradients) before the updates.</summary>
public sealed record ReferenceLogps(double[] Chosen, double[] Rejected)
{
    /// <summary>The rows' reference log-probs in <see cref="PreferenceStep"/>'s shape: one [chosen, rejected] per pair.</summary>
    internal float[][] Rows(IEnumerable<int> rows) => rows.Select(i => new[] { (float)Chosen[i], (float)Rejected[i] }).ToArray();
}

/// <summary>
/// The update phase of online DPO, SPIN and Step-DPO, on the offline trainer's pieces: each <see cref="TokenPair"/> becomes
/// a paired <see cref="TokenizedPreference"/> row, log-probs come from <see cref="SequenceLogProbs"/> (one concatenated
/// forward, response tokens only) and each optimizer step is <see cref="PreferenceStep.Run(DecoderModel, AdamW, IPreferenceLoss, IReadOnlyList{TokenizedPreference}, float[][], int, double, double, int)"/>.
/// Prompt tokens — for Step-DPO the question and the shared steps — condition the responses but are never a target, so
/// they contribute nothing to the loss or its gradient.
/// <code>
/// pairs ─► rows (x, [y_w, y_l]) ─► Σ log π_ref once ─► epochs × shuffled mini-batches ─► PreferenceStep (loss, clip, AdamW)
/// </code>
/// </summary>
public static class PairUpdate
{
    /// <summary>The pair as a paired preference row (scores carried for losses that read them, e.g. ODPO).</summary>
    public static TokenizedPreference ToRow(TokenPair pair) => new(PreferenceExampleKind.Paired, pair.Prompt, [pair.Chosen, pair.Rejected], pair.Source)
    {
        ChosenScore = double.IsFinite(pair.ChosenScore) ? pair.ChosenScore : null,
        RejectedScore = double.IsFinite(pair.RejectedScore) ? pair.RejectedScore : null,
    };

    /// <summary>Σ log π_ref of every pair under <paramref name="reference"/>, <paramref name="batchSize"/> pairs per forward, without gradients.</summary>
    public static ReferenceLogps Reference(DecoderModel reference, IReadOnlyList<TokenPair> pairs, int padTokenId, int batchSize)
    {
        float[][] rows = SequenceLogProbs.ComputeReference(reference, pairs.Select(ToRow).ToList(), padTokenId, batchSize);
        return new ReferenceLogps(rows.Select(r => (double)r[0]).ToArray(), rows.Select(r => (double)r[1]).ToArray());
    }

    /// <summary>
    /// <see cref="PairUpdateConfig.Epochs"/> passes over <paramref name="pairs"/> in mini-batches of
    /// <see cref="PairUpdateConfig.BatchSize"/>, shuffled by <paramref name="rng"/>, one optimizer step each. Returns the
    /// loss's metrics averaged over the steps plus <c>loss</c>, <c>grad_norm</c>, <c>learning_rate</c> and
    /// <c>update/steps</c> (no pairs: only <c>update/steps</c> = 0). Reference log-probs are ignored by reference-free losses.
    /// Every step is recorded in <paramref name="guard"/>, the calling run's own (refused steps in a row count across
    /// iterations, so a run whose every update is refused stops instead of finishing).
    /// </summary>
    public static Dictionary<string, double> Run(DecoderModel model, AdamW optimizer, IPreferenceLoss loss, IReadOnlyList<TokenPair> pairs,
        ReferenceLogps reference, PairUpdateConfig config, int padTokenId, Random rng, DivergenceGuard guard)
    {
        List<TokenizedPreference> rows = pairs.Select(ToRow).ToList();
        using var autocast = Autocast.Enable(config.Bf16 ? torch.ScalarType.BFloat16 : null);  // bf16 mixed precision, or nothing
        var sums = new Dictionary<string, double>(StringComparer.Ordinal);
        int steps = 0;
        for (int epoch = 0; epoch < config.Epochs && rows.Count > 0; epoch++)
        {
            int[] order = Enumerable.Range(0, rows.Count).ToArray();
            rng.Shuffle(order);
            for (int start = 0; start < order.Length; start += config.BatchSize)
            {
                int[] batch = order[start..Math.Min(order.Length, start + config.BatchSize)];
                PreferenceStepMetrics s = PreferenceStep.Run(model, optimizer, loss, batch.Select(i => rows[i]).ToList(),
                    loss.NeedsReference ? reference.Rows(batch) : null, padTokenId, config.LearningRate, config.MaxGradNorm, batch.Length);
                foreach (var (k, v) in s.Metrics) sums[k] = sums.GetValueOrDefault(k) + v;
                sums["loss"] = sums.GetValueOrDefault("loss") - s.Metrics.GetValueOrDefault("loss") + s.Loss;   // the step's loss, whether or not the loss logs one
                sums["grad_norm"] = sums.GetValueOrDefault("grad_norm") + s.GradNorm;
                guard.Record(s.Applied, s.Loss, s.GradNorm);
                steps++;
            }
        }
        var mean = sums.ToDictionary(kv => kv.Key, kv => kv.Value / steps);
        if (steps > 0) mean["learning_rate"] = config.LearningRate;
        mean["update/steps"] = steps;
        mean["update/skipped_steps"] = guard.SkippedSteps;
        return mean;
    }
}
