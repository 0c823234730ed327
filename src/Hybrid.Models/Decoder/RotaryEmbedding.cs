// Rotary position embedding (Su et al. 2021, RoFormer) in Hugging Face's "rotate_half" layout, as Llama and Qwen2 use it.

namespace Hybrid.Models.Decoder;

/// <summary>
/// RoPE: a query or key vector x of head size D is rotated by position-dependent angles,
/// <c>x' = x·cos + rotate_half(x)·sin</c>, with <c>rotate_half(x) = cat(−x[D/2:], x[:D/2])</c>,
/// angles <c>position · inv_freq[i]</c>, <c>inv_freq[i] = 1 / θ^(2i/D)</c> for i &lt; D/2, and cos/sin duplicated across the
/// two halves. Dimension i is paired with i + D/2 (not with i + 1 as in the paper), matching HF checkpoints.
/// </summary>
internal static class RotaryEmbedding
{
    /// <summary>
    /// cos and sin of the angles for <paramref name="positions"/> [B, T] int64, shaped [B, T, 1, D] to broadcast over the
    /// heads of a [B, T, H, D] tensor, in <paramref name="dtype"/>. As Hugging Face does: inv_freq and the angles
    /// <c>position · inv_freq</c> in float32, then cos/sin in float32 — in float64 throughout for a float64 model.
    /// </summary>
    public static (Tensor Cos, Tensor Sin) CosSin(Tensor positions, int headDim, double theta, ScalarType dtype)
    {
        ScalarType angleType = dtype.AtLeastFloat32();
        int half = headDim / 2;
        var invFreq = new double[half];
        for (int i = 0; i < half; i++) invFreq[i] = angleType == ScalarType.Float64 ? 1.0 / Math.Pow(theta, 2.0 * i / headDim) : (float)(1.0 / Math.Pow(theta, 2.0 * i / headDim));
        Tensor angles = positions.to(angleType).unsqueeze(-1) * torch.tensor(invFreq).to(angleType);  // [B, T, D/2]
        Tensor emb = torch.cat([angles, angles], -1).unsqueeze(2);                                   // [B, T, 1, D]
        Tensor cos = emb.cos(), sin = emb.sin();                                                        // [B, T, 1, D]
        return dtype == angleType ? (cos, sin) : (cos.to(dtype), sin.to(dtype));
    }

    /// <summary>x' = x·cos + rotate_half(x)·sin for x [B, T, H, D] and cos/sin [B, T, 1, D] → [B, T, H, D].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.size(-1) / 2;
        Tensor first = x.slice(-1, 0, half, 1);                        // [B, T, H, D/2] x1
        Tensor second = x.slice(-1, half, long.MaxValue, 1);                          // [B, T, H, D/2] x2
        Tensor rotated = torch.cat([second.neg(), first], -1);   // [B, T, H, D] rotate_half(x) = cat(−x2, x1)
        if (cos.dtype != x.dtype) (cos, sin) = (cos.to(x.dtype), sin.to(x.dtype));  // bf16 q/k under autocast
        using var sc = new ScalarScope();
        return (x * cos).add(rotated * sin, sc[1]);                    // [B, T, H, D]
    }
}
