// Global-norm gradient clipping (Pascanu et al. 2013), as torch.nn.utils.clip_grad_norm_, in one read and one scale pass.
using System.Numerics;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Tensors.Optim;

public static class GradientClipping
{
    /// <summary>
    /// Computes the 2-norm N of all gradients taken together and, when N exceeds <paramref name="maxNorm"/>, scales every
    /// gradient by maxNorm / (N + 1e-6). Returns N before clipping (the <c>grad_norm</c> metric); parameters without a
    /// gradient are skipped. A non-finite N is returned as is and nothing is scaled (the caller decides to skip the step).
    /// CPU float32/float64 gradients are summed in double precision by one SIMD pass each; others by tensor ops.
    /// </summary>
    public static double ClipGradNorm(IReadOnlyList<Tensor> parameters, double maxNorm)
    {
        if (!(maxNorm > 0)) throw new ArgumentOutOfRangeException(nameof(maxNorm), maxNorm, "max norm must be > 0");
        using var scope = NewDisposeScope();
        using var noGrad = no_grad();
        var grads = new List<Tensor>(parameters.Count);
        foreach (Tensor p in parameters)
            if (p.grad is { } g) grads.Add(g);
        double sumSquares = 0;
        foreach (Tensor g in grads) sumSquares += SumOfSquares(g);
        double norm = Math.Sqrt(sumSquares);
        if (double.IsFinite(norm) && norm > maxNorm)
        {
            double scale = maxNorm / (norm + 1e-6);
            foreach (Tensor g in grads) g.mul_(scale);
        }
        return norm;
    }

    private static double SumOfSquares(Tensor g)
    {
        if (!AdamW.Fused.Eligible(g)) return g.to(ScalarType.Float64).square().sum().ToDouble();
        return g.dtype == ScalarType.Float32 ? Sum<float>(g) : Sum<double>(g);
    }

    private static unsafe double Sum<T>(Tensor g) where T : unmanaged, IFloatingPointIeee754<T>
    {
        T* p = AdamW.Fused.Ptr<T>(g);
        int n = (int)g.NumberOfElements, i = 0;
        double total = 0;
        if (Vector.IsHardwareAccelerated)
        {
            // Blocks of 4096 elements are summed in T, then added in double: no long float32 accumulation.
            int w = Vector<T>.Count;
            for (; i <= n - w; )
            {
                int end = Math.Min(n - (n - i) % w, i + 4096);
                var acc = Vector<T>.Zero;
                for (; i < end; i += w) { var x = Vector.Load(p + i); acc += x * x; }
                total += double.CreateTruncating(Vector.Sum(acc));
            }
        }
        for (; i < n; i++) total += double.CreateTruncating(p[i] * p[i]);
        return total;
    }
}
