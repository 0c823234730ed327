// The fused attention (libtorch's scaled_dot_product_attention) against the plain matmul-softmax reference kept here.
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

public sealed class AttentionTests
{
    /// <summary>
    /// The obvious computation: scores = q·Kᵀ/√D in float64, scores of keys not allowed set to −∞, softmax over keys, · V.
    /// Shapes as <see cref="SelfAttention.Attend"/>: q [B, Hkv, G·T, D], K/V [B, Hkv, S, D], allowed [B|1, 1, G·T, S].
    /// </summary>
    private static Tensor Reference(Tensor grouped, Tensor keys, Tensor values, Tensor? allowed)
    {
        long d = grouped.size(3);
        Tensor q = grouped.to(ScalarType.Float64), k = keys.to(ScalarType.Float64), v = values.to(ScalarType.Float64);
        Tensor scores = q.matmul(k.transpose(2, 3)) / Math.Sqrt(d);                        // [B, Hkv, G·T, S]
        if (allowed is not null) scores = scores.masked_fill(allowed.logical_not(), double.NegativeInfinity);
        return scores.softmax(-1).matmul(v);                                               // [B, Hkv, G·T, D]
    }

    // (batch, kv heads, groups, queries T, cached keys before them, head dim, padding: 0 none, 1 left, 2 right)
    [Theory]
    [InlineData(2, 2, 2, 5, 0, 8, 1)]   // GQA, left padding
    [InlineData(2, 4, 1, 6, 0, 4, 2)]   // MHA, right padding
    [InlineData(3, 1, 4, 4, 0, 12, 0)]  // MQA, causal only
    [InlineData(2, 2, 2, 1, 6, 8, 1)]   // one decode step after 6 cached tokens, left padding
    [InlineData(2, 1, 3, 3, 4, 8, 2)]   // a chunk after 4 cached tokens
    public void FusedAttentionEqualsTheMatmulSoftmaxReference(int b, int hkv, int g, int t, int past, int d, int padding)
    {
        using var scope = NewDisposeScope();
        TensorUtil.ManualSeed((ulong)(b * 1000 + hkv * 100 + g * 10 + t));
        long s = past + t;
        // Row 0 is full; row 1 has two pads on the chosen side (pads are never the newest token in a decode step).
        var mask = new long[b * s];
        Array.Fill(mask, 1L);
        if (padding == 1) { mask[s] = 0; mask[s + 1] = 0; }
        if (padding == 2 && t > 2) { mask[2 * s - 1] = 0; mask[2 * s - 2] = 0; }
        Tensor? fullMask = padding == 0 ? null : torch.tensor(mask, [b, s]);
        Tensor? allowed = AttentionMask.Allowed(fullMask, t, s, g) ?? (t == 1 && padding == 0 ? null : throw new InvalidOperationException());

        foreach (ScalarType dtype in new[] { ScalarType.Float32, ScalarType.Float64 })
        {
            Tensor q = torch.randn([b, hkv, g * t, d], dtype), k = torch.randn([b, hkv, s, d], dtype), v = torch.randn([b, hkv, s, d], dtype);
            double[] want = Reference(q, k, v, allowed).data<double>().ToArray();
            double[] got = SelfAttention.Attend(q, k, v, allowed).to(ScalarType.Float64).data<double>().ToArray();
            double tolerance = dtype == ScalarType.Float64 ? 1e-12 : 2e-6;  // float32: a few ulps of O(1) outputs
            for (int i = 0; i < want.Length; i++) Assert.True(Math.Abs(want[i] - got[i]) <= tolerance, $"{dtype} [{i}]: {got[i]} vs {want[i]}");
        }
    }

    [Fact]
    public void Bf16AttentionStaysWithinBf16RoundingOfTheReference()
    {
        using var scope = NewDisposeScope();
        TensorUtil.ManualSeed(5);
        Tensor q = torch.randn([2, 2, 8, 16]), k = torch.randn([2, 2, 8, 16]), v = torch.randn([2, 2, 8, 16]);
        Tensor? allowed = AttentionMask.Allowed(null, 4, 8, 2);
        double[] want = Reference(q, k, v, allowed).data<double>().ToArray();
        Tensor bf = SelfAttention.Attend(q.to(ScalarType.BFloat16), k.to(ScalarType.BFloat16), v.to(ScalarType.BFloat16), allowed);
        Assert.Equal(ScalarType.BFloat16, bf.dtype);
        double[] got = bf.to(ScalarType.Float64).data<double>().ToArray();
        // bf16 keeps 8 significant bits (relative step 2^-8 ≈ 0.0039): inputs, scores and outputs each round once, so
        // outputs of magnitude ≤ ~2 land within a few steps; 0.05 is ~6 steps at |y| = 2 and fails for any real bug
        // (a wrong mask or scale moves outputs by O(1)).
        double worst = want.Zip(got, (a, c) => Math.Abs(a - c)).Max();
        Assert.True(worst < 0.05, $"worst |bf16 − reference| = {worst}");
    }
}
