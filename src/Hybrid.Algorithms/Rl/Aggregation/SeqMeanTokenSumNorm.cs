// Dr. GRPO's aggregation: each response's token sum divided by one constant length, then the mean over responses.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>seq_mean_token_sum_norm</c> — L = (1/N)·Σ_i (1/L)·Σ_t ℓ_{i,t}·m_{i,t} with a CONSTANT L (e.g. the maximum response
/// length, the generation budget) instead of GRPO's 1/|o_i|, which biases towards long wrong answers and short right
/// ones. Liu et al. 2025, "Dr. GRPO" (arXiv 2503.20783). N counts every response (a fully masked one adds 0): the whole
/// normaliser is constant, the point of the method. L = null uses the padded width A of the tensor (verl's default;
/// pad to the maximum response length to make it the budget).
/// </summary>
public sealed class SeqMeanTokenSumNorm : ILossAggregation
{
    /// <param name="normLength">L &gt; 0; null = the padded width A.</param>
    public SeqMeanTokenSumNorm(double? normLength = null)
    {
        if (normLength is <= 0)
            throw new ArgumentOutOfRangeException(nameof(normLength), normLength, "seq_mean_token_sum_norm: L must be > 0, e.g. the maximum response length");
        NormLength = normLength;
    }

    public string Name => "seq_mean_token_sum_norm";

    /// <summary>The constant L, or null for the tensor's width A.</summary>
    public double? NormLength { get; }

    public Tensor Aggregate(Tensor tokenLoss, Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var sc = new ScalarScope();
        return (Sum(tokenLoss, mask) / sc[Normaliser(mask)]).MoveToOuterDisposeScope();  // []
    }

    public Tensor Sum(Tensor tokenLoss, Tensor mask) => (tokenLoss * mask).sum();     // [] Σ_{i,t} ℓ·m

    public double Normaliser(Tensor mask) => (NormLength ?? mask.size(1)) * Math.Max(mask.size(0), 1);  // L·N
}
