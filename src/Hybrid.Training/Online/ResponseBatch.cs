// Prompt + response rows laid out for scoring response tokens: prompts left-padded, responses right-padded.

namespace Hybrid.Training.Online;

/// <summary>
/// N rows of <c>[pad…, prompt, response, pad…]</c>: every prompt ends at column P − 1 (P = the longest prompt) and every
/// response starts at column P, so response token j of any row is predicted by the model's output at column P − 1 + j.
/// <see cref="InputIds"/> [N, P + A − 1] (the last column is never an input), <see cref="AttentionMask"/> [N, P + A − 1]
/// int64, <see cref="Targets"/> [N, A] int64 (response ids, pad id on padding), <see cref="Mask"/> [N, A] float32
/// (1 = response token). Tensors belong to the scope current at <see cref="Build"/>.
/// </summary>
public sealed record ResponseBatch(Tensor InputIds, Tensor AttentionMask, Tensor Targets, Tensor Mask, int PromptWidth, int ResponseWidth)
{
    /// <summary>First output column that predicts a response token (P − 1).</summary>
    public long FirstPosition => PromptWidth - 1;

    /// <summary>Lays out <paramref name="prompts"/>[i] + <paramref name="responses"/>[i]; every prompt needs ≥ 1 token.</summary>
    public static ResponseBatch Build(IReadOnlyList<int[]> prompts, IReadOnlyList<int[]> responses, int padTokenId)
    {
        if (prompts.Count != responses.Count || prompts.Count == 0)
            throw new ArgumentException($"need the same non-zero number of prompts and responses, got {prompts.Count} and {responses.Count}");
        int n = prompts.Count;
        int p = prompts.Max(x => x.Length), a = Math.Max(1, responses.Max(x => x.Length)), width = p + a - 1;
        if (prompts.Any(x => x.Length == 0)) throw new ArgumentException("every prompt needs at least one token", nameof(prompts));
        var ids = new long[n * width];      // [N, P + A − 1]
        var attention = new long[n * width];  // [N, P + A − 1]
        var targets = new long[n * a];      // [N, A]
        var mask = new float[n * a];        // [N, A]
        Array.Fill(ids, padTokenId);
        Array.Fill(targets, padTokenId);
        for (int r = 0; r < n; r++)
        {
            int[] prompt = prompts[r], response = responses[r];
            int start = r * width + p - prompt.Length;
            for (int i = 0; i < prompt.Length; i++) { ids[start + i] = prompt[i]; attention[start + i] = 1; }
            for (int j = 0; j < response.Length; j++)
            {
                targets[r * a + j] = response[j];
                mask[r * a + j] = 1;
                if (j == response.Length - 1) continue;  // the last response token is only a target, never an input
                ids[r * width + p + j] = response[j];
                attention[r * width + p + j] = 1;
            }
        }
        return new ResponseBatch(torch.tensor(ids, [n, width]), torch.tensor(attention, [n, width]),
            torch.tensor(targets, [n, a]), torch.tensor(mask, [n, a]), p, a);
    }
}
