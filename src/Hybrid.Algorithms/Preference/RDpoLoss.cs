// Length-regularised DPO ("rdpo"): DPO whose Bradley–Terry logit accounts for the length gap of the pair.

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// R-DPO (Park, Rafailov, Ermon, Finn 2024, "Disentangling Length from Quality in Direct Preference Optimization",
/// arXiv:2403.19159). With h the DPO log-ratio margin (summed log-probs, see <see cref="DpoLoss"/>):
/// <code>
/// L = −log σ(β·h + α·(|y_w| − |y_l|))          (mean over the batch)
/// </code>
/// <b>Sign.</b> The paper penalises length inside the RLHF objective, max E[r − α|y|] − β·KL; its optimal policy gives
/// r = β·log π/π_ref + α|y| + β·log Z, so the Bradley–Terry logit gains <b>+</b>α(|y_w| − |y_l|). A pair whose chosen
/// answer is longer then already scores a margin from length alone and pushes the policy less, which is what removes the
/// incentive to grow answers (a minus sign would reward length instead). This is also the sign of the SimPO paper's
/// summary table. Some summaries write −α(|y_w| − |y_l|); this class deliberately uses +.
/// <para>Hyperparameters: β = 0.1 (TRL's default), α = 0.2 (project default; the paper tunes α per dataset). Lengths are
/// raw token counts, so α·(|y_w| − |y_l|) grows with the length gap: with gaps of hundreds of tokens, lower α until the
/// length term is comparable to β·h.</para>
/// </summary>
public sealed class RDpoLoss : ShiftedDpoLoss
{
    public const double DefaultBeta = 0.1;
    public const double DefaultAlpha = 0.2;

    public RDpoLoss(double beta = DefaultBeta, double alpha = DefaultAlpha) : base("rdpo", beta) =>
        Alpha = PreferenceChecks.Require(double.IsFinite(alpha) && alpha >= 0, alpha, Name, "Alpha",
            "α weighs the length gap and must be a finite number >= 0 (0 = plain DPO)");

    /// <summary>α, the weight of the length gap |y_w| − |y_l| (in tokens).</summary>
    public double Alpha { get; }

    protected override double Sign => +1;

    protected override string TermMetric => "length_term";

    protected override Tensor Term(PreferenceInputs inputs, long pairs)
    {
        Tensor chosenTokens = PreferenceChecks.Batch(inputs.ChosenTokens, nameof(PreferenceInputs.ChosenTokens), Name, pairs);      // [B]
        Tensor rejectedTokens = PreferenceChecks.Batch(inputs.RejectedTokens, nameof(PreferenceInputs.RejectedTokens), Name, pairs); // [B]
        using var sc = new ScalarScope();
        return (chosenTokens - rejectedTokens) * sc[Alpha];              // [B] α(|y_w| − |y_l|)
    }
}
