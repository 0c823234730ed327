// The length-averaged negative log-likelihood of the chosen answer ("nll"): DPO+NLL / TRL's rpo_alpha when combined.

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// NLL on the chosen answer, averaged per token:
/// <code>
/// L = −log π_θ(y_w|x) / |y_w|          (mean over the batch)
/// </code>
/// Alone it is SFT on the chosen answers. Combined with "sigmoid" (<c>sigmoid:1,nll:α</c>) it is DPO+NLL: RPO (Pang,
/// Yuan, Cho, He, Sukhbaatar, Weston 2024, "Iterative Reasoning Preference Optimization", arXiv:2404.19733; TRL's
/// <c>rpo_alpha</c>) and Llama 3's DPO recipe (Dubey et al. 2024, arXiv:2407.21783), which counter DPO lowering the
/// chosen and rejected log-probs together. No reference model.
/// <para>Hyperparameters: none of its own; the combination weight α = 1.0 (RPO, TRL's recommendation) or 0.2 (Llama 3).</para>
/// </summary>
public sealed class NllLoss : IPreferenceLoss
{
    public string Name => "nll";

    public PreferenceDataKind DataKind => PreferenceDataKind.Paired;

    public bool NeedsReference => false;

    public LossOutput Compute(PreferenceInputs inputs)
    {
        using var scope = NewDisposeScope();
        Tensor chosen = PreferenceChecks.Batch(inputs.ChosenLogps, nameof(PreferenceInputs.ChosenLogps), Name);   // [B]
        Tensor chosenTokens = PreferenceChecks.Batch(inputs.ChosenTokens, nameof(PreferenceInputs.ChosenTokens), Name, chosen.size(0)); // [B]
        Tensor loss = (-(chosen / chosenTokens)).mean();                 // []
        double value = PreferenceChecks.MeanOf(loss);
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["loss"] = value,
            ["nll_loss"] = value,
            ["logps/chosen"] = PreferenceChecks.MeanOf(chosen),
        };
        return new LossOutput(loss.MoveToOuterDisposeScope(), metrics);
    }
}
