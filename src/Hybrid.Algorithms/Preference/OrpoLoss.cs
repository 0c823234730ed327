// ORPO ("orpo"): reference-free, one stage: NLL on the chosen answer plus a log-odds-ratio preference term.

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// ORPO (Hong, Lee, Thorne 2024, "ORPO: Monolithic Preference Optimization without Reference Model", arXiv:2403.07691).
/// With length-averaged log-probs a_w = log π_θ(y_w)/|y_w|, a_l = log π_θ(y_l)/|y_l| (both &lt; 0) and odds(y) = P/(1 − P):
/// <code>
/// log_odds = log odds(y_w) − log odds(y_l) = (a_w − a_l) − [log(1 − e^{a_w}) − log(1 − e^{a_l})]
/// L        = −a_w − λ·log σ(log_odds)                (NLL on the chosen answer + λ·L_OR; mean over the batch)
/// </code>
/// No reference model: the SFT term keeps the chosen answer likely, the odds-ratio term pushes the rejected one down
/// (strongly while it is likely, weakly once it is not). The NLL term is the per-sequence token average (the
/// interface's convention), not TRL's token mean over the whole batch: they differ only when lengths differ.
/// A sequence with average log-prob exactly 0 (P = 1) has infinite odds: the loss is then undefined.
/// <para>Metrics besides TRL's paired set: <c>nll_loss</c>, <c>log_odds_ratio</c> (mean log σ(log_odds)),
/// <c>log_odds_chosen</c> (mean log_odds); rewards are β·a_w and β·a_l.</para>
/// <para>Hyperparameters: λ (TRL's β) = 0.1 (TRL's default and the usual value).</para>
/// </summary>
public sealed class OrpoLoss : IPreferenceLoss
{
    public const double DefaultBeta = 0.1;

    public OrpoLoss(double beta = DefaultBeta) => Beta = PreferenceChecks.Beta(beta, Name, "0.1");

    public string Name => "orpo";

    /// <summary>λ, the weight of the odds-ratio term (TRL calls it β).</summary>
    public double Beta { get; }

    public PreferenceDataKind DataKind => PreferenceDataKind.Paired;

    public bool NeedsReference => false;

    public LossOutput Compute(PreferenceInputs inputs)
    {
        using var scope = NewDisposeScope();
        (Tensor chosen, Tensor rejected, Tensor chosenTokens, Tensor rejectedTokens) = PreferenceChecks.WithLengths(inputs, Name);
        Tensor chosenAvg = chosen / chosenTokens;                        // [B] a_w = log P(y_w) per token
        Tensor rejectedAvg = rejected / rejectedTokens;                  // [B] a_l
        Tensor logOdds = (chosenAvg - rejectedAvg)
                         - ((-chosenAvg.exp()).log1p() - (-rejectedAvg.exp()).log1p());  // [B] log odds(y_w)/odds(y_l)
        Tensor ratio = logOdds.log_sigmoid();                             // [B] log σ(log_odds)
        Tensor nll = -chosenAvg;                                         // [B]
        using var sc = new ScalarScope();
        Tensor loss = (nll - ratio * sc[Beta]).mean();                   // []
        var metrics = PreferenceChecks.PairedMetrics(loss, chosenAvg * sc[Beta], rejectedAvg * sc[Beta], chosen, rejected);
        metrics["nll_loss"] = PreferenceChecks.MeanOf(nll);
        metrics["log_odds_ratio"] = PreferenceChecks.MeanOf(ratio);
        metrics["log_odds_chosen"] = PreferenceChecks.MeanOf(logOdds);
        return new LossOutput(loss.MoveToOuterDisposeScope(), metrics);
    }
}
