// The sequences of a micro-batch of reward-model rows (pairs or rankings with any K) as one right-padded tensor batch.
using Hybrid.Training.Preference;

namespace Hybrid.Training.RewardModel;

/// <summary>
/// Every prompt ++ response of the rows (for <see cref="RewardTokenizer"/> rows the prompt is empty and each response is
/// the whole text), flattened row by row into N sequences: <see cref="InputIds"/> [N, T] int64 (right-padded),
/// <see cref="AttentionMask"/> [N, T] int64 (the score is read at each sequence's last real token).
/// For rankings, <see cref="Slots"/> [B, K] int64 maps each row's k-th response to its sequence (padding slots of
/// shorter rankings point at 0 and are marked false in <see cref="Valid"/> [B, K] bool); <see cref="Ranking"/> [B, K]
/// float32 holds the rewards that order them (pairs: 1 for chosen, 0 for rejected); <see cref="Margin"/> [B] float32 the pairs'
/// Llama 2 margins, or null. <see cref="Pairs"/> counts the ordered pairs the loss averages over.
/// </summary>
public sealed record RewardBatch(Tensor InputIds, Tensor AttentionMask, Tensor Slots, Tensor Valid, Tensor Ranking, Tensor? Margin,
    bool IsPaired, int Rows, long Pairs, long RealTokens)
{
    public static RewardBatch Collate(IReadOnlyList<TokenizedPreference> rows, int padTokenId)
    {
        if (rows.Count == 0) throw new ArgumentException("a batch needs at least one row", nameof(rows));
        bool paired = rows[0].Kind == PreferenceExampleKind.Paired;
        var sequences = rows.SelectMany(r => r.Responses.Select(y => (r.Prompt, Response: y))).ToList();
        int n = sequences.Count, width = sequences.Max(s => s.Prompt.Length + s.Response.Length);
        int k = rows.Max(r => r.Responses.Count);
        var ids = new long[n * width];
        var mask = new long[n * width];
        for (int s = 0; s < n; s++)
        {
            var (prompt, response) = sequences[s];
            for (int t = 0; t < width; t++)
            {
                bool inside = t < prompt.Length + response.Length;
                ids[s * width + t] = !inside ? padTokenId : t < prompt.Length ? prompt[t] : response[t - prompt.Length];
                mask[s * width + t] = inside ? 1 : 0;
            }
        }
        var slots = new long[rows.Count * k];
        var valid = new bool[rows.Count * k];
        var ranking = new float[rows.Count * k];
        long pairs = 0;
        int next = 0;
        for (int b = 0; b < rows.Count; b++)
        {
            IReadOnlyList<double> rewards = paired ? [1.0, 0.0] : rows[b].Rewards!;
            for (int j = 0; j < rows[b].Responses.Count; j++)
            {
                slots[b * k + j] = next++;
                valid[b * k + j] = true;
                ranking[b * k + j] = (float)rewards[j];
            }
            pairs += RewardModelStep.PairsOf(rows[b]);
        }
        Tensor? margin = paired && rows.Any(r => r.Margin.HasValue)                                   // [B] m (0 where a row gives none)
            ? torch.tensor(rows.Select(r => (float)(r.Margin ?? 0)).ToArray(), [rows.Count]) : null;
        return new RewardBatch(torch.tensor(ids, [n, width]), torch.tensor(mask, [n, width]), torch.tensor(slots, [rows.Count, k]),
            torch.tensor(valid, [rows.Count, k]), torch.tensor(ranking, [rows.Count, k]), margin, paired, rows.Count, pairs,
            sequences.Sum(s => (long)s.Prompt.Length + s.Response.Length));
    }
}
