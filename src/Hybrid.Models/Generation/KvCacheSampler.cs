// The trainer-side sampler: batched generation with DecoderModel's key/value cache over left-padded ragged prompts.
using Hybrid.Models.Decoder;

namespace Hybrid.Models.Generation;

/// <summary>
/// Generates continuations of a batch of prompts on libtorch, one forward per token thanks to the <see cref="KvCache"/>:
/// <code>
/// step 0:  ids [B, S] (prompts left-padded to S, mask 0 on pads) ─► Forward(cache) ─► logits[:, S−1] [B, V]
/// step t:  the tokens chosen at t−1 [B, 1]                        ─► Forward(cache) ─► logits[:, 0]   [B, V]
///          ─► SamplingDistribution.Choose ─► token [B], log q [B]
/// </code>
/// Left padding puts every row's last prompt token at column S−1, so one slice serves the batch; position ids come
/// from the mask (each row starts at 0). A row that samples a stop token is finished: it keeps the stop token, and is
/// fed the pad id afterwards (its later tokens are discarded). Runs under no-grad; a seeded call reseeds libtorch's
/// global generator and restores its previous state afterwards, so training randomness is untouched.
/// </summary>
public static class KvCacheSampler
{
    /// <summary>
    /// Samples one continuation per prompt (give a prompt G times for G samples). <paramref name="padTokenId"/> fills the
    /// padding (any valid id: pads are masked). Returns one <see cref="GeneratedSequence"/> per prompt, in order.
    /// </summary>
    public static IReadOnlyList<GeneratedSequence> Generate(DecoderModel model, IReadOnlyList<int[]> prompts, SamplingParams sampling, int padTokenId = 0)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(prompts);
        ArgumentNullException.ThrowIfNull(sampling);
        int b = prompts.Count;
        if (b == 0) return [];
        int v = model.Config.VocabSize;
        sampling.CheckVocabulary(v);
        for (int r = 0; r < b; r++)
        {
            if (prompts[r] is not { Length: > 0 } prompt || prompt.Any(id => id < 0 || id >= v))
                throw new ArgumentException($"prompt {r} must be a non-empty array of token ids in [0, {v})", nameof(prompts));
        }
        if (padTokenId < 0 || padTokenId >= v) throw new ArgumentOutOfRangeException(nameof(padTokenId), padTokenId, $"must be a token id in [0, {v})");

        byte[]? savedRng = null;
        if (sampling.Seed is long seed && !sampling.IsGreedy)
        {
            savedRng = TensorUtil.GetRngState();
            TensorUtil.ManualSeed(unchecked((ulong)seed));
        }
        try
        {
            return Decode(model, prompts, sampling, padTokenId);
        }
        finally
        {
            if (savedRng is not null) TensorUtil.SetRngState(savedRng);
        }
    }

    private static GeneratedSequence[] Decode(DecoderModel model, IReadOnlyList<int[]> prompts, SamplingParams sampling, int padTokenId)
    {
        int b = prompts.Count, s = prompts.Max(p => p.Length);
        var stop = new HashSet<int>(sampling.StopTokenIds);
        var responses = new List<int>[b];
        var logProbs = new List<float>[b];
        var finished = new bool[b];
        for (int r = 0; r < b; r++) (responses[r], logProbs[r]) = ([], []);

        // Step 0 input: prompts left-padded to S.
        var ids = new long[b * s];   // [B, S]
        var mask = new long[b * s];  // [B, S] 1 = real token
        for (int r = 0; r < b; r++)
        {
            int offset = r * s + s - prompts[r].Length;
            Array.Fill(ids, padTokenId, r * s, s - prompts[r].Length);
            for (int i = 0; i < prompts[r].Length; i++) (ids[offset + i], mask[offset + i]) = (prompts[r][i], 1);
        }

        using var noGrad = no_grad();
        using KvCache cache = model.NewCache();
        long width = s;
        var chosen = new long[b];
        var chosenLogProbs = new float[b];
        for (int step = 0; step < sampling.MaxNewTokens; step++)
        {
            using (var scope = NewDisposeScope())
            {
                Tensor input = torch.tensor(ids, [b, width]);                                 // [B, S] then [B, 1]
                Tensor inputMask = torch.tensor(mask, [b, width]);                            // [B, S] then [B, 1]
                Tensor logits = model.Forward(input, inputMask, cache: cache);                 // [B, S|1, V]
                Tensor last = logits.select(1, width - 1);                                     // [B, V]
                var (tokens, tokenLogProbs) = SamplingDistribution.Choose(last, sampling);     // [B], [B]
                tokens.data<long>().CopyTo(chosen);
                tokenLogProbs.data<float>().CopyTo(chosenLogProbs);
            }

            bool allDone = true;
            for (int r = 0; r < b; r++)
            {
                if (finished[r]) continue;
                int token = (int)chosen[r];
                responses[r].Add(token);
                logProbs[r].Add(chosenLogProbs[r]);
                finished[r] = stop.Contains(token);
                allDone &= finished[r];
            }
            if (allDone) break;

            // Next input: each row's new token [B, 1]; finished rows get the pad id (its logits are ignored).
            (ids, mask, width) = (new long[b], new long[b], 1);
            for (int r = 0; r < b; r++) (ids[r], mask[r]) = (finished[r] ? padTokenId : chosen[r], 1);
        }

        var result = new GeneratedSequence[b];
        for (int r = 0; r < b; r++)
        {
            result[r] = new GeneratedSequence
            {
                PromptIds = prompts[r].ToArray(),
                ResponseIds = [.. responses[r]],
                LogProbs = [.. logProbs[r]],
                Finish = finished[r] ? FinishReason.Stop : FinishReason.Length,
            };
        }
        return result;
    }
}
