// The feed-forward block of Llama and Qwen2: SwiGLU (Shazeer 2020), down(silu(gate(x)) · up(x)) (HF `mlp`).
using Hybrid.Models.Config;
using Hybrid.Tensors.Layers;

namespace Hybrid.Models.Decoder;

/// <summary>y = down_proj(silu(gate_proj(x)) ⊙ up_proj(x)); no biases (configs with mlp_bias are rejected on load).</summary>
public sealed class SwiGluMlp : HybridModule
{
    public SwiGluMlp(DecoderConfig config) : base(nameof(SwiGluMlp))
    {
        GateProj = RegisterModule("gate_proj", new Linear(config.HiddenSize, config.IntermediateSize, bias: false));
        UpProj = RegisterModule("up_proj", new Linear(config.HiddenSize, config.IntermediateSize, bias: false));
        DownProj = RegisterModule("down_proj", new Linear(config.IntermediateSize, config.HiddenSize, bias: false));
    }

    public Linear GateProj { get; }
    public Linear UpProj { get; }
    public Linear DownProj { get; }

    /// <summary>x [B, T, Dm] → [B, T, Dm].</summary>
    public Tensor Forward(Tensor x)
    {
        Tensor hidden = GateProj.Forward(x).silu() * UpProj.Forward(x);  // [B, T, F]
        return DownProj.Forward(hidden);                                 // [B, T, Dm]
    }
}
