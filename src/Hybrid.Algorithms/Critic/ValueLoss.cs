// The PPO critic's loss (B6): squared error to the returns, optionally clipped around the old values, and its explained variance.

namespace Hybrid.Algorithms.Critic;

/// <summary>
/// L^VF = ½ · mean_t max((V_t − R̂_t)², (clip(V_t, V_old,t − ε_v, V_old,t + ε_v) − R̂_t)²) over response tokens
/// (Schulman et al. 2017, B6; the clipped form as TRL with cliprange_value = 0.2). Without ε_v: ½ · mean_t (V_t − R̂_t)².
/// The ½ follows TRL/OpenAI baselines; the trainer multiplies by the value coefficient c₁.
/// </summary>
public static class ValueLoss
{
    /// <summary>values [N, A] (grad), oldValues [N, A], returns [N, A], mask [N, A] float32 → [] mean over masked tokens.</summary>
    public static Tensor Compute(Tensor values, Tensor oldValues, Tensor returns, Tensor mask, double? clip)
    {
        using var sc = new ScalarScope();
        Tensor unclipped = (values - returns).pow(sc[2]);                                       // [N, A]
        Tensor perToken = unclipped;
        if (clip is double eps)
        {
            Tensor clipped = oldValues.add((values - oldValues).clamp(sc[-eps], sc[eps]), sc[1]);  // [N, A]
            perToken = unclipped.maximum((clipped - returns).pow(sc[2]));                        // [N, A]
        }
        return (perToken * mask).sum() / mask.sum().clamp(min: sc[1]) * sc[0.5];                 // []
    }

    /// <summary>1 − Var(R̂ − V) / Var(R̂) over masked tokens (1 = a perfect critic, ≤ 0 = no better than a constant).</summary>
    public static double ExplainedVariance(Tensor values, Tensor returns, Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        using var sc = new ScalarScope();
        double count = Math.Max(1, mask.sum().ToDouble());
        double Variance(Tensor t)
        {
            double mean = (t * mask).sum().ToDouble() / count;
            return (((t - sc[mean]) * mask).pow(sc[2]).sum()).ToDouble() / count;
        }
        double varReturns = Variance(returns);
        return varReturns > 0 ? 1 - Variance(returns - values) / varReturns : double.NaN;
    }
}
