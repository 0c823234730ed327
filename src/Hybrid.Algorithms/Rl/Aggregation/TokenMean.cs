// DAPO's token-level aggregation: the mean over every response token of the batch.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>token_mean</c> — L = Σ_{i,t} ℓ_{i,t}·m_{i,t} / Σ_{i,t} m_{i,t}: every token weighs the same, so long responses are
/// not down-weighted (DAPO's token-level policy-gradient loss). Yu et al. 2025, "DAPO" (arXiv 2503.14476).
/// An empty mask gives 0 (the denominator is clamped to ≥ 1).
/// </summary>
public sealed class TokenMean : ILossAggregation
{
    public string Name => "token_mean";

    public Tensor Aggregate(Tensor tokenLoss, Tensor mask)
    {
        using var scope = NewDisposeScope();
        return RlMath.MaskedMean(tokenLoss, mask).MoveToOuterDisposeScope();               // []
    }

    public Tensor Sum(Tensor tokenLoss, Tensor mask) => (tokenLoss * mask).sum();         // [] Σ_{i,t} ℓ·m

    public double Normaliser(Tensor mask)
    {
        using var scope = NewDisposeScope();
        return Math.Max(1, mask.sum().ToDouble());                                         // Σ_{i,t} m
    }
}
