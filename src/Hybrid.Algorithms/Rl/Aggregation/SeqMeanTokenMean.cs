// The original GRPO aggregation: the mean over tokens within each response, then the mean over responses.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// <c>seq_mean_token_mean</c> — L = (1/|S|)·Σ_{i∈S} (1/|o_i|)·Σ_t ℓ_{i,t}·m_{i,t}, S = the responses with at least one
/// unmasked token (a fully masked response — overlong masking, mismatch masking — drops out instead of counting as 0).
/// The 1/G·Σ_i 1/|o_i|·Σ_t of DeepSeekMath's GRPO objective (Shao et al. 2024, arXiv 2402.03300); the aggregation gspo,
/// gmpo and gvpo are written for.
/// </summary>
public sealed class SeqMeanTokenMean : ILossAggregation
{
    public string Name => "seq_mean_token_mean";

    public Tensor Aggregate(Tensor tokenLoss, Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var sc = new ScalarScope();
        Tensor lengths = mask.sum(1);                                                // [N] |o_i|
        Tensor present = lengths.gt(sc[0]).to(tokenLoss.dtype);                     // [N] 1 if the response has tokens
        return (Sum(tokenLoss, mask) / present.sum().clamp(min: sc[1])).MoveToOuterDisposeScope(); // []
    }

    public Tensor Sum(Tensor tokenLoss, Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var sc = new ScalarScope();
        Tensor lengths = mask.sum(1);                                                // [N] |o_i|
        Tensor perSequence = (tokenLoss * mask).sum(1) / lengths.clamp(min: sc[1]); // [N] (a fully masked row is 0)
        return perSequence.sum().MoveToOuterDisposeScope();                          // [] Σ_i (1/|o_i|)·Σ_t ℓ·m
    }

    public double Normaliser(Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var sc = new ScalarScope();
        return Math.Max(1, mask.sum(1).gt(sc[0]).sum().ToDouble());                  // |S|
    }
}
