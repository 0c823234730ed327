// DPO with an offset ("odpo"): the log-ratio margin must exceed an offset that grows with the score gap of the pair.

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// ODPO (Amini, Vieira, Cotterell 2024, "Direct Preference Optimization with an Offset", arXiv:2402.10571). With h the DPO
/// log-ratio margin (summed log-probs) and external scores s(y_w) &gt; s(y_l):
/// <code>
/// Δ = α · log(s(y_w) − s(y_l))
/// L = −log σ(β·h − Δ)                 (mean over the batch)
/// </code>
/// Pairs whose answers differ more in score must be separated by a larger margin (a softmax-margin loss when Δ ≥ 0;
/// a difference of Gumbel-noised rewards exceeds Δ with probability σ(Δr − Δ)). Δ is negative when the gap is below 1.
/// Every row needs s(y_w) &gt; s(y_l): the log is undefined otherwise, and the loss throws naming the first bad row.
/// <para>Hyperparameters: β = 0.1 (TRL's default), α = 1 with f = log (the paper's choice).</para>
/// </summary>
public sealed class OdpoLoss : ShiftedDpoLoss
{
    public const double DefaultBeta = 0.1;
    public const double DefaultAlpha = 1.0;

    public OdpoLoss(double beta = DefaultBeta, double alpha = DefaultAlpha) : base("odpo", beta) =>
        Alpha = PreferenceChecks.Require(double.IsFinite(alpha) && alpha >= 0, alpha, Name, "Alpha",
            "α scales the offset α·log(s_w − s_l) and must be a finite number >= 0 (the paper: 1; 0 = plain DPO)");

    /// <summary>α, the scale of the offset.</summary>
    public double Alpha { get; }

    protected override double Sign => -1;

    protected override string TermMetric => "offset";

    protected override Tensor Term(PreferenceInputs inputs, long pairs)
    {
        Tensor chosenScores = PreferenceChecks.Batch(inputs.ChosenScores, nameof(PreferenceInputs.ChosenScores), Name, pairs);      // [B]
        Tensor rejectedScores = PreferenceChecks.Batch(inputs.RejectedScores, nameof(PreferenceInputs.RejectedScores), Name, pairs); // [B]
        Tensor gap = (chosenScores - rejectedScores).detach();          // [B] s(y_w) − s(y_l), no gradient
        ThrowUnlessPositive(gap);
        using var sc = new ScalarScope();
        return gap.log() * sc[Alpha];                                    // [B] Δ = α·log(s_w − s_l)
    }

    private void ThrowUnlessPositive(Tensor gap)
    {
        double[] values = gap.to(ScalarType.Float64).data<double>().ToArray();
        for (int i = 0; i < values.Length; i++)
            if (!(values[i] > 0))
                throw new ArgumentException(
                    $"preference loss '{Name}' needs ChosenScores > RejectedScores in every row (the offset is α·log(s_w − s_l)); " +
                    $"row {i} has s_w − s_l = {values[i]}. Drop or swap such pairs, or use 'sigmoid'", nameof(PreferenceInputs.ChosenScores));
    }
}
