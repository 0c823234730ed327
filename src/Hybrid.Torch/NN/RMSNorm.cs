// Root-mean-square layer normalisation (Zhang & Sennrich 2019), as used by Llama and Qwen2.
namespace Hybrid.Torch.NN;

/// <summary>y = x / sqrt(mean(x², last dim) + eps) · weight; weight [dim] starts at ones. Computed in float32.</summary>
public sealed class RMSNorm : Module
{
    public Tensor Weight { get; }
    public double Eps { get; }

    public RMSNorm(long dim, double eps = 1e-6)
    {
        Eps = eps;
        Weight = RegisterParameter("weight", LibTorch.Ones([dim]));
    }

    public Tensor Forward(Tensor x) => Functional.RmsNorm(x, Weight, Eps);
}
