// The DPO loss with a per-pair term added to its Bradley–Terry logit: the shared core of ODPO (an offset) and R-DPO (a length term).
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// L = −log σ(β·h + sign·term) (mean over the batch), h the DPO log-ratio margin of summed log-probs (see
/// <see cref="DpoLoss"/>) and term [B] a quantity of the pair that carries no gradient: ODPO subtracts its offset Δ
/// (sign −1), R-DPO adds its length term α(|y_w| − |y_l|) (sign +1). Metrics: the paired DPO metrics plus the mean term
/// under <c>termMetric</c>.
/// </summary>
internal static class ShiftedDpo
{
    /// <summary>
    /// Checks the inputs for loss <paramref name="name"/>, builds term [B] with <paramref name="termOf"/>(B) inside the
    /// loss's scope and returns the loss (moved to the caller's scope) and metrics.
    /// </summary>
    public static LossOutput Compute(PreferenceInputs inputs, string name, double beta, Func<long, Tensor> termOf, double sign, string termMetric)
    {
        using var scope = NewDisposeScope();
        (Tensor chosen, Tensor rejected, Tensor refChosen, Tensor refRejected) = PreferenceChecks.WithReference(inputs, name);
        Tensor term = termOf(chosen.size(0));                           // [B]
        using var sc = new ScalarScope();
        Tensor chosenRewards = (chosen - refChosen) * sc[beta];          // [B]
        Tensor rejectedRewards = (rejected - refRejected) * sc[beta];    // [B]
        Tensor losses = -(chosenRewards - rejectedRewards).add(term * sc[sign], sc[1]).log_sigmoid();  // [B]
        Tensor loss = losses.mean();                                     // []
        var metrics = PreferenceChecks.PairedMetrics(loss, chosenRewards, rejectedRewards, chosen, rejected);
        metrics[termMetric] = PreferenceChecks.MeanOf(term);
        return new LossOutput(loss.MoveToOuterDisposeScope(), metrics);
    }
}
