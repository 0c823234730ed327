// Interop for native/hy_nn.cpp and native/hy_bench.cpp: nn functions, AdamW, gradient clipping, the C++ bench step.
using System.Runtime.InteropServices;

namespace Hybrid.Torch.Interop;

internal static unsafe partial class NativeNN
{
    // hy_tensor hy_embedding(hy_tensor weight, hy_tensor indices)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_embedding(IntPtr weight, IntPtr indices);

    // hy_tensor hy_linear(hy_tensor x, hy_tensor weight, hy_tensor bias_or_null)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_linear(IntPtr x, IntPtr weight, IntPtr bias);

    // hy_tensor hy_rms_norm(hy_tensor x, hy_tensor weight, double eps)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_rms_norm(IntPtr x, IntPtr weight, double eps);

    // hy_tensor hy_cross_entropy(hy_tensor logits, hy_tensor target, int64_t ignore_index, int reduction, double label_smoothing)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_cross_entropy(IntPtr logits, IntPtr target, long ignoreIndex, int reduction, double labelSmoothing);

    // hy_tensor hy_dropout(hy_tensor x, double p, int train)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial IntPtr hy_dropout(IntPtr x, double p, int train);

    // int hy_adamw_step(const hy_tensor* params, const hy_tensor* exp_avg, const hy_tensor* exp_avg_sq, int n,
    //                   double lr, double beta1, double beta2, double eps, double weight_decay, int64_t step)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_adamw_step(IntPtr* parameters, IntPtr* expAvg, IntPtr* expAvgSq, int n,
        double lr, double beta1, double beta2, double eps, double weightDecay, long step);

    // int hy_clip_grad_norm(const hy_tensor* params, int n, double max_norm, double* total_norm)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_clip_grad_norm(IntPtr* parameters, int n, double maxNorm, double* totalNorm);

    // int hy_zero_grad(const hy_tensor* params, int n)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_zero_grad(IntPtr* parameters, int n);

    // int hy_bench_block_cpp(const hy_tensor* params, int n, hy_tensor tokens, hy_tensor targets, int64_t heads, int steps,
    //                        double lr, double weight_decay, float* losses)
    [LibraryImport(NativeLibraryName.Shim)]
    internal static partial int hy_bench_block_cpp(IntPtr* parameters, int n, IntPtr tokens, IntPtr targets, long heads, int steps,
        double lr, double weightDecay, float* losses);
}
