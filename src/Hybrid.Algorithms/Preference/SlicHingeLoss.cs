// SLiC's hinge loss on the DPO log-ratio margin ("hinge").
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

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
public sealed class SlicHingeLoss : IPreferenceLoss
{
    public const double DefaultBeta = 0.1;

    public SlicHingeLoss(double beta = DefaultBeta) => Beta = PreferenceChecks.Beta(beta, Name, "0.1");

    public string Name => "hinge";

    /// <summary>β = 1/δ: the hinge is flat once h ≥ 1/β.</summary>
    public double Beta { get; }

    public PreferenceDataKind DataKind => PreferenceDataKind.Paired;

    public bool NeedsReference => true;

    public LossOutput Compute(PreferenceInputs inputs)
    {
        using var scope = NewDisposeScope();
        (Tensor chosen, Tensor rejected, Tensor refChosen, Tensor refRejected) = PreferenceChecks.WithReference(inputs, Name);
        using var sc = new ScalarScope();
        Tensor chosenRewards = (chosen - refChosen) * sc[Beta];          // [B]
        Tensor rejectedRewards = (rejected - refRejected) * sc[Beta];    // [B]
        Tensor losses = sc.RSub(1, chosenRewards - rejectedRewards).relu();  // [B] max(0, 1 − βh)
        Tensor loss = losses.mean();                                     // []
        var metrics = PreferenceChecks.PairedMetrics(loss, chosenRewards, rejectedRewards, chosen, rejected);
        return new LossOutput(loss.MoveToOuterDisposeScope(), metrics);
    }
}
