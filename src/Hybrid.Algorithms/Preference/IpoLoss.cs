// Identity preference optimisation ("ipo"): a squared loss that pulls the log-ratio margin to 1/(2τ) instead of to ∞.
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

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
public sealed class IpoLoss : IPreferenceLoss
{
    public const double DefaultBeta = 0.1;

    public IpoLoss(double beta = DefaultBeta) => Beta = PreferenceChecks.Beta(beta, Name, "0.1");

    public string Name => "ipo";

    /// <summary>τ (TRL's β): the target margin is 1/(2τ).</summary>
    public double Beta { get; }

    public PreferenceDataKind DataKind => PreferenceDataKind.Paired;

    public bool NeedsReference => true;

    public LossOutput Compute(PreferenceInputs inputs)
    {
        using var scope = NewDisposeScope();
        (Tensor chosen, Tensor rejected, Tensor refChosen, Tensor refRejected) = PreferenceChecks.WithReference(inputs, Name);
        long b = chosen.size(0);
        Tensor chosenTokens = PreferenceChecks.Batch(inputs.ChosenTokens, nameof(PreferenceInputs.ChosenTokens), Name, b);      // [B]
        Tensor rejectedTokens = PreferenceChecks.Batch(inputs.RejectedTokens, nameof(PreferenceInputs.RejectedTokens), Name, b); // [B]
        Tensor chosenRatio = chosen - refChosen;                         // [B] summed log π_θ/π_ref of y_w
        Tensor rejectedRatio = rejected - refRejected;                   // [B] summed log π_θ/π_ref of y_l
        using var sc = new ScalarScope();
        Tensor h = chosenRatio / chosenTokens - rejectedRatio / rejectedTokens;  // [B] per-token margin
        Tensor losses = (h - sc[1 / (2 * Beta)]).pow(sc[2]);             // [B]
        Tensor loss = losses.mean();                                     // []
        var metrics = PreferenceChecks.PairedMetrics(loss, chosenRatio * sc[Beta], rejectedRatio * sc[Beta], chosen, rejected);
        return new LossOutput(loss.MoveToOuterDisposeScope(), metrics);
    }
}
