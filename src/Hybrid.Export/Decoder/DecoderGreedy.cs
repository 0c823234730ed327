// Greedy decoding with the trainer's own DecoderModel and KV cache: the oracle exported models are checked against.
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Export.Decoder;

/// <summary>What <see cref="DecoderGreedy.Run"/> produced for one prompt.</summary>
/// <param name="Tokens">The generated tokens (at most maxNewTokens; the stop token that ended generation is included).</param>
/// <param name="StepLogits">Per generated token, the next-token logits [V] it was chosen from.</param>
public sealed record GreedyResult(int[] Tokens, float[][] StepLogits);

/// <summary>
/// A plain greedy loop over <see cref="DecoderModel"/> (one unpadded prompt, prefill then one token per step through the
/// model's <see cref="KvCache"/>, under NoGrad): argmax of each step's logits, lowest id on ties.
/// </summary>
public static class DecoderGreedy
{
    public static GreedyResult Run(DecoderModel model, IReadOnlyList<int> prompt, int maxNewTokens, IReadOnlyCollection<int> stopTokens)
    {
        ArgumentOutOfRangeException.ThrowIfZero(prompt.Count);
        using var noGrad = no_grad();
        using KvCache cache = model.NewCache();
        var tokens = new List<int>();
        var logits = new List<float[]>();
        long[] next = prompt.Select(t => (long)t).ToArray();
        for (int step = 0; step < maxNewTokens; step++)
        {
            using var scope = NewDisposeScope();
            Tensor ids = torch.tensor(next, [1, next.Length]);                                   // [1, S]
            Tensor last = model.Forward(ids, cache: cache).select(1, next.Length - 1).squeeze(0); // [V] logits of the next token
            float[] row = last.contiguous().data<float>().ToArray();
            int token = ArgMax(row);
            logits.Add(row);
            tokens.Add(token);
            if (stopTokens.Contains(token)) break;
            next = [token];
        }
        return new GreedyResult(tokens.ToArray(), logits.ToArray());
    }

    private static int ArgMax(float[] values)
    {
        int best = 0;
        for (int i = 1; i < values.Length; i++)
            if (values[i] > values[best]) best = i;
        return best;
    }
}
