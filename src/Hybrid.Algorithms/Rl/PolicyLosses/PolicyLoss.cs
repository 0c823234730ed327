// The plumbing every policy loss shares: shape checks, a scope for intermediates, the common metrics, handing out.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// Base of the policy losses: checks that LogProbs, OldLogProbs, Advantages and Mask are all [N, A], runs
/// <see cref="TokenLoss"/> in a private scope, zeroes padding, and adds <c>actor/ppo_kl</c> = mean over masked tokens of
/// (log π_old − log π_θ) (the approximate KL(π_old‖π_θ) of the update) to the loss's own metrics.
/// </summary>
public abstract class PolicyLoss : IPolicyLoss
{
    /// <summary>Bound on |log π_θ − log π_old| before any exponential (verl clamps the same way): exp(20) stays finite in float32.</summary>
    protected const double LogRatioClamp = 20.0;

    public abstract string Name { get; }

    public virtual bool NeedsReference => false;

    public virtual bool ClipsRatio => false;

    public virtual bool ReadsClipRange => ClipsRatio;

    public virtual bool SupportsDualClip => false;

    public virtual bool OnPolicyOnly => false;

    public virtual bool TakesBeta => false;

    public virtual bool NeedsWholeGroups => false;

    public PolicyLossOutput Compute(PolicyLossInputs inputs)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        Tensor mask = inputs.Mask;                                                   // [N, A]
        if (mask.dim() != 2) throw new ArgumentException($"{Name}: Mask must be [N, A]; got [{string.Join(", ", mask.shape)}]", nameof(inputs));
        long[] shape = mask.shape;
        RlMath.CheckShape(inputs.LogProbs, nameof(inputs.LogProbs), shape);
        RlMath.CheckShape(inputs.OldLogProbs, nameof(inputs.OldLogProbs), shape);
        RlMath.CheckShape(inputs.Advantages, nameof(inputs.Advantages), shape);

        using var scope = NewDisposeScope();
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        Tensor tokenLoss = (TokenLoss(inputs, metrics) * mask).MoveToOuterDisposeScope(); // [N, A], 0 on padding
        metrics["actor/ppo_kl"] = RlMath.MaskedMeanValue(inputs.OldLogProbs - inputs.LogProbs.detach(), mask);
        return new PolicyLossOutput(tokenLoss, metrics);
    }

    /// <summary>The per-token loss [N, A] (padding is zeroed by the caller); adds the loss's metrics (clip fractions).</summary>
    protected abstract Tensor TokenLoss(PolicyLossInputs inputs, Dictionary<string, double> metrics);

    /// <summary>log π_θ − log π_old clamped to ±<see cref="LogRatioClamp"/>. [N, A]</summary>
    protected static Tensor LogRatio(PolicyLossInputs inputs)
    {
        using var sc = new ScalarScope();
        return (inputs.LogProbs - inputs.OldLogProbs).clamp(sc[-LogRatioClamp], sc[LogRatioClamp]);
    }

    /// <summary>The fraction of masked tokens where <paramref name="condition"/> (bool [N, A]) holds.</summary>
    protected static double Fraction(Tensor condition, Tensor mask) => RlMath.MaskedMeanValue(condition.to(mask.dtype), mask);

    /// <summary>Throws unless 0 ≤ <paramref name="value"/> &lt; ∞ (and &lt; 1 for a lower ratio bound); for constructors.</summary>
    protected static double CheckClip(string loss, double value, string field, bool lower)
    {
        if (!(value >= 0 && double.IsFinite(value)) || (lower && value >= 1))
            throw new ArgumentException($"{loss}: {field} = {value}: it must be ≥ 0{(lower ? " and < 1" : "")} (e.g. 0.2)", field);
        return value;
    }
}
