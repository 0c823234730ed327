// Global-norm gradient clipping (Pascanu et al. 2013), as torch.nn.utils.clip_grad_norm_.
using Hybrid.Torch.Interop;

namespace Hybrid.Torch.Optim;

public static class GradientClipping
{
    /// <summary>
    /// Computes the 2-norm N of all gradients taken together and, when N exceeds <paramref name="maxNorm"/>, scales every
    /// gradient by maxNorm / (N + 1e-6). Returns N before clipping (the <c>grad_norm</c> metric).
    /// </summary>
    public static unsafe double ClipGradNorm(IReadOnlyList<Tensor> parameters, double maxNorm)
    {
        if (maxNorm <= 0) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "max norm must be > 0");
        Span<IntPtr> handles = parameters.Count <= 256 ? stackalloc IntPtr[parameters.Count] : new IntPtr[parameters.Count];
        for (int i = 0; i < handles.Length; i++) handles[i] = parameters[i].Handle;
        double total;
        fixed (IntPtr* h = handles) TorchException.Check(NativeNN.hy_clip_grad_norm(h, handles.Length, maxNorm, &total));
        return total;
    }
}
