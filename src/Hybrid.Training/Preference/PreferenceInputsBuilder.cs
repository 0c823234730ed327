// Cuts the concatenated batch's per-sequence log-probs into the PreferenceInputs a loss reads, for each data shape.
using Hybrid.Algorithms.Preference;

namespace Hybrid.Training.Preference;

public static class PreferenceInputsBuilder
{
    /// <summary>
    /// <paramref name="logps"/> [N = B·R] and <paramref name="tokens"/> [N] in <see cref="SequenceBatch"/>'s row-major order;
    /// <paramref name="reference"/>: one float[R] per row (null for reference-free losses). Paired → chosen/rejected [B];
    /// Unpaired (R = 2 after KL attachment) → logps [B] with the KL-pair log-probs detached; Ranked → [B, K].
    /// Every tensor is in <paramref name="logps"/>' dtype.
    /// </summary>
    public static PreferenceInputs Build(IReadOnlyList<TokenizedPreference> rows, Tensor logps, Tensor tokens, float[][]? reference)
    {
        int b = rows.Count, r = rows[0].Responses.Count;
        ScalarType dtype = logps.dtype;
        Tensor lp = logps.view(b, r);                                                            // [B, R]
        Tensor len = tokens.to(dtype).view(b, r);                                                 // [B, R]
        Tensor? refs = reference is null ? null : torch.tensor(reference.SelectMany(x => x).ToArray(), [b, r]).to(dtype);  // [B, R]
        switch (rows[0].Kind)
        {
            case PreferenceExampleKind.Paired:
            {
                bool scored = rows.All(x => x.ChosenScore.HasValue);
                return new PreferenceInputs
                {
                    ChosenLogps = lp.select(1, 0), RejectedLogps = lp.select(1, 1),                // [B] each
                    ChosenTokens = len.select(1, 0), RejectedTokens = len.select(1, 1),            // [B] each
                    RefChosenLogps = refs?.select(1, 0), RefRejectedLogps = refs?.select(1, 1),    // [B] each
                    ChosenScores = scored ? Column(rows.Select(x => x.ChosenScore!.Value), dtype) : null,
                    RejectedScores = scored ? Column(rows.Select(x => x.RejectedScore!.Value), dtype) : null,
                };
            }
            case PreferenceExampleKind.Unpaired:
                if (r != 2) throw new ArgumentException("unpaired rows need their KL completion attached (PreferenceTokenizer.AttachKlCompletions)", nameof(rows));
                return new PreferenceInputs
                {
                    Logps = lp.select(1, 0), KlLogps = lp.select(1, 1).detach(),                   // [B] each
                    RefLogps = refs?.select(1, 0), RefKlLogps = refs?.select(1, 1),                // [B] each
                    Desirable = torch.tensor(rows.Select(x => x.Label!.Value).ToArray(), [b]),    // [B] bool
                };
            default:
                return new PreferenceInputs
                {
                    RankLogps = lp, RankTokens = len,                                              // [B, K]
                    RankRewards = torch.tensor(rows.SelectMany(x => x.Rewards!).ToArray(), [b, r]).to(dtype),  // [B, K]
                };
        }
    }

    private static Tensor Column(IEnumerable<double> values, ScalarType dtype)
    {
        double[] v = values.ToArray();
        return torch.tensor(v, [v.Length]).to(dtype);                                           // [B]
    }
}
