// Rollout log-probs of one decoding step, from the raw logits GenAI's model produced for that step.
using Hybrid.Models.Generation;
using Hybrid.Torch;
using GenAITensor = Microsoft.ML.OnnxRuntimeGenAI.Tensor;

namespace Hybrid.Rollout;

/// <summary>
/// GenAI exposes no log-probs, only the model output <c>logits</c> [B, S, V] of the run that chose the step's tokens:
/// at step 0 S is the longest prompt (ragged prompts are right-padded, so row r's next-token logits sit at its own last
/// prompt position len_r − 1), afterwards S = 1. This picks each row's next-token logits and scores the chosen token
/// under the sampling distribution (<see cref="SamplingDistribution.TokenLogProbs"/>, GenAI's own transform).
/// </summary>
internal static class StepLogProbs
{
    /// <summary>
    /// log q(tokens[r]) for every row r of <paramref name="logits"/> [B, S, V]; <paramref name="positions"/>[r] is the
    /// position of row r's next-token logits. Returns [B].
    /// </summary>
    public static float[] Compute(GenAITensor logits, ReadOnlySpan<int> positions, ReadOnlySpan<int> tokens, SamplingParams sampling)
    {
        long[] shape = logits.Shape();
        if (shape.Length != 3) throw new InvalidOperationException($"GenAI logits have shape [{string.Join(", ", shape)}], expected [B, S, V]");
        int b = (int)shape[0], s = (int)shape[1], v = (int)shape[2];
        if (b != positions.Length) throw new InvalidOperationException($"GenAI logits hold {b} rows for {positions.Length} sequences");
        ReadOnlySpan<float> all = logits.GetData<float>();   // [B, S, V]
        var rows = new float[b * v];                         // [B, V] next-token logits
        for (int r = 0; r < b; r++)
        {
            int t = Math.Min(positions[r], s - 1);
            all.Slice((r * s + t) * v, v).CopyTo(rows.AsSpan(r * v, v));
        }
        var ids = new long[b];
        for (int r = 0; r < b; r++) ids[r] = tokens[r];

        using var scope = LibTorch.NewScope();
        Tensor rowLogits = LibTorch.Tensor(rows, b, v);                                          // [B, V]
        Tensor logQ = SamplingDistribution.TokenLogProbs(rowLogits, LibTorch.Tensor(ids, b), sampling);  // [B]
        return logQ.To(DType.Float32).ToArray<float>();
    }
}
