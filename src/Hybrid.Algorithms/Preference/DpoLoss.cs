// DPO's sigmoid loss ("sigmoid"), with label smoothing: conservative DPO ("cdpo") is the same loss with ε > 0.

namespace Hybrid.Algorithms.Preference;

/// <summary>
/// Direct Preference Optimization, the Bradley–Terry ("sigmoid") loss, with optional label smoothing ε:
/// <code>
/// h   = [log π_θ(y_w|x) − log π_ref(y_w|x)] − [log π_θ(y_l|x) − log π_ref(y_l|x)]     (summed log-probs)
/// L   = (1 − ε) · −log σ(β·h) + ε · −log σ(−β·h)                                      (mean over the batch)
/// </code>
/// ε = 0 is DPO (Rafailov, Sharma, Mitchell, Ermon, Manning, Finn 2023, "Direct Preference Optimization: Your Language
/// Model is Secretly a Reward Model", arXiv:2305.18290). ε &gt; 0 is conservative DPO (cDPO; Mitchell 2023, "A note on DPO
/// with noisy preferences"): the pair is assumed flipped with probability ε, so L = (1 − ε)·L(w, l) + ε·L(l, w); at ε = 0.5
/// the loss is symmetric in h and carries no preference. Note the sign: −log σ(β·h) with h = log-ratio(chosen) − log-ratio(rejected);
/// a derivation that inverts the ratio lowers the chosen answer instead.
/// <para>Implicit reward (metrics): r̂ = β·(log π_θ − log π_ref). Hyperparameters: β = 0.1 (TRL's default; the DPO paper
/// used 0.1–0.5, Zephyr found 0.01 best), ε = 0 for "sigmoid", 0.1 for "cdpo" (ε ∈ [0, 0.5]).</para>
/// </summary>
public sealed class DpoLoss : ImplicitRewardLoss
{
    /// <summary>TRL's default β.</summary>
    public const double DefaultBeta = 0.1;

    /// <summary>The ε of the registered "cdpo" (10% assumed label noise).</summary>
    public const double DefaultConservativeSmoothing = 0.1;

    /// <summary>DPO's sigmoid loss, registered as "sigmoid".</summary>
    public DpoLoss(double beta = DefaultBeta, double labelSmoothing = 0) : this("sigmoid", beta, labelSmoothing) { }

    private DpoLoss(string name, double beta, double labelSmoothing) : base(name, beta) =>
        LabelSmoothing = PreferenceChecks.Require(labelSmoothing is >= 0 and <= 0.5, labelSmoothing, name, "LabelSmoothing",
            "ε is the assumed probability that a pair is flipped and must be in [0, 0.5] (0 = plain DPO, 0.1 = cDPO's usual)");

    /// <summary>Conservative DPO, registered as "cdpo": the same loss with ε = 0.1 unless given.</summary>
    public static DpoLoss Conservative(double beta = DefaultBeta, double labelSmoothing = DefaultConservativeSmoothing) =>
        new("cdpo", beta, labelSmoothing);

    /// <summary>ε, the assumed label-flip probability.</summary>
    public double LabelSmoothing { get; }

    protected override Tensor Losses(PreferenceInputs inputs, ImplicitRewards rewards, IDictionary<string, double> metrics)
    {
        Tensor logits = rewards.Logits;                                  // [B] β·h
        using var sc = new ScalarScope();
        Tensor losses = logits.log_sigmoid() * sc[-(1 - LabelSmoothing)]; // [B] (1 − ε)·−log σ(βh)
        if (LabelSmoothing > 0) losses = losses - (-logits).log_sigmoid() * sc[LabelSmoothing];  // [B] + ε·−log σ(−βh)
        return losses;
    }
}
