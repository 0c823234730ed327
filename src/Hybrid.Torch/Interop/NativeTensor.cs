// Interop for native/hy_tensor.cpp: creation, metadata, data copies, in-place updates and autograd.
using System.Runtime.InteropServices;

namespace Hybrid.Torch.Interop;

internal static unsafe partial class NativeTensor
{
    // hy_tensor hy_tensor_from_data(const void* data, int64_t nbytes, int dtype, const int64_t* shape, int ndim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tensor_from_data(void* data, long nbytes, int dtype, long* shape, int ndim);

    // hy_tensor hy_tensor_empty(const int64_t* shape, int ndim, int dtype)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tensor_empty(long* shape, int ndim, int dtype);

    // hy_tensor hy_tensor_full(const int64_t* shape, int ndim, int dtype, double value)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tensor_full(long* shape, int ndim, int dtype, double value);

    // hy_tensor hy_tensor_arange(double start, double end, double step, int dtype)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tensor_arange(double start, double end, double step, int dtype);

    // hy_tensor hy_tensor_rand(const int64_t* shape, int ndim, int dtype)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tensor_rand(long* shape, int ndim, int dtype);

    // hy_tensor hy_tensor_randn(const int64_t* shape, int ndim, int dtype)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tensor_randn(long* shape, int ndim, int dtype);

    // hy_tensor hy_tensor_randint(int64_t low, int64_t high, const int64_t* shape, int ndim)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tensor_randint(long low, long high, long* shape, int ndim);

    // hy_tensor hy_tensor_multinomial(hy_tensor probs, int64_t num_samples)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tensor_multinomial(IntPtr probs, long numSamples);

    // int hy_tensor_ndim(hy_tensor)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_ndim(IntPtr t);

    // int hy_tensor_shape(hy_tensor, int64_t* out, int capacity): returns ndim
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_shape(IntPtr t, long* shape, int capacity);

    // int hy_tensor_dtype(hy_tensor)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_dtype(IntPtr t);

    // int64_t hy_tensor_numel(hy_tensor)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial long hy_tensor_numel(IntPtr t);

    // int hy_tensor_copy_to(hy_tensor, void* dst, int64_t nbytes)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_copy_to(IntPtr t, void* dst, long nbytes);

    // void* hy_tensor_data_ptr(hy_tensor)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial void* hy_tensor_data_ptr(IntPtr t);

    // int hy_tensor_item(hy_tensor, double* out)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_item(IntPtr t, double* value);

    // hy_tensor hy_tensor_to_dtype(hy_tensor, int dtype)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tensor_to_dtype(IntPtr t, int dtype);

    // hy_tensor hy_tensor_clone(hy_tensor)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tensor_clone(IntPtr t);

    // hy_tensor hy_tensor_contiguous(hy_tensor)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tensor_contiguous(IntPtr t);

    // hy_tensor hy_tensor_detach(hy_tensor)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tensor_detach(IntPtr t);

    // hy_tensor hy_tensor_alias(hy_tensor)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_tensor_alias(IntPtr t);

    // int hy_tensor_copy_(hy_tensor dst, hy_tensor src)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_copy_(IntPtr dst, IntPtr src);

    // int hy_tensor_fill_(hy_tensor, double)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_fill_(IntPtr t, double value);

    // int hy_tensor_add_(hy_tensor, hy_tensor other, double alpha)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_add_(IntPtr t, IntPtr other, double alpha);

    // int hy_tensor_mul_scalar_(hy_tensor, double)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_mul_scalar_(IntPtr t, double value);

    // int hy_tensor_normal_(hy_tensor, double mean, double std)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_normal_(IntPtr t, double mean, double std);

    // int hy_tensor_uniform_(hy_tensor, double from, double to)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_uniform_(IntPtr t, double from, double to);

    // int hy_tensor_set_data(hy_tensor, hy_tensor src)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_set_data(IntPtr t, IntPtr src);

    // int hy_tensor_requires_grad(hy_tensor)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_requires_grad(IntPtr t);

    // int hy_tensor_set_requires_grad(hy_tensor, int on)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_set_requires_grad(IntPtr t, int on);

    // int hy_tensor_grad(hy_tensor, hy_tensor* out): *out null when no gradient exists
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_grad(IntPtr t, IntPtr* grad);

    // int hy_tensor_zero_grad(hy_tensor)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_zero_grad(IntPtr t);

    // int hy_tensor_backward(hy_tensor, hy_tensor grad_or_null, int retain_graph)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_tensor_backward(IntPtr t, IntPtr grad, int retainGraph);
}
