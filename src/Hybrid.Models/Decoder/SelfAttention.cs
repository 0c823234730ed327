// Causal self-attention with grouped-query heads and rotary positions, as in Llama and Qwen2 (HF `self_attn`).
using Hybrid.Models.Config;
using Hybrid.Tensors.Layers;

namespace Hybrid.Models.Decoder;

/// <summary>
/// Multi-head causal attention where each of the Hkv key/value heads serves G = H / Hkv query heads (grouped-query
/// attention; G = 1 is ordinary multi-head attention). Query head h reads key/value head h / G, as HF's <c>repeat_kv</c>.
/// <code>
///   x ─┬─ q_proj ─ RoPE ─────────────────┐
///      ├─ k_proj ─ RoPE ─ (cache) ─ K ── softmax(q·Kᵀ/√D + mask) ─ ·V ─ o_proj ─ out
///      └─ v_proj ──────── (cache) ─ V ───┘
/// </code>
/// The G query heads of a group attend to their shared K and V as one [G·T, D] block, so K and V are never copied G
/// times; the attention itself is libtorch's scaled_dot_product_attention (see <see cref="Attend"/>).
/// </summary>
public sealed class SelfAttention : HybridModule
{
    private readonly int _heads, _kvHeads, _headDim;

    public SelfAttention(DecoderConfig config) : base(nameof(SelfAttention))
    {
        _heads = config.NumAttentionHeads;
        _kvHeads = config.NumKeyValueHeads;
        _headDim = config.HeadDim;
        long d = config.HiddenSize, qd = (long)_heads * _headDim, kvd = (long)_kvHeads * _headDim;
        QProj = RegisterModule("q_proj", new Linear(d, qd, bias: config.QkvBias));
        KProj = RegisterModule("k_proj", new Linear(d, kvd, bias: config.QkvBias));
        VProj = RegisterModule("v_proj", new Linear(d, kvd, bias: config.QkvBias));
        OProj = RegisterModule("o_proj", new Linear(qd, d, bias: config.OutputProjectionBias));
    }

    public Linear QProj { get; }
    public Linear KProj { get; }
    public Linear VProj { get; }
    public Linear OProj { get; }

    /// <summary>
    /// x [B, T, Dm] → [B, T, Dm]. cos/sin [B, T, 1, D] from <see cref="RotaryEmbedding.CosSin"/>; <paramref name="allowed"/>
    /// [B or 1, 1, G·T, S] from <see cref="AttentionMask.Allowed"/> (null: nothing blocked). With a cache, this layer's new
    /// keys/values are appended to it and the queries attend to all S cached + new tokens.
    /// </summary>
    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, Tensor? allowed, KvCache? cache, int layerIndex)
    {
        long b = x.size(0), t = x.size(1);
        int g = _heads / _kvHeads;
        Tensor q = RotaryEmbedding.Apply(QProj.Forward(x).view(b, t, _heads, _headDim), cos, sin);    // [B, T, H, D]
        Tensor k = RotaryEmbedding.Apply(KProj.Forward(x).view(b, t, _kvHeads, _headDim), cos, sin);  // [B, T, Hkv, D]
        Tensor v = VProj.Forward(x).view(b, t, _kvHeads, _headDim);                                   // [B, T, Hkv, D]
        Tensor keys = k.transpose(1, 2);                                                              // [B, Hkv, T, D]
        Tensor values = v.transpose(1, 2);                                                            // [B, Hkv, T, D]
        if (cache is not null) (keys, values) = cache.Append(layerIndex, keys, values);               // [B, Hkv, S, D]
        long s = keys.size(2);

        // Query head h = kv·G + j sits in group kv at slot j: [B, T, Hkv, G, D] → [B, Hkv, G·T, D].
        Tensor grouped = q.view(b, t, _kvHeads, g, _headDim).permute(0, 2, 3, 1, 4).reshape(b, _kvHeads, g * t, _headDim);
        Tensor attended = Attend(grouped, keys, values, allowed);                                  // [B, Hkv, G·T, D]
        Tensor context = attended                                                                     // [B, Hkv, G·T, D]
            .view(b, _kvHeads, g, t, _headDim).permute(0, 3, 1, 2, 4).reshape(b, t, _heads * _headDim); // [B, T, H·D]
        return OProj.Forward(context);                                                                // [B, T, Dm]
    }

    /// <summary>
    /// softmax(q·Kᵀ/√D + mask)·V by libtorch's <c>scaled_dot_product_attention</c> (its fused CPU/CUDA kernels), in the
    /// inputs' dtype (bf16 under <see cref="Autocast"/>). <paramref name="grouped"/> [B, Hkv, G·T, D] holds the G query
    /// heads of each key/value head one after another; <paramref name="keys"/>, <paramref name="values"/> [B, Hkv, S, D];
    /// <paramref name="allowed"/> [B|1, 1, G·T, S] from <see cref="AttentionMask.Allowed"/> (true = may attend) or null.
    /// Returns [B, Hkv, G·T, D].
    /// </summary>
    internal static Tensor Attend(Tensor grouped, Tensor keys, Tensor values, Tensor? allowed) =>
        nn.functional.scaled_dot_product_attention(grouped, keys, values, allowed);                   // [B, Hkv, G·T, D]
}
