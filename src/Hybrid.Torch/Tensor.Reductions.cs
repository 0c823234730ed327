// Reductions over all elements or chosen dims, scans, and the normalisations softmax / log-softmax.
using Hybrid.Torch.Interop;

namespace Hybrid.Torch;

public sealed partial class Tensor
{
    /// <summary>Sum of all elements (a 0-dim tensor).</summary>
    public Tensor Sum() => Wrap(NativeOps.hy_sum_all(Handle));
    public unsafe Tensor Sum(ReadOnlySpan<long> dims, bool keepDim = false)
    {
        fixed (long* d = dims) return Wrap(NativeOps.hy_sum(Handle, d, dims.Length, keepDim ? 1 : 0));
    }
    public Tensor Sum(long dim, bool keepDim = false) => Sum([dim], keepDim);

    /// <summary>Mean of all elements (a 0-dim tensor).</summary>
    public Tensor Mean() => Wrap(NativeOps.hy_mean_all(Handle));
    public unsafe Tensor Mean(ReadOnlySpan<long> dims, bool keepDim = false)
    {
        fixed (long* d = dims) return Wrap(NativeOps.hy_mean(Handle, d, dims.Length, keepDim ? 1 : 0));
    }
    public Tensor Mean(long dim, bool keepDim = false) => Mean([dim], keepDim);

    /// <summary>log Σ exp(x) over <paramref name="dims"/>, computed stably.</summary>
    public unsafe Tensor LogSumExp(ReadOnlySpan<long> dims, bool keepDim = false)
    {
        fixed (long* d = dims) return Wrap(NativeOps.hy_logsumexp(Handle, d, dims.Length, keepDim ? 1 : 0));
    }
    public Tensor LogSumExp(long dim, bool keepDim = false) => LogSumExp([dim], keepDim);

    /// <summary>Largest element (a 0-dim tensor).</summary>
    public Tensor Max() => Wrap(NativeOps.hy_max_all(Handle));
    /// <summary>Smallest element (a 0-dim tensor).</summary>
    public Tensor Min() => Wrap(NativeOps.hy_min_all(Handle));

    /// <summary>Largest values along <paramref name="dim"/> and their indices (int64).</summary>
    public unsafe (Tensor Values, Tensor Indices) Max(long dim, bool keepDim = false)
    {
        IntPtr v, i;
        TorchException.Check(NativeOps.hy_max_dim(Handle, dim, keepDim ? 1 : 0, &v, &i));
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>Smallest values along <paramref name="dim"/> and their indices (int64).</summary>
    public unsafe (Tensor Values, Tensor Indices) Min(long dim, bool keepDim = false)
    {
        IntPtr v, i;
        TorchException.Check(NativeOps.hy_min_dim(Handle, dim, keepDim ? 1 : 0, &v, &i));
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>Index (int64) of the largest element along <paramref name="dim"/>.</summary>
    public Tensor ArgMax(long dim, bool keepDim = false) => Wrap(NativeOps.hy_argmax(Handle, dim, keepDim ? 1 : 0));

    /// <summary>The <paramref name="k"/> largest values along <paramref name="dim"/>, sorted descending, with their indices.</summary>
    public unsafe (Tensor Values, Tensor Indices) TopK(long k, long dim = -1)
    {
        IntPtr i;
        IntPtr v = NativeOps.hy_topk(Handle, k, dim, &i);
        if (v == IntPtr.Zero) TorchException.ThrowLast();
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>Standard deviation over <paramref name="dims"/>: √(Σ(x − x̄)² / (n − 1)) when unbiased (torch.std's default), else / n.</summary>
    public unsafe Tensor Std(ReadOnlySpan<long> dims, bool unbiased = true, bool keepDim = false)
    {
        fixed (long* d = dims) return Wrap(NativeOps.hy_std(Handle, d, dims.Length, unbiased ? 1 : 0, keepDim ? 1 : 0));
    }
    public Tensor Std(long dim, bool unbiased = true, bool keepDim = false) => Std([dim], unbiased, keepDim);

    /// <summary>Variance over <paramref name="dims"/>: Σ(x − x̄)² / (n − 1) when unbiased, else / n.</summary>
    public unsafe Tensor Var(ReadOnlySpan<long> dims, bool unbiased = true, bool keepDim = false)
    {
        fixed (long* d = dims) return Wrap(NativeOps.hy_var(Handle, d, dims.Length, unbiased ? 1 : 0, keepDim ? 1 : 0));
    }
    public Tensor Var(long dim, bool unbiased = true, bool keepDim = false) => Var([dim], unbiased, keepDim);

    /// <summary>Sorted values along <paramref name="dim"/> (stable) and the permutation that sorts them.</summary>
    public unsafe (Tensor Values, Tensor Indices) Sort(long dim = -1, bool descending = false)
    {
        IntPtr i;
        IntPtr v = NativeOps.hy_sort(Handle, dim, descending ? 1 : 0, &i);
        if (v == IntPtr.Zero) TorchException.ThrowLast();
        return (new Tensor(v), new Tensor(i));
    }

    /// <summary>Running sum along <paramref name="dim"/>.</summary>
    public Tensor CumSum(long dim) => Wrap(NativeOps.hy_cumsum(Handle, dim));

    /// <summary>exp(x_i) / Σ_j exp(x_j) along <paramref name="dim"/>.</summary>
    public Tensor Softmax(long dim) => Wrap(NativeOps.hy_softmax(Handle, dim));

    /// <summary>x_i − log Σ_j exp(x_j) along <paramref name="dim"/>.</summary>
    public Tensor LogSoftmax(long dim) => Wrap(NativeOps.hy_log_softmax(Handle, dim));
}
