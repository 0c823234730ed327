// GSPO: the clipped surrogate on a length-normalised sequence ratio, written token-wise so each token carries the sequence loss.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>gspo</c> — Zheng et al. 2025, "Group Sequence Policy Optimization" (arXiv 2507.18071):
/// s_i = exp((1/|y_i|)·Σ_t (log π_θ − log π_old)); J = −min(s_i·Â_i, clip(s_i, 1 − ε_low, 1 + ε_high)·Â_i).
/// GSPO-token form: s_{i,t} = sg[s_i]·π_θ(y_{i,t})/sg[π_θ(y_{i,t})], whose VALUE is s_i on every token, so each token's
/// loss equals the sequence loss; its gradient on token t is s_i·∇log π_θ(y_{i,t}) times Â. With
/// <c>seq_mean_token_mean</c> the 1/|y_i| of the token mean turns that into exactly ∇s_i (sequence-level GSPO); with
/// token-varying advantages it is the paper's GSPO-token variant. The sequence ratio is tiny-clipped: paper values
/// ε_low = 3e-4, ε_high = 4e-4 (defaults here). log s is clamped at ±20 before the exp.
/// </summary>
public sealed class GspoLoss : PolicyLoss
{
    /// <summary>The paper's sequence-ratio clip range: ε_low = 3e-4, ε_high = 4e-4.</summary>
    public const double DefaultClipLow = 3e-4, DefaultClipHigh = 4e-4;

    public GspoLoss(double clipLow = DefaultClipLow, double clipHigh = DefaultClipHigh)
    {
        ClipLow = CheckClip("gspo", clipLow, "ClipLow", lower: true);
        ClipHigh = CheckClip("gspo", clipHigh, "ClipHigh", lower: false);
    }

    public double ClipLow { get; }
    public double ClipHigh { get; }

    public override string Name => "gspo";

    public override bool ClipsRatio => true;

    protected override Tensor TokenLoss(PolicyLossInputs inputs, Dictionary<string, double> metrics)
    {
        double low = ClipLow, high = ClipHigh;
        Tensor logProbs = inputs.LogProbs, advantages = inputs.Advantages, mask = inputs.Mask; // [N, A] each
        Tensor sequenceLogRatio = RlMath.RowMaskedMean(logProbs - inputs.OldLogProbs, mask).detach(); // [N, 1] sg[log s_i]
        using var sc = new ScalarScope();
        Tensor logS = (logProbs - logProbs.detach()).add(sequenceLogRatio, sc[1]).clamp(sc[-LogRatioClamp], sc[LogRatioClamp]); // [N, A]
        Tensor s = logS.exp();                                                       // [N, A] value s_i, grad s_i·∇log π
        Tensor unclipped = -advantages * s;                                          // [N, A]
        Tensor clipped = -advantages * s.clamp(sc[1 - low], sc[1 + high]);          // [N, A]
        metrics["actor/pg_clipfrac"] = Fraction(clipped.gt(unclipped), mask);
        return unclipped.maximum(clipped);
    }
}
