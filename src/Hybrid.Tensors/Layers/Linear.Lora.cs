// LoRA on a Linear layer (Hu et al. 2021): a frozen weight plus a trainable low-rank update s · B A, PEFT's layout.
using TorchSharp.Modules;

namespace Hybrid.Tensors.Layers;

/// <summary>
/// LoRA (Hu et al. 2021, "LoRA: Low-Rank Adaptation of Large Language Models"): W x becomes W x + (α / r) · B A x with
/// A [r, in] and B [out, r] trainable and W frozen. A starts as PEFT's (Kaiming-uniform, a = √5: U(−1/√in, 1/√in)) and
/// B at zero, so an adapter just attached leaves the layer's output unchanged. A and B are the sub-modules
/// <c>lora_A</c> and <c>lora_B</c>, so their parameter names are PEFT's (<c>…q_proj.lora_A.weight</c>).
/// </summary>
public sealed partial class Linear
{
    private double _loraDropout;

    /// <summary>A [r, in] of the attached adapter, or null.</summary>
    public Linear? LoraA { get; private set; }

    /// <summary>B [out, r] of the attached adapter, or null.</summary>
    public Linear? LoraB { get; private set; }

    /// <summary>The update's scale s = α / r.</summary>
    public double LoraScaling { get; private set; }

    public long InFeatures => Weight.shape[1];
    public long OutFeatures => Weight.shape[0];

    /// <summary>
    /// Adds a rank-<paramref name="rank"/> adapter with scale <paramref name="alpha"/> / <paramref name="rank"/> and
    /// <paramref name="dropout"/> on its input (training mode only); freezes this layer's weight and bias.
    /// </summary>
    public void AttachLora(int rank, double alpha, double dropout)
    {
        if (LoraA is not null) throw new InvalidOperationException("a LoRA adapter is already attached to this layer");
        if (rank < 1) throw new ArgumentOutOfRangeException(nameof(rank), rank, "LoRA rank must be >= 1");
        if (dropout is < 0 or >= 1) throw new ArgumentOutOfRangeException(nameof(dropout), dropout, "LoRA dropout must be in [0, 1)");
        Weight.requires_grad_(false);
        Bias?.requires_grad_(false);
        var a = new Linear(InFeatures, rank, bias: false);                  // U(−1/√in, 1/√in), as PEFT's kaiming_uniform_(a=√5)
        var b = new Linear(rank, OutFeatures, bias: false);
        using (no_grad())
        using (NewDisposeScope()) b.Weight.zero_();                         // frees the wrapper the in-place op returns
        if (Weight.device.type != DeviceType.CPU) { a.to(Weight.device); b.to(Weight.device); }
        LoraA = RegisterModule("lora_A", a);
        LoraB = RegisterModule("lora_B", b);
        LoraScaling = alpha / rank;
        _loraDropout = dropout;
    }

    /// <summary>
    /// Stores the frozen weight and bias as <paramref name="dtype"/> (a LoRA base kept in bf16); <see cref="Forward"/>
    /// then computes this layer's product in that dtype. Only for a layer without gradients.
    /// </summary>
    public void StoreFrozenAs(ScalarType dtype)
    {
        foreach (string name in new[] { "weight", "bias" })
        {
            if (!_internal_params.TryGetValue(name, out Parameter? old) || old.dtype == dtype) continue;
            if (old.requires_grad) throw new InvalidOperationException($"{name} is trained: only a frozen layer is stored as {dtype}");
            Tensor converted;
            using (no_grad()) converted = old.to_type(dtype).DetachFromDisposeScope();
            _internal_params[name] = TensorUtil.NewParameter(converted, requiresGrad: false);
            old.Dispose();
        }
    }

    /// <summary>Sets s (rsLoRA scales by α / √r rather than α / r).</summary>
    public void SetLoraScaling(double scaling)
    {
        if (LoraA is null) throw new InvalidOperationException("no LoRA adapter is attached to this layer");
        LoraScaling = scaling;
    }

    /// <summary>s · drop(x) Aᵀ Bᵀ: x [.., in] → [.., out].</summary>
    private Tensor LoraDelta(Tensor x)
    {
        using var scope = NewDisposeScope();
        using var sc = new ScalarScope();
        Tensor input = _loraDropout > 0 && training ? nn.functional.dropout(x, _loraDropout, training: true) : x;
        Tensor down = LoraA!.Forward(input);                                // [.., r]
        Tensor up = LoraB!.Forward(down);                                   // [.., out]
        return up.mul(sc[LoraScaling]).MoveToOuterDisposeScope();
    }

    /// <summary>Folds the adapter into the weight (W += s · B A) and removes it; the weight stays frozen.</summary>
    public void MergeLora()
    {
        if (LoraA is null) return;
        using (no_grad())
        using (var scope = NewDisposeScope())
        {
            Tensor ba = LoraB!.Weight.to_type(ScalarType.Float32).matmul(LoraA.Weight.to_type(ScalarType.Float32));   // [out, in]
            using var sc = new ScalarScope();
            Weight.add_(ba.mul(sc[LoraScaling]).to_type(Weight.dtype), sc[1]);
        }
        RemoveLora();
    }

    /// <summary>Drops the adapter without merging it (the layer is the base layer again, still frozen).</summary>
    public void RemoveLora()
    {
        if (LoraA is null) return;
        _internal_submodules.Remove("lora_A");
        _internal_submodules.Remove("lora_B");
        LoraA.Dispose();
        LoraB!.Dispose();
        (LoraA, LoraB, LoraScaling) = (null, null, 0);
    }
}
