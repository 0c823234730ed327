// The PPO critic's head: one scalar value per token from the decoder's hidden states.
using Hybrid.Torch;
using Hybrid.Torch.NN;

namespace Hybrid.Models.Heads;

/// <summary>
/// V(s_t) = h_t · w + b: a Linear(Dm, 1) over hidden states [B, T, Dm] → values [B, T] float32. Parameters
/// <c>weight</c> [1, Dm] and <c>bias</c> [1] (<c>v_head.weight</c> / <c>v_head.bias</c> inside
/// <see cref="CausalLMWithValueHead"/>). Initialised w ~ N(0, 0.02²), b = 0, so starting values are near 0.
/// </summary>
public sealed class ValueHead : Module
{
    public ValueHead(long hiddenSize, double initStd = 0.02)
    {
        using var noGrad = LibTorch.NoGrad();
        Weight = RegisterParameter("weight", LibTorch.Empty([1, hiddenSize]).NormalInPlace(0, initStd));
        Bias = RegisterParameter("bias", LibTorch.Zeros([1]));
    }

    public Tensor Weight { get; }
    public Tensor Bias { get; }

    /// <summary>hidden [B, T, Dm] → values [B, T] float32.</summary>
    public Tensor Forward(Tensor hidden)
    {
        Tensor values = Functional.Linear(hidden, Weight, Bias).Squeeze(-1);  // [B, T]
        return values.AtLeastFloat32();
    }
}
