// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, ICLR 2019), fused into one pass over each parameter.
using System.Numerics;
using System.Runtime.InteropServices;

namespace Hybrid.Tensors.Optim;

/// <summary>
/// AdamW in PyTorch's form. For step t ≥ 1 and every parameter p with gradient g:
/// <code>
/// p ← p − lr·λ·p                       (decoupled weight decay)
/// m ← β₁m + (1−β₁)g;   v ← β₂v + (1−β₂)g²
/// p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
/// </code>
/// Defaults are PyTorch's (lr 1e-3, β 0.9/0.999, ε 1e-8, λ 0.01). Parameters without a gradient are skipped.
/// The optimizer owns its state tensors m (<see cref="ExpAvg"/>) and v (<see cref="ExpAvgSq"/>), of the parameters'
/// dtype and device.
/// <para>
/// Speed: on the CPU, a contiguous float32/float64 parameter is updated by one SIMD loop that reads p, g, m, v once and
/// writes p, m, v once (split over the cores for large tensors) — TorchSharp's own AdamW issues about ten tensor ops per
/// parameter, each a full pass over memory. Elsewhere (CUDA, other layouts) the same formula runs as tensor ops.
/// </para>
/// </summary>
public sealed class AdamW : IDisposable
{
    /// <summary>Elements above which one parameter's update is split over the cores.</summary>
    private const int ParallelThreshold = 1 << 16;

    private readonly Tensor[] _parameters;

    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0.01)
    {
        if (!(lr >= 0) || double.IsInfinity(lr)) throw new ArgumentOutOfRangeException(nameof(lr), lr, "learning rate must be finite and >= 0");
        if (beta1 is < 0 or >= 1 || double.IsNaN(beta1)) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
        if (beta2 is < 0 or >= 1 || double.IsNaN(beta2)) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
        if (!(eps > 0)) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be > 0");
        if (!(weightDecay >= 0)) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be >= 0");
        _parameters = parameters.ToArray();
        LearningRate = lr;
        Beta1 = beta1;
        Beta2 = beta2;
        Eps = eps;
        WeightDecay = weightDecay;
        ExpAvg = new Tensor[_parameters.Length];
        ExpAvgSq = new Tensor[_parameters.Length];
        for (int i = 0; i < _parameters.Length; i++)
        {
            ExpAvg[i] = zeros_like(_parameters[i]).DetachFromDisposeScope();
            ExpAvgSq[i] = zeros_like(_parameters[i]).DetachFromDisposeScope();
        }
    }

    /// <summary>Current learning rate (a schedule sets it before each step).</summary>
    public double LearningRate { get; set; }
    public double Beta1 { get; }
    public double Beta2 { get; }
    public double Eps { get; }
    public double WeightDecay { get; }

    /// <summary>Steps taken so far (t of the last step); restore it with the state when resuming.</summary>
    public long StepCount { get; set; }

    public IReadOnlyList<Tensor> Parameters => _parameters;

    /// <summary>First-moment estimates m, one per parameter.</summary>
    public Tensor[] ExpAvg { get; }

    /// <summary>Second-moment estimates v, one per parameter.</summary>
    public Tensor[] ExpAvgSq { get; }

    /// <summary>Applies one update from the parameters' current gradients.</summary>
    public void Step()
    {
        StepCount++;
        double bc1 = 1 - Math.Pow(Beta1, StepCount), bc2 = 1 - Math.Pow(Beta2, StepCount);
        var c = new Coefficients(1 - LearningRate * WeightDecay, Beta1, Beta2, LearningRate / bc1, 1 / Math.Sqrt(bc2), Eps);
        using var noGrad = no_grad();
        for (int i = 0; i < _parameters.Length; i++)
        {
            using Tensor? g = _parameters[i].grad;
            if (g is null) continue;
            Tensor p = _parameters[i], m = ExpAvg[i], v = ExpAvgSq[i];
            if (!Fused.TryAdamW(p, g, m, v, c)) TensorOps(p, g, m, v, c);
        }
    }

    /// <summary>The same update as tensor ops (any device or layout).</summary>
    private static void TensorOps(Tensor p, Tensor g, Tensor m, Tensor v, Coefficients c)
    {
        using var scope = NewDisposeScope();
        using var sc = new ScalarScope();
        p.mul_(sc[c.Decay]);
        m.mul_(sc[c.Beta1]).add_(g, alpha: sc[1 - c.Beta1]);
        v.mul_(sc[c.Beta2]).addcmul_(g, g, value: sc[1 - c.Beta2]);
        Tensor denom = v.sqrt().mul_(sc[c.InvSqrtBc2]).add_(sc[c.Eps], sc[1]);
        p.addcdiv_(m, denom, value: sc[-c.StepSize]);
    }

    /// <summary>Drops every parameter's gradient (PyTorch's zero_grad(set_to_none=True)).</summary>
    public void ZeroGrad()
    {
        foreach (Tensor p in _parameters) p.grad = null;
    }

    public void Dispose()
    {
        foreach (Tensor t in ExpAvg) t.Dispose();
        foreach (Tensor t in ExpAvgSq) t.Dispose();
    }

    /// <summary>Per-step constants: decay = 1 − lr·λ, stepSize = lr/(1−β₁ᵗ), invSqrtBc2 = 1/√(1−β₂ᵗ).</summary>
    internal readonly record struct Coefficients(double Decay, double Beta1, double Beta2, double StepSize, double InvSqrtBc2, double Eps);

    /// <summary>The one-pass CPU kernels.</summary>
    internal static class Fused
    {
        public static bool TryAdamW(Tensor p, Tensor g, Tensor m, Tensor v, Coefficients c)
        {
            if (!Eligible(p, g, m, v)) return false;
            if (p.dtype == ScalarType.Float32) Run<float>(p, g, m, v, c);
            else Run<double>(p, g, m, v, c);
            return true;
        }

        internal static bool Eligible(params Tensor[] ts)
        {
            ScalarType dtype = ts[0].dtype;
            if (dtype is not (ScalarType.Float32 or ScalarType.Float64)) return false;
            foreach (Tensor t in ts)
                if (t.device_type != DeviceType.CPU || t.dtype != dtype || !t.is_contiguous() || t.NumberOfElements > int.MaxValue / 8) return false;
            return true;
        }

        private static void Run<T>(Tensor p, Tensor g, Tensor m, Tensor v, Coefficients c) where T : unmanaged, IFloatingPointIeee754<T>
        {
            int n = (int)p.NumberOfElements;
            unsafe
            {
                T* pp = Ptr<T>(p), gp = Ptr<T>(g), mp = Ptr<T>(m), vp = Ptr<T>(v);
                if (n < ParallelThreshold) { Kernel(pp, gp, mp, vp, 0, n, c); return; }
                int chunks = Environment.ProcessorCount, per = (n + chunks - 1) / chunks;
                Parallel.For(0, chunks, k => Kernel(pp, gp, mp, vp, k * per, Math.Min(n, (k + 1) * per), c));
            }
        }

        internal static unsafe T* Ptr<T>(Tensor t) where T : unmanaged =>
            (T*)System.Runtime.CompilerServices.Unsafe.AsPointer(ref MemoryMarshal.GetReference(t.bytes));

        private static unsafe void Kernel<T>(T* p, T* g, T* m, T* v, int from, int to, Coefficients c) where T : unmanaged, IFloatingPointIeee754<T>
        {
            T decay = T.CreateTruncating(c.Decay), b1 = T.CreateTruncating(c.Beta1), b2 = T.CreateTruncating(c.Beta2);
            T a1 = T.One - b1, a2 = T.One - b2, step = T.CreateTruncating(c.StepSize), inv = T.CreateTruncating(c.InvSqrtBc2);
            T eps = T.CreateTruncating(c.Eps);
            int i = from;
            if (Vector.IsHardwareAccelerated)
            {
                int w = Vector<T>.Count;
                var vDecay = new Vector<T>(decay); var vB1 = new Vector<T>(b1); var vB2 = new Vector<T>(b2);
                var vA1 = new Vector<T>(a1); var vA2 = new Vector<T>(a2); var vStep = new Vector<T>(step);
                var vInv = new Vector<T>(inv); var vEps = new Vector<T>(eps);
                for (; i <= to - w; i += w)
                {
                    var gi = Vector.Load(g + i);
                    var mi = vB1 * Vector.Load(m + i) + vA1 * gi;
                    var vi = vB2 * Vector.Load(v + i) + vA2 * gi * gi;
                    var pi = vDecay * Vector.Load(p + i) - vStep * mi / (Vector.SquareRoot(vi) * vInv + vEps);
                    mi.Store(m + i); vi.Store(v + i); pi.Store(p + i);
                }
            }
            for (; i < to; i++)
            {
                T gi = g[i];
                T mi = b1 * m[i] + a1 * gi, vi = b2 * v[i] + a2 * gi * gi;
                p[i] = decay * p[i] - step * mi / (T.Sqrt(vi) * inv + eps);
                m[i] = mi; v[i] = vi;
            }
        }
    }
}
