// Root-mean-square layer normalisation (Zhang & Sennrich 2019), as used by Llama and Qwen2.
using TorchSharp.Modules;

namespace Hybrid.Tensors.Layers;

/// <summary>y = x / sqrt(mean(x², last dim) + eps) · weight; weight [dim] starts at ones. Computed in at least float32.</summary>
public sealed class RMSNorm : HybridModule
{
    public RMSNorm(long dim, double eps = 1e-6) : base(nameof(RMSNorm))
    {
        Eps = eps;
        RegisterParameter("weight", ones(dim));
    }

    public Parameter Weight => Param("weight");
    public double Eps { get; }

    public Tensor Forward(Tensor x) => Apply(x, Weight, Eps);

    /// <summary>
    /// x [.., D], weight [D] → [.., D] in x's dtype. As Hugging Face's LlamaRMSNorm: the statistics and the scaling are
    /// computed in float32 (or float64), the result cast back to x's dtype, then multiplied by the weight.
    /// </summary>
    public static Tensor Apply(Tensor x, Tensor weight, double eps)
    {
        using var sc = new ScalarScope();
        Tensor xf = x.AtLeastFloat32();                                                   // [.., D]
        Tensor normed = xf * (xf * xf).mean([-1], keepdim: true).add(sc[eps], sc[1]).rsqrt();  // [.., D]
        return weight * normed.to(x.dtype);                                               // [.., D]
    }
}
