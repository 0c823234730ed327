// Shape and indexing ops: views, permutations, slices, gathers and scatters, triangular masks.
using Hybrid.Torch.Interop;

namespace Hybrid.Torch;

public sealed partial class Tensor
{
    /// <summary>Same elements in a new shape (a view when possible, else a copy); one size may be -1.</summary>
    public unsafe Tensor Reshape(params ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape) return Wrap(NativeOps.hy_reshape(Handle, s, shape.Length));
    }

    /// <summary>A view in a new shape; fails when the memory layout does not allow one (use <see cref="Reshape"/>).</summary>
    public unsafe Tensor View(params ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape) return Wrap(NativeOps.hy_view(Handle, s, shape.Length));
    }

    /// <summary>Broadcast view to a larger shape (-1 keeps a size).</summary>
    public unsafe Tensor Expand(params ReadOnlySpan<long> shape)
    {
        fixed (long* s = shape) return Wrap(NativeOps.hy_expand(Handle, s, shape.Length));
    }

    /// <summary>Reorders dimensions: result dim i is input dim <paramref name="dims"/>[i].</summary>
    public unsafe Tensor Permute(params ReadOnlySpan<long> dims)
    {
        fixed (long* d = dims) return Wrap(NativeOps.hy_permute(Handle, d, dims.Length));
    }

    /// <summary>Tiles the tensor <paramref name="repeats"/>[i] times along dim i.</summary>
    public unsafe Tensor Repeat(params ReadOnlySpan<long> repeats)
    {
        fixed (long* r = repeats) return Wrap(NativeOps.hy_repeat(Handle, r, repeats.Length));
    }

    public Tensor Transpose(long dim0, long dim1) => Wrap(NativeOps.hy_transpose(Handle, dim0, dim1));
    public Tensor Flatten(long startDim = 0, long endDim = -1) => Wrap(NativeOps.hy_flatten(Handle, startDim, endDim));
    public Tensor Squeeze(long dim) => Wrap(NativeOps.hy_squeeze(Handle, dim));
    public Tensor Unsqueeze(long dim) => Wrap(NativeOps.hy_unsqueeze(Handle, dim));
    public Tensor Contiguous() => Wrap(NativeTensor.hy_tensor_contiguous(Handle));

    /// <summary>Elements start, start+step, … (&lt; end) along <paramref name="dim"/>, as a view. Negative bounds count from the end.</summary>
    public Tensor Slice(long dim, long start, long end = long.MaxValue, long step = 1) =>
        Wrap(NativeOps.hy_slice(Handle, dim, start, end, step));

    /// <summary>The sub-tensor at <paramref name="index"/> along <paramref name="dim"/> (that dim removed), as a view.</summary>
    public Tensor Select(long dim, long index) => Wrap(NativeOps.hy_select(Handle, dim, index));

    /// <summary>Rows (along <paramref name="dim"/>) picked by a 1-D int64 <paramref name="index"/>.</summary>
    public Tensor IndexSelect(long dim, Tensor index) => Wrap(NativeOps.hy_index_select(Handle, dim, index.Handle));

    /// <summary>out[i][j] = this[i][index[i][j]] for dim 1 (and likewise for any dim); index is int64.</summary>
    public Tensor Gather(long dim, Tensor index) => Wrap(NativeOps.hy_gather(Handle, dim, index.Handle));

    /// <summary>Copy of this tensor with out[i][index[i][j]] = src[i][j] for dim 1 (and likewise for any dim).</summary>
    public Tensor Scatter(long dim, Tensor index, Tensor source) => Wrap(NativeOps.hy_scatter(Handle, dim, index.Handle, source.Handle));

    /// <summary>Copy of this tensor with out[i][index[i][j]] += src[i][j] for dim 1 (and likewise for any dim).</summary>
    public Tensor ScatterAdd(long dim, Tensor index, Tensor source) => Wrap(NativeOps.hy_scatter_add(Handle, dim, index.Handle, source.Handle));

    /// <summary>Upper triangle of the last two dims: elements with col − row ≥ <paramref name="diagonal"/> kept, others zero.</summary>
    public Tensor Triu(long diagonal = 0) => Wrap(NativeOps.hy_triu(Handle, diagonal));

    /// <summary>Lower triangle of the last two dims: elements with col − row ≤ <paramref name="diagonal"/> kept, others zero.</summary>
    public Tensor Tril(long diagonal = 0) => Wrap(NativeOps.hy_tril(Handle, diagonal));
}
