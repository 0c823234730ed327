// Per-sequence summed log-probabilities of the response tokens (RL's per-token kernel, summed), from one forward of the whole batch.
using Hybrid.Models.Decoder;
using Hybrid.Training.Online;

namespace Hybrid.Training.Preference;

public static class SequenceLogProbs
{
    /// <summary>
    /// logp_s = Σ_t ResponseMask[s, t] · log π(Targets[s, t] | InputIds[s, ≤ t]) → [N] (float32, or the model dtype if wider),
    /// differentiable unless called under <c>torch.no_grad()</c>. Prompt tokens and pads contribute exactly 0.
    /// </summary>
    public static Tensor Compute(DecoderModel model, SequenceBatch batch) =>
        ResponseLogProbs.Compute(model, batch.AsScoredWindow()).sum(1);                              // [N, T] → [N]

    /// <summary>
    /// Reference log-probabilities of every response of every row, without gradients: rows in their given order, in
    /// batches of <paramref name="batchSize"/> rows. Returns one float[R] per row (Σ over response tokens).
    /// </summary>
    public static float[][] ComputeReference(DecoderModel reference, IReadOnlyList<TokenizedPreference> rows, int padTokenId, int batchSize)
    {
        var result = new float[rows.Count][];
        using var noGrad = no_grad();
        for (int start = 0; start < rows.Count; start += batchSize)
        {
            using var scope = NewDisposeScope();
            var chunk = rows.Skip(start).Take(batchSize).ToList();
            SequenceBatch batch = SequenceBatch.Collate(chunk, padTokenId);
            float[] logps = Compute(reference, batch).to(ScalarType.Float32).data<float>().ToArray();             // [N]
            int r = batch.ResponsesPerRow;
            for (int b = 0; b < chunk.Count; b++) result[start + b] = logps.AsSpan(b * r, r).ToArray();
        }
        return result;
    }
}
