// Fully connected layer y = x Wᵀ + b, initialised as PyTorch's nn.Linear.
using TorchSharp.Modules;

namespace Hybrid.Tensors.Layers;

/// <summary>Weight [out, in] and optional bias [out], both ~ U(−1/√in, 1/√in) as PyTorch's nn.Linear.</summary>
public sealed partial class Linear : HybridModule
{
    public Linear(long inFeatures, long outFeatures, bool bias = true) : base(nameof(Linear))
    {
        double bound = 1.0 / Math.Sqrt(inFeatures);
        using var noGrad = no_grad();
        Tensor weight = empty(outFeatures, inFeatures), biasValues = empty(outFeatures);
        using (NewDisposeScope())  // frees the wrappers the in-place initialisers return
        {
            weight.uniform_(-bound, bound);
            if (bias) biasValues.uniform_(-bound, bound);
        }
        RegisterParameter("weight", weight);
        if (bias) RegisterParameter("bias", biasValues);
        else biasValues.Dispose();
    }

    public Parameter Weight => Param("weight");
    public Parameter? Bias => OptionalParam("bias");

    /// <summary>
    /// x [.., in] → [.., out]; in bf16 inside an <see cref="Autocast"/> region (the output then is bf16). With a LoRA
    /// adapter attached (<see cref="AttachLora"/>), its low-rank update is added: x Wᵀ + b + s · drop(x) Aᵀ Bᵀ.
    /// </summary>
    public Tensor Forward(Tensor x)
    {
        if (LoraA is null) return Autocast.Linear(x, Weight, Bias);
        using var scope = NewDisposeScope();
        using var sc = new ScalarScope();
        Tensor y = Autocast.Linear(x, Weight, Bias);                        // [.., out]
        Tensor delta = LoraDelta(x);                                        // [.., out]
        return y.add(delta.to_type(y.dtype), sc[1]).MoveToOuterDisposeScope();
    }
}
