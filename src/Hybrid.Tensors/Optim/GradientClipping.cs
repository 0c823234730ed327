// Global-norm gradient clipping (Pascanu et al. 2013), as torch.nn.utils.clip_grad_norm_, in one read and one scale pass.
using System.Numerics;

namespace Hybrid.Tensors.Optim;

public static class GradientClipping
{
    /// <summary>
    /// Computes the 2-norm N of all gradients taken together and, when N exceeds <paramref name="maxNorm"/>, scales every
    /// gradient by maxNorm / (N + 1e-6). Returns N before clipping (the <c>grad_norm</c> metric); parameters without a
    /// gradient are skipped. A non-finite N is returned as is and nothing is scaled (the caller decides to skip the step).
    /// CPU float32/float64 gradients are squared and summed in double precision by one SIMD pass each; others by tensor ops.
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
            using var sc = new ScalarScope();
            Scalar scale = sc[maxNorm / (norm + 1e-6)];
            foreach (Tensor g in grads) g.mul_(scale);
        }
        return norm;
    }

    private static double SumOfSquares(Tensor g)
    {
        if (!AdamW.Fused.Eligible(g))
        {
            using Tensor g64 = g.to(ScalarType.Float64);
            return (g64 * g64).sum().ToDouble();
        }
        return g.dtype == ScalarType.Float32 ? SumFloat(g) : SumDouble(g);
    }

    /// <summary>Σ g² of a float32 tensor, each element widened to double before it is squared and added.</summary>
    private static unsafe double SumFloat(Tensor g)
    {
        float* p = AdamW.Fused.Ptr<float>(g);
        int n = (int)g.NumberOfElements, i = 0;
        var acc = Vector<double>.Zero;
        if (Vector.IsHardwareAccelerated)
            for (int w = Vector<float>.Count; i <= n - w; i += w)
            {
                Vector.Widen(Vector.Load(p + i), out Vector<double> lo, out Vector<double> hi);
                acc += lo * lo + hi * hi;
            }
        double total = Vector.Sum(acc);
        for (; i < n; i++) total += (double)p[i] * p[i];
        return total;
    }

    private static unsafe double SumDouble(Tensor g)
    {
        double* p = AdamW.Fused.Ptr<double>(g);
        int n = (int)g.NumberOfElements, i = 0;
        var acc = Vector<double>.Zero;
        if (Vector.IsHardwareAccelerated)
            for (int w = Vector<double>.Count; i <= n - w; i += w) { var x = Vector.Load(p + i); acc += x * x; }
        double total = Vector.Sum(acc);
        for (; i < n; i++) total += p[i] * p[i];
        return total;
    }
}
