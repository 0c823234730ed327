// Fully connected layer y = x Wᵀ + b, initialised as PyTorch's nn.Linear.
namespace Hybrid.Torch.NN;

/// <summary>
/// y = x Wᵀ + b with weight [out, in] and optional bias [out]. Initialisation as PyTorch: W, b ~ U(−1/√in, 1/√in)
/// (Kaiming-uniform with a = √5), drawn from the global generator.
/// </summary>
public sealed class Linear : Module
{
    public Tensor Weight { get; }
    public Tensor? Bias { get; }

    public Linear(long inFeatures, long outFeatures, bool bias = true)
    {
        double bound = 1.0 / Math.Sqrt(inFeatures);
        using (LibTorch.NoGrad())
        {
            Weight = RegisterParameter("weight", LibTorch.Empty([outFeatures, inFeatures]).UniformInPlace(-bound, bound));
            if (bias) Bias = RegisterParameter("bias", LibTorch.Empty([outFeatures]).UniformInPlace(-bound, bound));
        }
    }

    /// <summary>x [..., in] → [..., out].</summary>
    public Tensor Forward(Tensor x) => Functional.Linear(x, Weight, Bias);
}
