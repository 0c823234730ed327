// Rotary position embedding (Su et al. 2021, RoFormer) in Hugging Face's "rotate_half" layout, as Llama and Qwen2 use it.
using Hybrid.Torch;

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
    /// heads of a [B, T, H, D] tensor, in <paramref name="dtype"/>.
    /// <para>
    /// Computed on the host (the binding has no cos/sin op): the angle is rounded to float32 as Hugging Face's float32
    /// <c>inv_freq · position</c> product does (so long positions round the same way), then its cos and sin are taken in
    /// double. Cost: B·T·D/2 cos/sin pairs per forward, small beside the matrix products.
    /// </para>
    /// </summary>
    public static (Tensor Cos, Tensor Sin) CosSin(Tensor positions, int headDim, double theta, DType dtype)
    {
        int half = headDim / 2;
        var invFreq = new float[half];
        for (int i = 0; i < half; i++) invFreq[i] = (float)(1.0 / Math.Pow(theta, 2.0 * i / headDim));
        long[] shape = positions.Shape;                                  // [B, T]
        long[] ids = (positions.DType == DType.Int64 ? positions : positions.To(DType.Int64)).ToArray<long>();
        var cos = new float[ids.Length * headDim];
        var sin = new float[ids.Length * headDim];
        for (int n = 0; n < ids.Length; n++)
        {
            float position = ids[n];
            int row = n * headDim;
            for (int i = 0; i < half; i++)
            {
                float angle = position * invFreq[i];
                cos[row + i] = cos[row + half + i] = (float)Math.Cos(angle);
                sin[row + i] = sin[row + half + i] = (float)Math.Sin(angle);
            }
        }
        Tensor cosT = LibTorch.Tensor(cos, shape[0], shape[1], 1, headDim);  // [B, T, 1, D]
        Tensor sinT = LibTorch.Tensor(sin, shape[0], shape[1], 1, headDim);  // [B, T, 1, D]
        return dtype == DType.Float32 ? (cosT, sinT) : (cosT.To(dtype), sinT.To(dtype));
    }

    /// <summary>x' = x·cos + rotate_half(x)·sin for x [B, T, H, D] and cos/sin [B, T, 1, D] → [B, T, H, D].</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        long half = x.Size(-1) / 2;
        Tensor first = x.Slice(-1, 0, half);                        // [B, T, H, D/2] x1
        Tensor second = x.Slice(-1, half);                          // [B, T, H, D/2] x2
        Tensor rotated = LibTorch.Cat([second.Neg(), first], -1);   // [B, T, H, D] rotate_half(x) = cat(−x2, x1)
        return x * cos + rotated * sin;                             // [B, T, H, D]
    }
}
