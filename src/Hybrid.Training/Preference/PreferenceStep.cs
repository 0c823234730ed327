// One optimizer step of preference optimisation over micro-batches of tokenized rows, and held-out evaluation.
using Hybrid.Training.Loop;
using Hybrid.Algorithms;
using Hybrid.Algorithms.Preference;
using Hybrid.Models.Decoder;
using Hybrid.Tensors.Optim;
using Hybrid.Training.Stability;

namespace Hybrid.Training.Preference;

/// <summary>Rows of one micro-batch and their reference log-probabilities (one float[R] per row; null for reference-free losses).</summary>
public sealed record PreferenceMicroBatch(IReadOnlyList<TokenizedPreference> Rows, float[][]? ReferenceLogps);

/// <summary>Metrics of one optimizer step: the loss's own metrics (row-weighted over micro-batches) plus the step's.</summary>
public sealed record PreferenceStepMetrics(double Loss, IReadOnlyDictionary<string, double> Metrics, double GradNorm, double LearningRate, int Rows, long NumTokens, bool Applied = true) : ITrainingStepResult;

/// <summary>Held-out results: preference accuracy (implicit reward of the preferred response &gt; the other's) and, when the rows have the loss's shape, its mean loss and metrics.</summary>
public sealed record PreferenceEvaluation(double Accuracy, double Margin, long Comparisons, double? Loss, IReadOnlyDictionary<string, double> LossMetrics);

public static class PreferenceStep
{
    /// <summary>
    /// One preference step (the piece online DPO, SPIN and Step-DPO reuse): for each micro-batch, one concatenated forward
    /// of all its sequences, the loss on the summed response log-probs, backward of loss · rows / step rows (so the step
    /// is the mean over all its rows however it is split, for losses that are a mean over rows); then global-norm clipping
    /// and AdamW at <paramref name="learningRate"/>. Prompt tokens never count: a Step-DPO pair whose prompt holds the
    /// shared step prefix trains only on the differing step.
    /// </summary>
    public static PreferenceStepMetrics Run(DecoderModel policy, AdamW optimizer, IPreferenceLoss loss, IReadOnlyList<PreferenceMicroBatch> microBatches,
        int padTokenId, double learningRate, double maxGradNorm)
    {
        int totalRows = microBatches.Sum(mb => mb.Rows.Count);
        if (totalRows == 0) throw new ArgumentException("a step needs at least one row", nameof(microBatches));
        double lossSum = 0;
        long tokens = 0;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (PreferenceMicroBatch mb in microBatches)
        {
            if (mb.Rows.Count == 0) continue;
            CheckReference(loss, mb);
            using var scope = NewDisposeScope();
            SequenceBatch batch = SequenceBatch.Collate(mb.Rows, padTokenId);
            Tensor logps = SequenceLogProbs.Compute(policy, batch);                                           // [N]
            LossOutput output = loss.Compute(PreferenceInputsBuilder.Build(mb.Rows, logps, batch.ResponseTokens, mb.ReferenceLogps));
            double weight = (double)mb.Rows.Count / totalRows;
            using var sc = new ScalarScope();
            (output.Loss * sc[weight]).backward();
            lossSum += output.Loss.ToDouble() * weight;
            foreach (var (name, value) in output.Metrics) metrics[name] = metrics.GetValueOrDefault(name) + value * weight;
            tokens += batch.RealTokens;
        }
        var (gradNorm, applied) = GuardedOptimizerStep.Apply(optimizer, lossSum, maxGradNorm, learningRate);
        return new PreferenceStepMetrics(lossSum, metrics, gradNorm, learningRate, totalRows, tokens, applied);
    }

    /// <summary>
    /// The same step on <paramref name="rows"/> split into micro-batches of <paramref name="microBatchSize"/> rows, with
    /// <paramref name="referenceLogps"/> one float[R] per row in the same order (null for reference-free losses).
    /// </summary>
    public static PreferenceStepMetrics Run(DecoderModel policy, AdamW optimizer, IPreferenceLoss loss, IReadOnlyList<TokenizedPreference> rows,
        float[][]? referenceLogps, int padTokenId, double learningRate, double maxGradNorm, int microBatchSize)
    {
        if (microBatchSize <= 0) throw new ArgumentOutOfRangeException(nameof(microBatchSize), microBatchSize, "must be > 0");
        if (referenceLogps is not null && referenceLogps.Length != rows.Count)
            throw new ArgumentException($"{referenceLogps.Length} reference rows for {rows.Count} rows", nameof(referenceLogps));
        var microBatches = new List<PreferenceMicroBatch>();
        for (int i = 0; i < rows.Count; i += microBatchSize)
            microBatches.Add(new PreferenceMicroBatch(rows.Skip(i).Take(microBatchSize).ToList(), referenceLogps?.Skip(i).Take(microBatchSize).ToArray()));
        return Run(policy, optimizer, loss, microBatches, padTokenId, learningRate, maxGradNorm);
    }

    /// <summary>
    /// Held-out evaluation without gradients, rows in order in batches of <paramref name="batchSize"/> (the batching the
    /// reference log-probs of these rows were computed with, so that at step 0 the policy's log-probs equal them exactly).
    /// Accuracy compares, for every pair (chosen, rejected) or every ranked pair with different rewards, the implicit
    /// rewards r(y) = log π_θ(y|x) − log π_ref(y|x) (with <paramref name="reference"/>) or log π_θ(y|x) / |y| (without,
    /// SimPO's and ORPO's reward): correct when r(preferred) − r(other) &gt; 0. The loss and its metrics are added when
    /// <paramref name="loss"/> is given and reads these rows' shape.
    /// </summary>
    public static PreferenceEvaluation Evaluate(DecoderModel policy, IPreferenceLoss? loss, IReadOnlyList<TokenizedPreference> rows, float[][]? reference,
        int padTokenId, int batchSize)
    {
        bool withLoss = loss is not null && rows.Count > 0 && ToLossShape(loss, rows[0]);
        long comparisons = 0, correct = 0;
        double marginSum = 0, lossSum = 0;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        using var noGrad = no_grad();
        for (int start = 0; start < rows.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var chunk = rows.Skip(start).Take(batchSize).ToList();
            float[][]? chunkRef = reference?.Skip(start).Take(batchSize).ToArray();
            SequenceBatch batch = SequenceBatch.Collate(chunk, padTokenId);
            Tensor logps = SequenceLogProbs.Compute(policy, batch);                                           // [N]
            double[] lp = logps.to(ScalarType.Float64).data<double>().ToArray(), len = batch.ResponseTokens.to(ScalarType.Float64).data<double>().ToArray();
            int r = batch.ResponsesPerRow;
            for (int b = 0; b < chunk.Count; b++)
            {
                double Reward(int k) => chunkRef is null ? lp[b * r + k] / len[b * r + k] : lp[b * r + k] - chunkRef[b][k];
                foreach (var (better, worse) in OrderedPairs(chunk[b]))
                {
                    double margin = Reward(better) - Reward(worse);
                    comparisons++;
                    correct += margin > 0 ? 1 : 0;
                    marginSum += margin;
                }
            }
            if (withLoss)
            {
                LossOutput output = loss!.Compute(PreferenceInputsBuilder.Build(chunk, logps, batch.ResponseTokens, loss.NeedsReference ? chunkRef : null));
                double weight = (double)chunk.Count / rows.Count;
                lossSum += output.Loss.ToDouble() * weight;
                foreach (var (name, value) in output.Metrics) metrics[name] = metrics.GetValueOrDefault(name) + value * weight;
            }
        }
        return new PreferenceEvaluation(comparisons == 0 ? double.NaN : (double)correct / comparisons, comparisons == 0 ? double.NaN : marginSum / comparisons,
            comparisons, withLoss ? lossSum : null, metrics);
    }

    /// <summary>(preferred, other) response indices of a row: (0, 1) for a pair, every s_i &gt; s_j for a ranking, none for an unpaired row.</summary>
    public static IEnumerable<(int Better, int Worse)> OrderedPairs(TokenizedPreference row)
    {
        if (row.Kind == PreferenceExampleKind.Paired) { yield return (0, 1); yield break; }
        if (row.Kind != PreferenceExampleKind.Ranked) yield break;
        for (int i = 0; i < row.Rewards!.Count; i++)
            for (int j = 0; j < row.Rewards.Count; j++)
                if (row.Rewards[i] > row.Rewards[j]) yield return (i, j);
    }

    private static bool ToLossShape(IPreferenceLoss loss, TokenizedPreference row) => row.Kind == loss.DataKind switch
    {
        PreferenceDataKind.Paired => PreferenceExampleKind.Paired,
        PreferenceDataKind.Unpaired => PreferenceExampleKind.Unpaired,
        _ => PreferenceExampleKind.Ranked,
    };

    private static void CheckReference(IPreferenceLoss loss, PreferenceMicroBatch mb)
    {
        if (!loss.NeedsReference) return;
        if (mb.ReferenceLogps is null)
            throw new ArgumentException($"the '{loss.Name}' loss needs reference log-probs: give PreferenceMicroBatch.ReferenceLogps (one float[R] per row)", nameof(mb));
        if (mb.ReferenceLogps.Length != mb.Rows.Count)
            throw new ArgumentException($"{mb.ReferenceLogps.Length} reference rows for {mb.Rows.Count} rows in a micro-batch", nameof(mb));
    }
}
