// The PPO clipped surrogate with decoupled lower/upper clip ranges and an optional dual clip for negative advantages.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>ppo_clip</c> — ρ_t = exp(log π_θ − log π_old); ℓ_t = max(−Â_t·ρ_t, −Â_t·clip(ρ_t, 1 − ε_low, 1 + ε_high)), i.e.
/// −min(ρÂ, clip(ρ)Â) (Â &gt; 0 → −min(ρ, 1+ε_high)·Â; Â &lt; 0 → −max(ρ, 1−ε_low)·Â). Dual clip (Ye et al. 2020,
/// "Mastering Complex Control in MOBA Games with Deep RL", arXiv 1912.09729) caps the Â &lt; 0 loss at −Â·c so a huge
/// ratio on a bad token cannot dominate (verl: c = 3). Schulman et al. 2017, "Proximal Policy Optimization"
/// (arXiv 1707.06347): ε = 0.2. DAPO's clip-higher (Yu et al. 2025, arXiv 2503.14476): ε_low = 0.2, ε_high = 0.28.
/// Metrics: <c>actor/pg_clipfrac</c> (tokens whose clipped branch is active), <c>actor/pg_clipfrac_lower</c> (Â &lt; 0 tokens
/// capped by the dual clip; 0 without it).
/// </summary>
public sealed class PpoClipLoss : PolicyLoss
{
    /// <summary>ε of PPO (Schulman et al. 2017), both bounds: 0.2.</summary>
    public const double DefaultClip = 0.2;

    /// <param name="clipLow">ε_low in [0, 1).</param>
    /// <param name="clipHigh">ε_high ≥ 0 (DAPO's clip-higher: 0.28).</param>
    /// <param name="dualClip">c &gt; 1, or null for no dual clip.</param>
    public PpoClipLoss(double clipLow = DefaultClip, double clipHigh = DefaultClip, double? dualClip = null)
    {
        ClipLow = CheckClip("ppo_clip", clipLow, "ClipLow", lower: true);
        ClipHigh = CheckClip("ppo_clip", clipHigh, "ClipHigh", lower: false);
        if (dualClip is double c && !(c > 1 && double.IsFinite(c)))
            throw new ArgumentException($"ppo_clip: DualClip = {c}: it must be c > 1 (verl: 3.0) or null", "DualClip");
        DualClip = dualClip;
    }

    public double ClipLow { get; }
    public double ClipHigh { get; }
    public double? DualClip { get; }

    public override string Name => "ppo_clip";

    public override bool ClipsRatio => true;

    public override bool SupportsDualClip => true;

    protected override Tensor TokenLoss(PolicyLossInputs inputs, Dictionary<string, double> metrics)
    {
        double low = ClipLow, high = ClipHigh;
        Tensor advantages = inputs.Advantages, mask = inputs.Mask;                   // [N, A] each
        using var sc = new ScalarScope();
        Tensor ratio = LogRatio(inputs).exp();                                       // [N, A] ρ_t
        Tensor unclipped = -advantages * ratio;                                      // [N, A]
        Tensor clipped = -advantages * ratio.clamp(sc[1 - low], sc[1 + high]);      // [N, A]
        Tensor loss = unclipped.maximum(clipped);                                    // [N, A]
        metrics["actor/pg_clipfrac"] = Fraction(clipped.gt(unclipped), mask);
        if (DualClip is not double c)
        {
            metrics["actor/pg_clipfrac_lower"] = 0;
            return loss;
        }
        Tensor cap = -advantages * sc[c];                                            // [N, A] the dual-clip bound
        Tensor negative = advantages.lt(sc[0]);                                      // [N, A] bool
        metrics["actor/pg_clipfrac_lower"] = Fraction(loss.gt(cap).logical_and(negative), mask);
        return torch.where(negative, loss.minimum(cap), loss);
    }
}
