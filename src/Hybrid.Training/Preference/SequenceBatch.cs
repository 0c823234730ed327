// All sequences of a micro-batch of preference rows, concatenated into one right-padded tensor batch with response masks.
using Hybrid.Data;
using Hybrid.Training.Online;

namespace Hybrid.Training.Preference;

/// <summary>
/// The N = Σ_rows R sequences prompt ++ response_k of a micro-batch, row-major (row b's responses are sequences
/// b·R … b·R + R − 1), so that one forward gives every log-probability (TRL's "concatenated forward"):
/// <see cref="InputIds"/> [N, T] int64 (right-padded), <see cref="AttentionMask"/> [N, T] int64, <see cref="Targets"/>
/// [N, T] int64 = the next token (pad id where there is none), <see cref="ResponseMask"/> [N, T] float32 = 1 where the
/// target at t is a response token (prompt tokens, including a Step-DPO shared step prefix inside the prompt, and pads are
/// 0), <see cref="ResponseTokens"/> [N] float32 = |y|, the number of scored response tokens.
/// </summary>
public sealed record SequenceBatch(Tensor InputIds, Tensor AttentionMask, Tensor Targets, Tensor ResponseMask, Tensor ResponseTokens, int Rows, int ResponsesPerRow, long RealTokens)
{
    /// <summary>
    /// The same tensors in RL's <see cref="ResponseBatch"/> layout, so preference and RL log-probs come from one function
    /// (<see cref="ResponseLogProbs.Compute"/>): the scored window starts at output column 0 (prompt width 1, so
    /// <see cref="ResponseBatch.FirstPosition"/> = 0) and spans all T columns, and <see cref="ResponseMask"/> is the mask —
    /// it already zeroes the prompt and padding positions that RL's layout would have left out of the window.
    /// </summary>
    public ResponseBatch AsScoredWindow() => new(InputIds, AttentionMask, Targets, ResponseMask, PromptWidth: 1, ResponseWidth: (int)Targets.size(1));

    /// <summary>Collates <paramref name="rows"/>, which must all have the same number of responses.</summary>
    public static SequenceBatch Collate(IReadOnlyList<TokenizedPreference> rows, int padTokenId)
    {
        if (rows.Count == 0) throw new ArgumentException("a batch needs at least one row", nameof(rows));
        int r = rows[0].Responses.Count;
        TokenizedPreference? odd = rows.FirstOrDefault(x => x.Responses.Count != r);
        if (odd is not null)
            throw new DatasetException($"{odd.Source}: the row has {odd.Responses.Count} responses but others in its batch have {r}; " +
                                            "rankings trained with a preference loss must all have the same K");
        int n = rows.Count * r;
        int width = rows.Max(x => x.Prompt.Length + x.Responses.Max(y => y.Length));
        var ids = new long[n * width];
        var mask = new long[n * width];
        var targets = new long[n * width];
        var responseMask = new float[n * width];
        var tokens = new float[n];
        long real = 0;
        for (int b = 0; b < rows.Count; b++)
        {
            int[] prompt = rows[b].Prompt;
            for (int k = 0; k < r; k++)
            {
                int[] response = rows[b].Responses[k];
                int s = b * r + k, length = prompt.Length + response.Length, offset = s * width;
                for (int t = 0; t < width; t++)
                {
                    bool inside = t < length;
                    ids[offset + t] = inside ? Token(prompt, response, t) : padTokenId;
                    mask[offset + t] = inside ? 1 : 0;
                    bool hasTarget = t + 1 < length;
                    targets[offset + t] = hasTarget ? Token(prompt, response, t + 1) : padTokenId;
                    responseMask[offset + t] = hasTarget && t + 1 >= prompt.Length ? 1f : 0f;
                }
                tokens[s] = rows[b].ScoredTokens(k);
                real += length;
            }
        }
        return new SequenceBatch(torch.tensor(ids, [n, width]), torch.tensor(mask, [n, width]), torch.tensor(targets, [n, width]),
            torch.tensor(responseMask, [n, width]), torch.tensor(tokens, [n]), rows.Count, r, real);
    }

    private static int Token(int[] prompt, int[] response, int t) => t < prompt.Length ? prompt[t] : response[t - prompt.Length];
}
