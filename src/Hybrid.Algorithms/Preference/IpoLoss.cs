// Identity preference optimisation ("ipo"): a squared loss that pulls the log-ratio margin to 1/(2τ) instead of to ∞.

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// IPO (Azar, Rowland, Piot, Guo, Calandriello, Valko, Munos 2023, "A General Theoretical Paradigm to Understand Learning
/// from Human Preferences", arXiv:2310.12036, Eq. 17):
/// <code>
/// h = [log π_θ(y_w)/|y_w| − log π_ref(y_w)/|y_w|] − [log π_θ(y_l)/|y_l| − log π_ref(y_l)/|y_l|]   (length-averaged, as TRL)
/// L = (h − 1/(2τ))²                                                                                (mean over the batch)
/// </code>
/// The minimum sits at h = 1/(2τ), so the margin no longer grows without bound when pairs are deterministic (DPO's
/// over-fitting). τ plays β's role (stronger regularisation = larger τ = smaller target margin). Log-ratios are averaged
/// per token as TRL does for IPO; the logged rewards stay β·(summed log-ratio), as for every reference-based loss here.
/// <para>Hyperparameters: τ = β = 0.1 (TRL's default, target margin 5); Zephyr's sweep found β = 0.01 best.</para>
/// </summary>
public sealed class IpoLoss(double beta = IpoLoss.DefaultBeta) : ImplicitRewardLoss("ipo", beta)
{
    /// <summary>TRL's default τ (its β): the target margin 1/(2τ) is 5.</summary>
    public const double DefaultBeta = 0.1;

    protected override Tensor Losses(PreferenceInputs inputs, ImplicitRewards rewards, IDictionary<string, double> metrics)
    {
        long b = rewards.ChosenRatio.size(0);
        Tensor chosenTokens = PreferenceChecks.Batch(inputs.ChosenTokens, nameof(PreferenceInputs.ChosenTokens), Name, b);      // [B]
        Tensor rejectedTokens = PreferenceChecks.Batch(inputs.RejectedTokens, nameof(PreferenceInputs.RejectedTokens), Name, b); // [B]
        using var sc = new ScalarScope();
        Tensor h = rewards.ChosenRatio / chosenTokens - rewards.RejectedRatio / rejectedTokens;  // [B] per-token margin
        return (h - sc[1 / (2 * Beta)]).pow(sc[2]);                      // [B]
    }
}
