// One pre-norm transformer block of Llama/Qwen2: x + Attn(RMSNorm(x)), then x + MLP(RMSNorm(x)) (HF `model.layers.i`).
using Hybrid.Models.Config;
using Hybrid.Tensors.Layers;

namespace Hybrid.Models.Decoder;

/// <summary>
/// <code>
///   x ─┬─ input_layernorm ─ self_attn ─(+)─┬─ post_attention_layernorm ─ mlp ─(+)─ out
///      └────────────────────────────────┘   └──────────────────────────────────┘
/// </code>
/// Sub-modules are registered in Hugging Face's state-dict order (self_attn, mlp, input_layernorm,
/// post_attention_layernorm), the order of <see cref="DecoderConfig.ParameterShapes"/>.
/// </summary>
public sealed class DecoderLayer : HybridModule
{
    private readonly int _index;

    public DecoderLayer(DecoderConfig config, int index) : base(nameof(DecoderLayer))
    {
        _index = index;
        SelfAttn = RegisterModule("self_attn", new SelfAttention(config));
        Mlp = RegisterModule("mlp", new SwiGluMlp(config));
        InputLayerNorm = RegisterModule("input_layernorm", new RMSNorm(config.HiddenSize, config.RmsNormEps));
        PostAttentionLayerNorm = RegisterModule("post_attention_layernorm", new RMSNorm(config.HiddenSize, config.RmsNormEps));
    }

    public SelfAttention SelfAttn { get; }
    public SwiGluMlp Mlp { get; }
    public RMSNorm InputLayerNorm { get; }
    public RMSNorm PostAttentionLayerNorm { get; }

    /// <summary>x [B, T, Dm] → [B, T, Dm]; see <see cref="SelfAttention.Forward"/> for the other arguments.</summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? allowed, KvCache? cache)
    {
        using var sc = new ScalarScope();   // the residual adds pass alpha = 1 explicitly (TorchSharp's x + y makes an unowned one)
        Tensor h = x.add(SelfAttn.Forward(InputLayerNorm.Forward(x), cos, sin, allowed, cache, _index), sc[1]);  // [B, T, Dm]
        return h.add(Mlp.Forward(PostAttentionLayerNorm.Forward(h)), sc[1]);                                     // [B, T, Dm]
    }
}
