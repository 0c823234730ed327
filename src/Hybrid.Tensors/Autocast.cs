// Mixed precision by scope: inside `using (Autocast.Enable(bf16))`, matmul layers compute in bf16 on fp32 master weights.

namespace Hybrid.Tensors;

/// <summary>
/// TorchSharp has no <c>torch.autocast</c>, so the layers that own the matmuls ask this class which dtype to compute in.
/// While a region is open on the calling thread, <see cref="Layers.Linear"/>, the LM head and attention cast their
/// floating-point inputs and weights to <see cref="ComputeType"/> (bf16) for the product; everything else keeps its
/// dtype: master weights and optimizer state stay fp32, the residual stream stays fp32 (a bf16 layer output added to
/// it promotes to fp32), RMSNorm and softmax statistics run in fp32, and logits are widened to fp32 before log-softmax and
/// the losses. Gradients flow back through the casts into the fp32 weights.
/// <code>
/// using (Autocast.Enable(options.Bf16 ? ScalarType.BFloat16 : null)) { loss = Step(batch); }  loss.backward();
/// </code>
/// </summary>
public static class Autocast
{
    [ThreadStatic] private static ScalarType? t_computeType;

    /// <summary>The dtype matmul layers compute in on this thread, or null outside any region (full precision).</summary>
    public static ScalarType? ComputeType => t_computeType;

    /// <summary>Opens a region computing in <paramref name="computeType"/> (bf16 or f16; null: no change) until disposed.</summary>
    public static Region Enable(ScalarType? computeType)
    {
        if (computeType is { } t && t is not (ScalarType.BFloat16 or ScalarType.Float16))
            throw new ArgumentException($"autocast computes in BFloat16 or Float16, not {t}", nameof(computeType));
        var region = new Region(t_computeType);
        if (computeType is not null) t_computeType = computeType;
        return region;
    }

    /// <summary><paramref name="x"/> in the compute dtype when a region is open and x is float32, else x itself.</summary>
    public static Tensor Cast(Tensor x) =>
        t_computeType is { } t && x.dtype == ScalarType.Float32 ? x.to(t) : x;

    /// <summary>y = x Wᵀ + b, in the compute dtype inside a region (inputs and weights cast per use), else as given.</summary>
    public static Tensor Linear(Tensor x, Tensor weight, Tensor? bias = null)
    {
        if (t_computeType is not null) return nn.functional.linear(Cast(x), Cast(weight), bias is null ? null : Cast(bias));
        if (weight.dtype == x.dtype) return nn.functional.linear(x, weight, bias);
        // A weight stored in another dtype (a LoRA base kept in bf16): computed in the weight's dtype, returned in x's.
        using var scope = NewDisposeScope();
        return nn.functional.linear(x.to_type(weight.dtype), weight, bias?.to_type(weight.dtype)).to_type(x.dtype).MoveToOuterDisposeScope();
    }

    /// <summary>Restores the previous compute dtype when disposed.</summary>
    public readonly struct Region : IDisposable
    {
        private readonly ScalarType? _previous;
        internal Region(ScalarType? previous) => _previous = previous;
        public void Dispose() => t_computeType = _previous;
    }
}
