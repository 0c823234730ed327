// AdamW: Adam with decoupled weight decay (Loshchilov & Hutter, ICLR 2019), one native call per step.
using Hybrid.Torch.Interop;

namespace Hybrid.Torch.Optim;

/// <summary>
/// AdamW in PyTorch's form. For step t ≥ 1 and every parameter p with gradient g:
/// <code>
/// p ← p − lr·λ·p                       (decoupled weight decay)
/// m ← β₁m + (1−β₁)g;   v ← β₂v + (1−β₂)g²
/// p ← p − lr/(1−β₁ᵗ) · m / (√v/√(1−β₂ᵗ) + ε)
/// </code>
/// Defaults are PyTorch's (lr 1e-3, β 0.9/0.999, ε 1e-8, λ 0.01). Parameters without a gradient are skipped.
/// The optimizer owns its state tensors m (<see cref="ExpAvg"/>) and v (<see cref="ExpAvgSq"/>).
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly Tensor[] _parameters;
    private readonly IntPtr[] _parameterHandles;
    private readonly IntPtr[] _expAvgHandles;
    private readonly IntPtr[] _expAvgSqHandles;

    public AdamW(IEnumerable<Tensor> parameters, double lr = 1e-3, double beta1 = 0.9, double beta2 = 0.999, double eps = 1e-8,
        double weightDecay = 0.01)
    {
        if (lr < 0) throw new ArgumentOutOfRangeException(nameof(lr), lr, "learning rate must be >= 0");
        if (beta1 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta1), beta1, "beta1 must be in [0, 1)");
        if (beta2 is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(beta2), beta2, "beta2 must be in [0, 1)");
        if (eps <= 0) throw new ArgumentOutOfRangeException(nameof(eps), eps, "eps must be > 0");
        if (weightDecay < 0) throw new ArgumentOutOfRangeException(nameof(weightDecay), weightDecay, "weight decay must be >= 0");
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
            ExpAvg[i] = LibTorch.Zeros(_parameters[i].Shape, _parameters[i].DType).DetachFromScope();
            ExpAvgSq[i] = LibTorch.Zeros(_parameters[i].Shape, _parameters[i].DType).DetachFromScope();
        }
        _parameterHandles = _parameters.Select(p => p.Handle).ToArray();
        _expAvgHandles = ExpAvg.Select(p => p.Handle).ToArray();
        _expAvgSqHandles = ExpAvgSq.Select(p => p.Handle).ToArray();
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
    public unsafe void Step()
    {
        StepCount++;
        fixed (IntPtr* p = _parameterHandles)
        fixed (IntPtr* m = _expAvgHandles)
        fixed (IntPtr* v = _expAvgSqHandles)
            TorchException.Check(NativeNN.hy_adamw_step(p, m, v, _parameters.Length, LearningRate, Beta1, Beta2, Eps, WeightDecay, StepCount));
    }

    /// <summary>Drops every parameter's gradient (PyTorch's zero_grad(set_to_none=True)).</summary>
    public unsafe void ZeroGrad()
    {
        fixed (IntPtr* p = _parameterHandles) TorchException.Check(NativeNN.hy_zero_grad(p, _parameterHandles.Length));
    }

    public void Dispose()
    {
        foreach (Tensor t in ExpAvg) t.Dispose();
        foreach (Tensor t in ExpAvgSq) t.Dispose();
    }
}
