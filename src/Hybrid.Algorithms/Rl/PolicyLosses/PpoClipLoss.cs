// The PPO clipped surrogate with decoupled lower/upper clip ranges and an optional dual clip for negative advantages.
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>ppo_clip</c> — ρ_t = exp(log π_θ − log π_old); ℓ_t = max(−Â_t·ρ_t, −Â_t·clip(ρ_t, 1 − ε_low, 1 + ε_high)), i.e.
/// −min(ρÂ, clip(ρ)Â) (card B2: Â &gt; 0 → −min(ρ, 1+ε_high)·Â; Â &lt; 0 → −max(ρ, 1−ε_low)·Â). Dual clip (Ye et al. 2020,
/// "Mastering Complex Control in MOBA Games with Deep RL", arXiv 1912.09729) caps the Â &lt; 0 loss at −Â·c so a huge
/// ratio on a bad token cannot dominate (verl: c = 3). Schulman et al. 2017, "Proximal Policy Optimization"
/// (arXiv 1707.06347): ε = 0.2. DAPO's clip-higher (Yu et al. 2025, arXiv 2503.14476): ε_low = 0.2, ε_high = 0.28.
/// Metrics: <c>actor/pg_clipfrac</c> (tokens whose clipped branch is active), <c>actor/pg_clipfrac_lower</c> (Â &lt; 0 tokens
/// capped by the dual clip; 0 without it).
/// </summary>
public sealed class PpoClipLoss : PolicyLoss
{
    public override string Name => "ppo_clip";

    public override bool ClipsRatio => true;

    public override bool SupportsDualClip => true;

    protected override Tensor TokenLoss(PolicyLossInputs inputs, Dictionary<string, double> metrics)
    {
        double low = CheckClip(inputs.ClipLow ?? 0.2, nameof(inputs.ClipLow), lower: true);
        double high = CheckClip(inputs.ClipHigh ?? 0.2, nameof(inputs.ClipHigh), lower: false);
        Tensor advantages = inputs.Advantages, mask = inputs.Mask;                   // [N, A] each
        using var sc = new ScalarScope();
        Tensor ratio = LogRatio(inputs).exp();                                       // [N, A] ρ_t
        Tensor unclipped = -advantages * ratio;                                      // [N, A]
        Tensor clipped = -advantages * ratio.clamp(sc[1 - low], sc[1 + high]);      // [N, A]
        Tensor loss = unclipped.maximum(clipped);                                    // [N, A]
        metrics["actor/pg_clipfrac"] = Fraction(clipped.gt(unclipped), mask);
        if (inputs.DualClip is not double c)
        {
            metrics["actor/pg_clipfrac_lower"] = 0;
            return loss;
        }
        if (!(c > 1)) throw new ArgumentException($"ppo_clip: DualClip is {c}; it must be > 1 (verl: 3.0) or null", nameof(inputs));
        Tensor cap = -advantages * sc[c];                                            // [N, A] the dual-clip bound
        Tensor negative = advantages.lt(sc[0]);                                      // [N, A] bool
        metrics["actor/pg_clipfrac_lower"] = Fraction(loss.gt(cap).logical_and(negative), mask);
        return torch.where(negative, loss.minimum(cap), loss);
    }
}
