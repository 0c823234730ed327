// The masked reductions, discounted reverse sums and shape checks that several RL axes share.

namespace Hybrid.Algorithms.Rl;

/// <summary>
/// Small building blocks on [N, A] tensors with a 0/1 mask. Every function keeps the dtype of its inputs (float32 in
/// training, float64 in the gradient tests) and creates its intermediates in the caller's current scope.
/// </summary>
internal static class RlMath
{
    /// <summary>Σ x·m / max(Σ m, 1): the mean over masked entries, 0 when the mask is empty. [] (differentiable).</summary>
    public static Tensor MaskedMean(Tensor x, Tensor mask)
    {
        using var sc = new ScalarScope();
        return (x * mask).sum() / mask.sum().clamp(min: sc[1]);
    }

    /// <summary>Per row: Σ_t x·m / max(Σ_t m, 1). [N, A] → [N, 1].</summary>
    public static Tensor RowMaskedMean(Tensor x, Tensor mask)
    {
        using var sc = new ScalarScope();
        return (x * mask).sum(1, keepdim: true) / mask.sum(1, keepdim: true).clamp(min: sc[1]);
    }

    /// <summary>The masked mean as a plain number (metrics; no graph).</summary>
    public static double MaskedMeanValue(Tensor x, Tensor mask)
    {
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        return MaskedMean(x.detach(), mask).ToDouble();
    }

    /// <summary>
    /// Whitening over every masked token of the batch: (x − μ)/(σ + ε)·m with μ = Σ x·m / Σ m and the unbiased (n − 1)
    /// σ² = Σ (x − μ)²·m / (Σ m − 1), as TRL/verl's masked_whiten (they use rsqrt(σ² + 1e-8); we use the estimator's ε on σ
    /// like the group normalisation). One masked token (or none) gives 0.
    /// </summary>
    public static Tensor MaskedWhiten(Tensor x, Tensor mask, double epsilon)
    {
        using var sc = new ScalarScope();
        Tensor count = mask.sum();                                                  // [] masked tokens
        Tensor mean = (x * mask).sum() / count.clamp(min: sc[1]);                   // []
        Tensor centred = (x - mean) * mask;                                         // [N, A]
        Tensor variance = (centred * centred).sum() / (count - sc[1]).clamp(min: sc[1]);  // [] unbiased
        return centred / variance.sqrt().add(sc[epsilon], sc[1]);
    }

    /// <summary>[N, A] 1 at each row's last masked position (0 everywhere for an empty row).</summary>
    public static Tensor LastTokenIndicator(Tensor mask)
    {
        using var sc = new ScalarScope();
        long width = mask.size(1);
        Tensor position = torch.arange(sc[1], sc[width + 1], sc[1], mask.dtype);  // [A] 1-based positions
        Tensor last = (mask * position).max(1, keepdim: true).values;               // [N, 1] last masked position, 0 if none
        return position.eq(last).logical_and(mask.gt(sc[0])).to(mask.dtype);       // [N, A]
    }

    /// <summary>
    /// The per-token reward r_t = TokenRewards_t·m_t + score·[t = last masked token] (TRL adds the score at the
    /// last non-padded token). [N], [N, A] → [N, A].
    /// </summary>
    public static Tensor TokenLevelRewards(Tensor scores, Tensor mask, Tensor? tokenRewards)
    {
        using var sc = new ScalarScope();
        Tensor reward = scores.unsqueeze(1) * LastTokenIndicator(mask);             // [N, A]
        return tokenRewards is null ? reward : reward.add(tokenRewards * mask, sc[1]);
    }

    /// <summary>
    /// y_t = Σ_{k ≥ t} c^{k−t} x_k along dim 1 ([N, A] → [N, A]), i.e. y_t = x_t + c·y_{t+1} with y_A = 0. c = 1 is one
    /// reverse cumulative sum; otherwise a backward loop over the A positions, each step vectorised over the N rows
    /// (the form TRL/verl use; exact for any c, no c^{-t} overflow).
    /// </summary>
    public static Tensor DiscountedReverseCumSum(Tensor x, double discount)
    {
        using var sc = new ScalarScope();
        if (discount == 1.0) return (x.sum(1, keepdim: true) - x.cumsum(1)).add(x, sc[1]);
        long width = x.size(1);
        var columns = new Tensor[width];
        Tensor running = torch.zeros([x.size(0)], x.dtype);                      // [N] y_{t+1}
        for (long t = width - 1; t >= 0; t--)
        {
            running = x.select(1, t).add(running * sc[discount], sc[1]);             // [N] y_t
            columns[t] = running;
        }
        return torch.stack(columns, 1);
    }

    /// <summary>Throws unless <paramref name="tensor"/> has exactly <paramref name="shape"/>.</summary>
    public static void CheckShape(Tensor tensor, string name, params long[] shape)
    {
        long[] actual = tensor.shape;
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
