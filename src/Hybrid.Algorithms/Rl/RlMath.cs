// The masked reductions, discounted reverse sums and shape checks that several RL axes share.
using Hybrid.Torch;

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// Small building blocks on [N, A] tensors with a 0/1 mask. Every function keeps the dtype of its inputs (float32 in
/// training, float64 in the gradient tests) and creates its intermediates in the caller's current scope.
/// </summary>
internal static class RlMath
{
    /// <summary>Σ x·m / max(Σ m, 1): the mean over masked entries, 0 when the mask is empty. [] (differentiable).</summary>
    public static Tensor MaskedMean(Tensor x, Tensor mask) => (x * mask).Sum() / mask.Sum().Clamp(min: 1);

    /// <summary>Per row: Σ_t x·m / max(Σ_t m, 1). [N, A] → [N, 1].</summary>
    public static Tensor RowMaskedMean(Tensor x, Tensor mask) => (x * mask).Sum(1, keepDim: true) / mask.Sum(1, keepDim: true).Clamp(min: 1);

    /// <summary>The masked mean as a plain number (metrics; no graph).</summary>
    public static double MaskedMeanValue(Tensor x, Tensor mask)
    {
        using var scope = LibTorch.NewScope();
        using var noGrad = LibTorch.NoGrad();
        return MaskedMean(x.Detach(), mask).Item();
    }

    /// <summary>
    /// Whitening over every masked token of the batch: (x − μ)/(σ + ε)·m with μ = Σ x·m / Σ m and the unbiased (n − 1)
    /// σ² = Σ (x − μ)²·m / (Σ m − 1), as TRL/verl's masked_whiten (they use rsqrt(σ² + 1e-8); we use the estimator's ε on σ
    /// like the group normalisation). One masked token (or none) gives 0.
    /// </summary>
    public static Tensor MaskedWhiten(Tensor x, Tensor mask, double epsilon)
    {
        Tensor count = mask.Sum();                                                  // [] masked tokens
        Tensor mean = (x * mask).Sum() / count.Clamp(min: 1);                       // []
        Tensor centred = (x - mean) * mask;                                         // [N, A]
        Tensor variance = (centred * centred).Sum() / (count - 1).Clamp(min: 1);    // [] unbiased
        return centred / (variance.Sqrt() + epsilon);
    }

    /// <summary>[N, A] 1 at each row's last masked position (0 everywhere for an empty row).</summary>
    public static Tensor LastTokenIndicator(Tensor mask)
    {
        long width = mask.Size(1);
        Tensor position = LibTorch.Arange(1, width + 1, 1, mask.DType);             // [A] 1-based positions
        Tensor last = (mask * position).Max(1, keepDim: true).Values;               // [N, 1] last masked position, 0 if none
        return position.Eq(last).LogicalAnd(mask.Gt(0)).To(mask.DType);             // [N, A]
    }

    /// <summary>
    /// The per-token reward r_t = TokenRewards_t·m_t + score·[t = last masked token] (card B9: TRL adds the score at the
    /// last non-padded token). [N], [N, A] → [N, A].
    /// </summary>
    public static Tensor TokenLevelRewards(Tensor scores, Tensor mask, Tensor? tokenRewards)
    {
        Tensor reward = scores.Unsqueeze(1) * LastTokenIndicator(mask);             // [N, A]
        return tokenRewards is null ? reward : reward + tokenRewards * mask;
    }

    /// <summary>
    /// y_t = Σ_{k ≥ t} c^{k−t} x_k along dim 1 ([N, A] → [N, A]), i.e. y_t = x_t + c·y_{t+1} with y_A = 0. c = 1 is one
    /// reverse cumulative sum; otherwise a backward loop over the A positions, each step vectorised over the N rows
    /// (the form TRL/verl use; exact for any c, no c^{-t} overflow).
    /// </summary>
    public static Tensor DiscountedReverseCumSum(Tensor x, double discount)
    {
        if (discount == 1.0) return x.Sum(1, keepDim: true) - x.CumSum(1) + x;
        long width = x.Size(1);
        var columns = new Tensor[width];
        Tensor running = LibTorch.Zeros([x.Size(0)], x.DType);                      // [N] y_{t+1}
        for (long t = width - 1; t >= 0; t--)
        {
            running = x.Select(1, t) + running * discount;                           // [N] y_t
            columns[t] = running;
        }
        return LibTorch.Stack(columns, 1);
    }

    /// <summary>Throws unless <paramref name="tensor"/> has exactly <paramref name="shape"/>.</summary>
    public static void CheckShape(Tensor tensor, string name, params long[] shape)
    {
        long[] actual = tensor.Shape;
        if (!actual.AsSpan().SequenceEqual(shape))
            throw new ArgumentException($"{name} has shape [{string.Join(", ", actual)}]; expected [{string.Join(", ", shape)}]", name);
    }

    /// <summary>The number of prompts P = N / G, checking that G divides N.</summary>
    public static long Prompts(long rows, int groupSize, string estimator)
    {
        if (groupSize < 1) throw new ArgumentException($"{estimator}: GroupSize is {groupSize}; it must be at least 1", nameof(groupSize));
        if (rows % groupSize != 0)
            throw new ArgumentException($"{estimator}: {rows} responses are not a whole number of groups of {groupSize}; pass N = prompts × G rows, prompt-major", nameof(groupSize));
        return rows / groupSize;
    }
}
