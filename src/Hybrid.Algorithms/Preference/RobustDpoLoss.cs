// Provably robust DPO ("robust"): an unbiased loss under a known rate ε of flipped preference labels.

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// Robust DPO (Chowdhury, Kini, Natarajan 2024, "Provably Robust DPO: Aligning Language Models with Noisy Feedback",
/// arXiv:2403.00409). With h the DPO log-ratio margin (see <see cref="DpoLoss"/>) and ε the label-flip rate:
/// <code>
/// L = [(1 − ε)·−log σ(β·h) − ε·−log σ(−β·h)] / (1 − 2ε)          (mean over the batch)
/// </code>
/// Unlike cDPO (which adds ε·L(l, w)), it <i>subtracts</i> the flipped term and rescales, so its expectation under
/// ε-noisy labels equals the clean DPO loss. ε = 0 is plain DPO; ε must stay below 0.5.
/// <para>Hyperparameters: β = 0.1 (TRL's default); ε = your estimate of the data's flip rate, 0.1 by default here.</para>
/// </summary>
public sealed class RobustDpoLoss : ImplicitRewardLoss
{
    public const double DefaultBeta = 0.1;
    public const double DefaultLabelSmoothing = 0.1;

    public RobustDpoLoss(double beta = DefaultBeta, double labelSmoothing = DefaultLabelSmoothing) : base("robust", beta) =>
        LabelSmoothing = PreferenceChecks.Require(labelSmoothing is >= 0 and < 0.5, labelSmoothing, Name, "LabelSmoothing",
            "ε is the label-flip rate and must be in [0, 0.5): the loss divides by 1 − 2ε");

    /// <summary>ε, the assumed label-flip rate.</summary>
    public double LabelSmoothing { get; }

    protected override Tensor Losses(PreferenceInputs inputs, ImplicitRewards rewards, IDictionary<string, double> metrics)
    {
        Tensor logits = rewards.Logits;                                  // [B] β·h
        double eps = LabelSmoothing;
        using var sc = new ScalarScope();
        return (logits.log_sigmoid() * sc[-(1 - eps)]).add((-logits).log_sigmoid() * sc[eps], sc[1]) / sc[1 - 2 * eps];  // [B]
    }
}
