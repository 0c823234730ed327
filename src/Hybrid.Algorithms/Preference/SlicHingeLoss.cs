// SLiC's hinge loss on the DPO log-ratio margin ("hinge").

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// The calibration hinge loss of SLiC (Zhao, Joshi, Liu, Khalman, Saleh, Liu 2023, "SLiC-HF: Sequence Likelihood
/// Calibration with Human Feedback", arXiv:2305.10425) on the reference-normalised margin, as TRL's "hinge":
/// <code>
/// h = [log π_θ(y_w) − log π_ref(y_w)] − [log π_θ(y_l) − log π_ref(y_l)]   (summed log-probs)
/// L = max(0, 1 − β·h)                                                     (mean over the batch)
/// </code>
/// Pairs whose margin already exceeds 1/β contribute no loss and no gradient. SLiC writes max(0, δ − h) with margin δ;
/// here β = 1/δ scales it.
/// <para>Hyperparameters: β = 0.1 (TRL's default, i.e. δ = 10 nats of margin).</para>
/// </summary>
public sealed class SlicHingeLoss(double beta = SlicHingeLoss.DefaultBeta) : ImplicitRewardLoss("hinge", beta)
{
    /// <summary>TRL's default β (δ = 1/β = 10 nats of margin); the hinge is flat once h ≥ 1/β.</summary>
    public const double DefaultBeta = 0.1;

    protected override Tensor Losses(PreferenceInputs inputs, ImplicitRewards rewards, IDictionary<string, double> metrics)
    {
        using var sc = new ScalarScope();
        return sc.RSub(1, rewards.Logits).relu();                        // [B] max(0, 1 − βh)
    }
}
