// Scores token rows with the trainer's reward model on libtorch, batched exactly as the ONNX Runtime scorer batches them.
using Hybrid.Models.Heads;
using Hybrid.Rollout.Scoring;

namespace Hybrid.Training.Scoring;

/// <summary>The libtorch counterpart of <see cref="OnnxRewardScorer"/>: the reference its parity tests and the scoring bench compare with.</summary>
public static class LibTorchScoring
{
    /// <summary>
    /// The libtorch side: <paramref name="model"/> under NoGrad on the <see cref="LengthBatches"/> plan of
    /// <paramref name="rows"/>, each batch right-padded with <paramref name="padTokenId"/> and masked; scores in input order.
    /// </summary>
    public static float[] Score(SequenceScoreModel model, IReadOnlyList<int[]> rows, long padTokenId, int batchSize = int.MaxValue)
    {
        var scores = new float[rows.Count];
        using var noGrad = no_grad();
        foreach (int[] indices in LengthBatches.Plan(rows.Select(r => r.Length).ToArray(), Math.Min(batchSize, Math.Max(rows.Count, 1))))
        {
            int b = indices.Length, t = rows[indices[0]].Length;               // the first row of a batch is its longest
            var ids = new long[b * t];                                         // [B, T] right-padded
            var mask = new long[b * t];                                        // [B, T] 1 = real
            for (int k = 0; k < b; k++)
            {
                int[] row = rows[indices[k]];
                for (int j = 0; j < t; j++)
                {
                    ids[k * t + j] = j < row.Length ? row[j] : padTokenId;
                    mask[k * t + j] = j < row.Length ? 1 : 0;
                }
            }
            using var scope = NewDisposeScope();
            Tensor batchScores = model.Forward(torch.tensor(ids, [b, t]), torch.tensor(mask, [b, t]));   // [B]
            float[] values = batchScores.data<float>().ToArray();
            for (int k = 0; k < b; k++) scores[indices[k]] = values[k];
        }
        return scores;
    }
}
