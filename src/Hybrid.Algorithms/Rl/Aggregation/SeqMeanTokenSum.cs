// Sum over the tokens of each response, then the mean over responses.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>seq_mean_token_sum</c> — L = (1/|S|)·Σ_{i∈S} Σ_t ℓ_{i,t}·m_{i,t}, S = responses with at least one unmasked token:
/// the sequence-level REINFORCE objective (the log-likelihood of the whole response times its advantage), so longer
/// responses weigh more. verl's <c>seq-mean-token-sum</c>.
/// </summary>
public sealed class SeqMeanTokenSum : ILossAggregation
{
    public string Name => "seq_mean_token_sum";

    public Tensor Aggregate(Tensor tokenLoss, Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var sc = new ScalarScope();
        Tensor present = mask.sum(1).gt(sc[0]).to(tokenLoss.dtype);                  // [N]
        return (Sum(tokenLoss, mask) / present.sum().clamp(min: sc[1])).MoveToOuterDisposeScope(); // []
    }

    public Tensor Sum(Tensor tokenLoss, Tensor mask) => (tokenLoss * mask).sum();     // [] Σ_i Σ_t ℓ·m (a fully masked row adds 0)

    public double Normaliser(Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var sc = new ScalarScope();
        return Math.Max(1, mask.sum(1).gt(sc[0]).sum().ToDouble());                  // |S|
    }
}
