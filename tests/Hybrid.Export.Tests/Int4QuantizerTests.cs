// The int4 quantizer against hand-worked codes, scales, zero points and bytes, and its error bound over random matrices.
using Hybrid.Export.Decoder;

namespace Hybrid.Export.Tests;

public sealed class Int4QuantizerTests
{
    // [N = 2, K = 20], block 16: two blocks per row, the second holding 4 real values and 12 padding codes.
    private static readonly float[] Asymmetric =
    [
        // row 0, block 0: lo = −1.5, hi = 6 → s = 7.5/15 = 0.5, z = round(1.5/0.5) = 3
        -1.5f, 6.0f, 0f, 0.5f, 1.2f, -0.7f, 2.0f, 3.3f, 4.4f, -1.0f, 5.1f, 0.2f, 2.6f, -0.3f, 1.0f, 3.0f,
        // row 0, block 1: all positive → lo = 0, hi = 1 → s = float(1/15) (≥ 1/15), z = 0
        0.25f, 0.75f, 1.0f, 0.6f,
        // row 1, block 0: all zero → s = 0, z = 0, every code 0
        0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
        // row 1, block 1: all non-positive → lo = −3, hi = 0 → s = float(0.2) (≥ 0.2), z = round(3/0.2) = 15
        -3.0f, -1.4f, 0f, -0.6f,
    ];

    [Fact]
    public void AsymmetricBlocksMatchTheHandWorkedCodesScalesZeroPointsAndBytes()
    {
        Int4Weight q = Int4Quantizer.Quantize(Asymmetric, n: 2, k: 20, blockSize: 16, symmetric: false);

        Assert.Equal((2, 20, 16, 2, 8, 1), (q.N, q.K, q.BlockSize, q.BlocksPerRow, q.BlobSize, q.ZeroPointBytesPerRow));
        Assert.Equal([0.5f, (float)(1.0 / 15), 0f, 0.2f], q.Scales);
        // Zero points, low nibble = even block: row 0 (3, 0) → 0x03; row 1 (0, 15) → 0xF0.
        Assert.Equal(new byte[] { 0x03, 0xF0 }, q.ZeroPoints);
        byte[] expected =
        [
            // row 0 block 0: q = round(x/0.5) + 3 = [0,15, 3,4, 5,2, 7,10, 12,1, 13,3, 8,2, 5,9] → (low, high) pairs
            0xF0, 0x43, 0x25, 0xA7, 0x1C, 0x3D, 0x28, 0x95,
            // row 0 block 1: q = round(15·x) = [4, 11, 15, 9], then padding = z = 0
            0xB4, 0x9F, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // row 1 block 0: all codes 0
            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            // row 1 block 1: q = round(x/0.2) + 15 = [0, 8, 15, 12], then padding = z = 15
            0x80, 0xCF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF,
        ];
        Assert.Equal(expected, q.Packed);

        // (q − z)·s for the codes above.
        float s01 = (float)(1.0 / 15), s11 = 0.2f;
        float[] dequantized =
        [
            -1.5f, 6.0f, 0f, 0.5f, 1.0f, -0.5f, 2.0f, 3.5f, 4.5f, -1.0f, 5.0f, 0f, 2.5f, -0.5f, 1.0f, 3.0f,
            4 * s01, 11 * s01, 15 * s01, 9 * s01,
            0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f, 0f,
            -15 * s11, -7 * s11, 0f, -3 * s11,
        ];
        Assert.Equal(dequantized, Int4Quantizer.Dequantize(q));
    }

    [Fact]
    public void SymmetricBlockMatchesTheHandWorkedCodesAndStoresNoZeroPoints()
    {
        // max|x| = 3.5 → s = 3.5/7 = 0.5; q = round(x/0.5) + 8.
        float[] w = [3.5f, -3.5f, 0f, 1.0f, -1.2f, 2.2f, 0.3f, -0.8f, 1.7f, -2.6f, 0.9f, 3.1f, -0.1f, 2.9f, -1.9f, 0.6f];
        Int4Weight q = Int4Quantizer.Quantize(w, n: 1, k: 16, blockSize: 16, symmetric: true);

        Assert.Null(q.ZeroPoints);
        Assert.True(q.Symmetric);
        Assert.Equal([0.5f], q.Scales);
        // codes [15,1, 8,10, 6,12, 9,6, 11,3, 10,14, 8,14, 4,9]
        Assert.Equal(new byte[] { 0x1F, 0xA8, 0xC6, 0x69, 0x3B, 0xEA, 0xE8, 0x94 }, q.Packed);
        Assert.Equal([3.5f, -3.5f, 0f, 1.0f, -1.0f, 2.0f, 0.5f, -1.0f, 1.5f, -2.5f, 1.0f, 3.0f, 0f, 3.0f, -2.0f, 0.5f], Int4Quantizer.Dequantize(q));
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void EveryElementIsWithinHalfAStepAndEveryScaleIsTheTightestFloat(bool symmetric)
    {
        var random = new Random(7);
        int[] blockSizes = [16, 32, 64, 128];
        for (int trial = 0; trial < 40; trial++)
        {
            int n = random.Next(1, 9), k = random.Next(1, 200), blockSize = blockSizes[trial % blockSizes.Length];
            double spread = Math.Pow(10, random.Next(-3, 3)), shift = trial % 3 == 0 ? spread : 0;  // some rows all positive
            float[] w = Enumerable.Range(0, n * k).Select(_ => (float)((random.NextDouble() * 2 - 1) * spread + shift)).ToArray();
            Int4Weight q = Int4Quantizer.Quantize(w, n, k, blockSize, symmetric);
            int blocks = (k + blockSize - 1) / blockSize;
            Assert.Equal(n * blocks * blockSize / 2, q.Packed.Length);
            Assert.Equal(n * blocks, q.Scales.Length);
            Assert.Equal(symmetric ? 0 : n * ((blocks + 1) / 2), q.ZeroPoints?.Length ?? 0);

            float[] dequantized = Int4Quantizer.Dequantize(q);
            for (int row = 0; row < n; row++)
                for (int b = 0; b < blocks; b++)
                {
                    int start = b * blockSize, count = Math.Min(blockSize, k - start);
                    float[] x = w.AsSpan(row * k + start, count).ToArray();
                    double s = q.Scales[row * blocks + b];
                    int z = symmetric ? 8 : Nibble(q.ZeroPoints!, row * ((blocks + 1) / 2), b);
                    // Tightest: s covers the block's range in 15 steps (7 for symmetric), one float less would not.
                    double range = symmetric ? x.Max(v => Math.Abs((double)v)) : Math.Max(0, x.Max()) - (double)Math.Min(0, x.Min());
                    int steps = symmetric ? 7 : 15;
                    Assert.True(s * steps >= range && MathF.BitDecrement((float)s) * (double)steps < range,
                        $"trial {trial} row {row} block {b}: scale {s:R} is not the tightest float ≥ {range / steps:R}");
                    for (int i = 0; i < blockSize; i++)
                    {
                        int code = Nibble(q.Packed, (row * blocks + b) * blockSize / 2, i);
                        if (i >= count)
                        {
                            Assert.Equal(z, code);  // padding decodes to exactly 0
                            continue;
                        }
                        double value = (code - z) * s;  // exact in double
                        Assert.True(Math.Abs(x[i] - value) <= s / 2, $"trial {trial} [{row},{start + i}]: {x[i]:R} → {value:R}, error > s/2 = {s / 2:R}");
                        Assert.Equal((float)value, dequantized[row * k + start + i]);
                    }
                }
        }
    }

    [Theory]
    [InlineData(0)]
    [InlineData(8)]
    [InlineData(24)]
    [InlineData(48)]
    [InlineData(512)]        // a power of two, but above the largest block: rows are padded to whole blocks
    [InlineData(1048576)]
    public void BlockSizesThatAreNotAPowerOfTwoFromSixteenTo256AreRejected(int blockSize)
    {
        var error = Assert.Throws<ArgumentException>(() => Int4Quantizer.Quantize(new float[32], 1, 32, blockSize, symmetric: false));
        Assert.Contains("power of two from 16 to 256", error.Message);
        Assert.Contains($"= {blockSize}", error.Message);
    }

    [Fact]
    public void NonFiniteWeightsAndMismatchedShapesAreRejected()
    {
        float[] w = new float[32];
        w[5] = float.NaN;
        Assert.Contains("NaN", Assert.Throws<ArgumentException>(() => Int4Quantizer.Quantize(w, 1, 32, 32, symmetric: false)).Message);
        Assert.Contains("[N, K] = [2, 32]", Assert.Throws<ArgumentException>(() => Int4Quantizer.Quantize(new float[32], 2, 32, 32, symmetric: true)).Message);
    }

    /// <summary>The <paramref name="index"/>-th 4-bit value of a row starting at byte <paramref name="rowStart"/>: low nibble first.</summary>
    private static int Nibble(byte[] bytes, int rowStart, int index) => (bytes[rowStart + index / 2] >> (index % 2 * 4)) & 0xF;
}
