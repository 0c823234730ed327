// Provably robust DPO ("robust"): an unbiased loss under a known rate ε of flipped preference labels.
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

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
public sealed class RobustDpoLoss : IPreferenceLoss
{
    public const double DefaultBeta = 0.1;
    public const double DefaultLabelSmoothing = 0.1;

    public RobustDpoLoss(double beta = DefaultBeta, double labelSmoothing = DefaultLabelSmoothing)
    {
        Beta = PreferenceChecks.Beta(beta, Name, "0.1");
        LabelSmoothing = PreferenceChecks.Require(labelSmoothing is >= 0 and < 0.5, labelSmoothing, Name, "LabelSmoothing",
            "ε is the label-flip rate and must be in [0, 0.5): the loss divides by 1 − 2ε");
    }

    public string Name => "robust";

    public double Beta { get; }

    /// <summary>ε, the assumed label-flip rate.</summary>
    public double LabelSmoothing { get; }

    public PreferenceDataKind DataKind => PreferenceDataKind.Paired;

    public bool NeedsReference => true;

    public LossOutput Compute(PreferenceInputs inputs)
    {
        using var scope = NewDisposeScope();
        (Tensor chosen, Tensor rejected, Tensor refChosen, Tensor refRejected) = PreferenceChecks.WithReference(inputs, Name);
        using var sc = new ScalarScope();
        Tensor chosenRewards = (chosen - refChosen) * sc[Beta];          // [B]
        Tensor rejectedRewards = (rejected - refRejected) * sc[Beta];    // [B]
        Tensor logits = chosenRewards - rejectedRewards;                 // [B] β·h
        double eps = LabelSmoothing;
        Tensor losses = (logits.log_sigmoid() * sc[-(1 - eps)]).add((-logits).log_sigmoid() * sc[eps], sc[1]) / sc[1 - 2 * eps];  // [B]
        Tensor loss = losses.mean();                                     // []
        var metrics = PreferenceChecks.PairedMetrics(loss, chosenRewards, rejectedRewards, chosen, rejected);
        return new LossOutput(loss.MoveToOuterDisposeScope(), metrics);
    }
}
