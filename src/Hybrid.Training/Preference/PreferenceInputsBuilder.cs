// Cuts the concatenated batch's per-sequence log-probs into the PreferenceInputs a loss reads, for each data shape.
using Hybrid.Algorithms.Preference;
using Hybrid.Torch;

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
        DType dtype = logps.DType;
        Tensor lp = logps.View(b, r);                                                            // [B, R]
        Tensor len = tokens.To(dtype).View(b, r);                                                 // [B, R]
        Tensor? refs = reference is null ? null : LibTorch.Tensor(reference.SelectMany(x => x).ToArray(), b, r).To(dtype);  // [B, R]
        switch (rows[0].Kind)
        {
            case PreferenceExampleKind.Paired:
            {
                bool scored = rows.All(x => x.ChosenScore.HasValue);
                return new PreferenceInputs
                {
                    ChosenLogps = lp.Select(1, 0), RejectedLogps = lp.Select(1, 1),                // [B] each
                    ChosenTokens = len.Select(1, 0), RejectedTokens = len.Select(1, 1),            // [B] each
                    RefChosenLogps = refs?.Select(1, 0), RefRejectedLogps = refs?.Select(1, 1),    // [B] each
                    ChosenScores = scored ? Column(rows.Select(x => x.ChosenScore!.Value), dtype) : null,
                    RejectedScores = scored ? Column(rows.Select(x => x.RejectedScore!.Value), dtype) : null,
                };
            }
            case PreferenceExampleKind.Unpaired:
                if (r != 2) throw new ArgumentException("unpaired rows need their KL completion attached (PreferenceTokenizer.AttachKlCompletions)", nameof(rows));
                return new PreferenceInputs
                {
                    Logps = lp.Select(1, 0), KlLogps = lp.Select(1, 1).Detach(),                   // [B] each
                    RefLogps = refs?.Select(1, 0), RefKlLogps = refs?.Select(1, 1),                // [B] each
                    Desirable = LibTorch.Tensor(rows.Select(x => x.Label!.Value).ToArray(), b),    // [B] bool
                };
            default:
                return new PreferenceInputs
                {
                    RankLogps = lp, RankTokens = len,                                              // [B, K]
                    RankRewards = LibTorch.Tensor(rows.SelectMany(x => x.Rewards!).ToArray(), b, r).To(dtype),  // [B, K]
                };
        }
    }

    private static Tensor Column(IEnumerable<double> values, DType dtype)
    {
        double[] v = values.ToArray();
        return LibTorch.Tensor(v, v.Length).To(dtype);                                           // [B]
    }
}
