// The PPO critic's head: one scalar value per token from the decoder's hidden states.
using Hybrid.Tensors.Layers;

namespace Hybrid.Models.Heads;

/// <summary>
/// V(s_t) = h_t · w + b: a Linear(Dm, 1) over hidden states [B, T, Dm] → values [B, T] float32. Parameters
/// <c>weight</c> [1, Dm] and <c>bias</c> [1] (<c>v_head.weight</c> / <c>v_head.bias</c> inside
/// the PPO critic, <c>Hybrid.Training.Rl.Critic</c>). Initialised w ~ N(0, 0.02²), b = 0, so starting values are near 0.
/// </summary>
public sealed class ValueHead : HybridModule
{
    public ValueHead(long hiddenSize, double initStd = 0.02) : base(nameof(ValueHead))
    {
        using var noGrad = no_grad();
        Weight = RegisterParameter("weight", torch.empty([1, hiddenSize]).normal_(0, initStd));
        Bias = RegisterParameter("bias", torch.zeros([1]));
    }

    public Tensor Weight { get; }
    public Tensor Bias { get; }

    /// <summary>hidden [B, T, Dm] → values [B, T] float32.</summary>
    public Tensor Forward(Tensor hidden)
    {
        Tensor values = nn.functional.linear(hidden, Weight, Bias).squeeze(-1);  // [B, T]
        return values.AtLeastFloat32();
    }
}
