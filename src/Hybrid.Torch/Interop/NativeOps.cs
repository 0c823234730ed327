// Interop for native/hy_ops.cpp: element-wise math, comparisons, reductions, matrix products and shape ops.
using System.Runtime.InteropServices;

namespace Hybrid.Torch.Interop;

internal static unsafe partial class NativeOps
{
    // hy_tensor hy_neg(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_neg(IntPtr a);

    // hy_tensor hy_abs(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_abs(IntPtr a);

    // hy_tensor hy_exp(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_exp(IntPtr a);

    // hy_tensor hy_log(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_log(IntPtr a);

    // hy_tensor hy_log1p(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_log1p(IntPtr a);

    // hy_tensor hy_sqrt(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_sqrt(IntPtr a);

    // hy_tensor hy_rsqrt(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_rsqrt(IntPtr a);

    // hy_tensor hy_sigmoid(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_sigmoid(IntPtr a);

    // hy_tensor hy_log_sigmoid(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_log_sigmoid(IntPtr a);

    // hy_tensor hy_silu(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_silu(IntPtr a);

    // hy_tensor hy_relu(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_relu(IntPtr a);

    // hy_tensor hy_tanh(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tanh(IntPtr a);

    // hy_tensor hy_cos(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_cos(IntPtr a);

    // hy_tensor hy_sin(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_sin(IntPtr a);

    // hy_tensor hy_sign(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_sign(IntPtr a);

    // hy_tensor hy_logical_not(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_logical_not(IntPtr a);

    // hy_tensor hy_sum_all(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_sum_all(IntPtr a);

    // hy_tensor hy_mean_all(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_mean_all(IntPtr a);

    // hy_tensor hy_max_all(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_max_all(IntPtr a);

    // hy_tensor hy_min_all(hy_tensor a)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_min_all(IntPtr a);

    // hy_tensor hy_add(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_add(IntPtr a, IntPtr b);

    // hy_tensor hy_sub(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_sub(IntPtr a, IntPtr b);

    // hy_tensor hy_mul(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_mul(IntPtr a, IntPtr b);

    // hy_tensor hy_div(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_div(IntPtr a, IntPtr b);

    // hy_tensor hy_pow(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_pow(IntPtr a, IntPtr b);

    // hy_tensor hy_maximum(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_maximum(IntPtr a, IntPtr b);

    // hy_tensor hy_minimum(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_minimum(IntPtr a, IntPtr b);

    // hy_tensor hy_eq(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_eq(IntPtr a, IntPtr b);

    // hy_tensor hy_ne(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_ne(IntPtr a, IntPtr b);

    // hy_tensor hy_lt(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_lt(IntPtr a, IntPtr b);

    // hy_tensor hy_le(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_le(IntPtr a, IntPtr b);

    // hy_tensor hy_gt(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_gt(IntPtr a, IntPtr b);

    // hy_tensor hy_ge(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_ge(IntPtr a, IntPtr b);

    // hy_tensor hy_logical_and(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_logical_and(IntPtr a, IntPtr b);

    // hy_tensor hy_logical_or(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_logical_or(IntPtr a, IntPtr b);

    // hy_tensor hy_matmul(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_matmul(IntPtr a, IntPtr b);

    // hy_tensor hy_bmm(hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_bmm(IntPtr a, IntPtr b);

    // hy_tensor hy_add_scalar(hy_tensor a, double s)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_add_scalar(IntPtr a, double s);

    // hy_tensor hy_mul_scalar(hy_tensor a, double s)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_mul_scalar(IntPtr a, double s);

    // hy_tensor hy_div_scalar(hy_tensor a, double s)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_div_scalar(IntPtr a, double s);

    // hy_tensor hy_rsub_scalar(hy_tensor a, double s)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_rsub_scalar(IntPtr a, double s);

    // hy_tensor hy_rdiv_scalar(hy_tensor a, double s)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_rdiv_scalar(IntPtr a, double s);

    // hy_tensor hy_pow_scalar(hy_tensor a, double s)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_pow_scalar(IntPtr a, double s);

    // hy_tensor hy_eq_scalar(hy_tensor a, double s)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_eq_scalar(IntPtr a, double s);

    // hy_tensor hy_ne_scalar(hy_tensor a, double s)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_ne_scalar(IntPtr a, double s);

    // hy_tensor hy_lt_scalar(hy_tensor a, double s)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_lt_scalar(IntPtr a, double s);

    // hy_tensor hy_le_scalar(hy_tensor a, double s)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_le_scalar(IntPtr a, double s);

    // hy_tensor hy_gt_scalar(hy_tensor a, double s)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_gt_scalar(IntPtr a, double s);

    // hy_tensor hy_ge_scalar(hy_tensor a, double s)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_ge_scalar(IntPtr a, double s);

    // hy_tensor hy_where(hy_tensor cond, hy_tensor a, hy_tensor b)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_where(IntPtr cond, IntPtr a, IntPtr b);

    // hy_tensor hy_masked_fill(hy_tensor a, hy_tensor mask, double value)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_masked_fill(IntPtr a, IntPtr mask, double value);

    // hy_tensor hy_clamp(hy_tensor a, int has_min, double min, int has_max, double max)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_clamp(IntPtr a, int hasMin, double min, int hasMax, double max);

    // hy_tensor hy_sum(hy_tensor a, const int64_t* dims, int n, int keepdim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_sum(IntPtr a, long* dims, int n, int keepdim);

    // hy_tensor hy_mean(hy_tensor a, const int64_t* dims, int n, int keepdim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_mean(IntPtr a, long* dims, int n, int keepdim);

    // hy_tensor hy_logsumexp(hy_tensor a, const int64_t* dims, int n, int keepdim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_logsumexp(IntPtr a, long* dims, int n, int keepdim);

    // int hy_max_dim(hy_tensor a, int64_t dim, int keepdim, hy_tensor* values, hy_tensor* indices)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_max_dim(IntPtr a, long dim, int keepdim, IntPtr* values, IntPtr* indices);

    // int hy_min_dim(hy_tensor a, int64_t dim, int keepdim, hy_tensor* values, hy_tensor* indices)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_min_dim(IntPtr a, long dim, int keepdim, IntPtr* values, IntPtr* indices);

    // hy_tensor hy_argmax(hy_tensor a, int64_t dim, int keepdim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_argmax(IntPtr a, long dim, int keepdim);

    // hy_tensor hy_std(hy_tensor a, const int64_t* dims, int n, int unbiased, int keepdim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_std(IntPtr a, long* dims, int n, int unbiased, int keepdim);

    // hy_tensor hy_var(hy_tensor a, const int64_t* dims, int n, int unbiased, int keepdim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_var(IntPtr a, long* dims, int n, int unbiased, int keepdim);

    // hy_tensor hy_sort(hy_tensor a, int64_t dim, int descending, hy_tensor* indices)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_sort(IntPtr a, long dim, int descending, IntPtr* indices);

    // hy_tensor hy_cumsum(hy_tensor a, int64_t dim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_cumsum(IntPtr a, long dim);

    // hy_tensor hy_softmax(hy_tensor a, int64_t dim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_softmax(IntPtr a, long dim);

    // hy_tensor hy_log_softmax(hy_tensor a, int64_t dim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_log_softmax(IntPtr a, long dim);

    // hy_tensor hy_topk(hy_tensor a, int64_t k, int64_t dim, hy_tensor* indices)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_topk(IntPtr a, long k, long dim, IntPtr* indices);

    // hy_tensor hy_reshape(hy_tensor a, const int64_t* shape, int n)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_reshape(IntPtr a, long* shape, int n);

    // hy_tensor hy_view(hy_tensor a, const int64_t* shape, int n)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_view(IntPtr a, long* shape, int n);

    // hy_tensor hy_expand(hy_tensor a, const int64_t* shape, int n)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_expand(IntPtr a, long* shape, int n);

    // hy_tensor hy_permute(hy_tensor a, const int64_t* dims, int n)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_permute(IntPtr a, long* dims, int n);

    // hy_tensor hy_repeat(hy_tensor a, const int64_t* repeats, int n)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_repeat(IntPtr a, long* repeats, int n);

    // hy_tensor hy_transpose(hy_tensor a, int64_t d0, int64_t d1)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_transpose(IntPtr a, long dim0, long dim1);

    // hy_tensor hy_flatten(hy_tensor a, int64_t start, int64_t end)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_flatten(IntPtr a, long start, long end);

    // hy_tensor hy_squeeze(hy_tensor a, int64_t dim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_squeeze(IntPtr a, long dim);

    // hy_tensor hy_unsqueeze(hy_tensor a, int64_t dim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_unsqueeze(IntPtr a, long dim);

    // hy_tensor hy_slice(hy_tensor a, int64_t dim, int64_t start, int64_t end, int64_t step)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_slice(IntPtr a, long dim, long start, long end, long step);

    // hy_tensor hy_select(hy_tensor a, int64_t dim, int64_t index)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_select(IntPtr a, long dim, long index);

    // hy_tensor hy_index_select(hy_tensor a, int64_t dim, hy_tensor index)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_index_select(IntPtr a, long dim, IntPtr index);

    // hy_tensor hy_gather(hy_tensor a, int64_t dim, hy_tensor index)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_gather(IntPtr a, long dim, IntPtr index);

    // hy_tensor hy_scatter(hy_tensor a, int64_t dim, hy_tensor index, hy_tensor src)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_scatter(IntPtr a, long dim, IntPtr index, IntPtr src);

    // hy_tensor hy_scatter_add(hy_tensor a, int64_t dim, hy_tensor index, hy_tensor src)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_scatter_add(IntPtr a, long dim, IntPtr index, IntPtr src);

    // hy_tensor hy_triu(hy_tensor a, int64_t diagonal)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_triu(IntPtr a, long diagonal);

    // hy_tensor hy_tril(hy_tensor a, int64_t diagonal)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tril(IntPtr a, long diagonal);

    // hy_tensor hy_cat(const hy_tensor* tensors, int n, int64_t dim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_cat(IntPtr* tensors, int n, long dim);

    // hy_tensor hy_stack(const hy_tensor* tensors, int n, int64_t dim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_stack(IntPtr* tensors, int n, long dim);
}
