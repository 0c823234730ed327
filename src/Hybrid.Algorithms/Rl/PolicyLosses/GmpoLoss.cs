// GMPO: the geometric mean of the clipped token ratios of a response, clipped in log space.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>gmpo</c> — Zhao et al. 2025, "Geometric-Mean Policy Optimization" (arXiv 2507.20673):
/// J_i = sign(Â_i)·(Π_t |min(ρ_t·Â_i, clip(ρ_t, e^{−ε_low}, e^{ε_high})·Â_i)|)^{1/|o_i|} = Â_i·exp((1/|o_i|)·Σ_t ℓ_t),
/// ℓ_t = sgn·min(sgn·log ρ_t, sgn·clip(log ρ_t, −ε_low, ε_high)) with sgn = sign(Â_i) (Â &gt; 0: the smaller log-ratio,
/// Â &lt; 0: the larger). The geometric mean damps extreme token ratios, so the clip range can be wider: paper
/// (−0.4, 0.4) in log space (defaults). Â_i is the masked mean of the row's advantages (the outcome advantage).
/// Spread per token like GSPO-token: ℓoss_t = −Â_i·exp(sg[mean ℓ] + ℓ_t − sg[ℓ_t]); every token's value is the sequence
/// loss −J_i, and with <c>seq_mean_token_mean</c> the gradient is exactly ∇(−J_i). Metric <c>actor/pg_clipfrac</c>: tokens
/// whose clipped log-ratio was taken.
/// </summary>
public sealed class GmpoLoss : PolicyLoss
{
    /// <summary>The paper's log-space clip range, both sides: 0.4 (ratios within e^±0.4).</summary>
    public const double DefaultClip = 0.4;

    public GmpoLoss(double clipLow = DefaultClip, double clipHigh = DefaultClip)
    {
        ClipLow = CheckClip("gmpo", clipLow, "ClipLow", lower: false);
        ClipHigh = CheckClip("gmpo", clipHigh, "ClipHigh", lower: false);
    }

    public double ClipLow { get; }
    public double ClipHigh { get; }

    public override string Name => "gmpo";

    public override bool ReadsClipRange => true;

    protected override Tensor TokenLoss(PolicyLossInputs inputs, Dictionary<string, double> metrics)
    {
        double low = ClipLow, high = ClipHigh;
        Tensor mask = inputs.Mask;                                                   // [N, A]
        Tensor advantage = RlMath.RowMaskedMean(inputs.Advantages, mask);           // [N, 1] Â_i
        Tensor sign = advantage.sign();                                              // [N, 1]
        Tensor logRatio = LogRatio(inputs);                                          // [N, A] log ρ_t
        Tensor signedRatio = logRatio * sign;                                        // [N, A]
        using var sc = new ScalarScope();
        Tensor signedClipped = logRatio.clamp(sc[-low], sc[high]) * sign;            // [N, A]
        Tensor kept = signedRatio.minimum(signedClipped) * sign;                     // [N, A] ℓ_t
        metrics["actor/pg_clipfrac"] = Fraction(signedClipped.lt(signedRatio), mask);
        Tensor meanKept = RlMath.RowMaskedMean(kept, mask).detach();                 // [N, 1] sg[mean ℓ]
        Tensor geometric = (meanKept.add(kept, sc[1]) - kept.detach()).exp();        // [N, A] value exp(mean ℓ), grad local
        return -advantage * geometric;
    }
}
