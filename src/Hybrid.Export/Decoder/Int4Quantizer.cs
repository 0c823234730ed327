// Blockwise 4-bit weight quantization in the exact layout of ONNX Runtime's com.microsoft.MatMulNBits, and its slow inverse.

namespace Hybrid.Export.Decoder;

/// <summary>
/// A weight W [N, K] (torch Linear layout: N outputs, K inputs) quantized to 4 bits in blocks of <see cref="BlockSize"/>
/// along K, in the tensors <c>com.microsoft.MatMulNBits</c> reads (ONNX Runtime ContribOperators.md):
/// <code>
/// Packed      uint8 [N, BlocksPerRow, BlockSize/2]   codes q ∈ [0, 15], two per byte along K, the first in the low nibble
/// Scales      float [N, BlocksPerRow]                s ≥ 0
/// ZeroPoints  uint8 [N, ceil(BlocksPerRow/2)]        z ∈ [0, 15], packed like Packed (null: the operator's default 8)
/// </code>
/// W[n, k] ≈ (q[n, k] − z[n, k / BlockSize]) · s[n, k / BlockSize]. When K is not a multiple of the block size the last
/// block of each row is padded with codes equal to its zero point (value 0); the operator reads only K columns.
/// </summary>
public sealed record Int4Weight(int N, int K, int BlockSize, byte[] Packed, float[] Scales, byte[]? ZeroPoints)
{
    /// <summary>Blocks along K per output row: ceil(K / BlockSize) (the operator's <c>k_blocks</c>).</summary>
    public int BlocksPerRow => (K + BlockSize - 1) / BlockSize;

    /// <summary>Bytes per block: BlockSize · 4 / 8 (the operator's <c>blob_size</c>).</summary>
    public int BlobSize => BlockSize / 2;

    /// <summary>Bytes of packed zero points per row: ceil(BlocksPerRow / 2).</summary>
    public int ZeroPointBytesPerRow => (BlocksPerRow + 1) / 2;

    /// <summary>True for the symmetric form: no zero points stored, every block's zero point is 8.</summary>
    public bool Symmetric => ZeroPoints is null;
}

/// <summary>
/// Round-to-nearest blockwise int4 quantization. Per block x (the block's real elements, padding excluded):
/// <code>
/// asymmetric (default):  lo = min(0, min x), hi = max(0, max x), s = (hi − lo) / 15, z = round(−lo / s) ∈ [0, 15],
///                        q = clamp(round(x / s) + z, 0, 15)             (0 exactly representable: q = z)
/// symmetric:             s = max|x| / 7, z = 8 (not stored),  q = round(x / s) + 8 ∈ [1, 15]
/// </code>
/// round is to nearest, ties to even; s is rounded up to the next float when float rounding made it smaller than the
/// exact range / 15 (so clamping never costs more than half a step); an all-zero block gets s = 0. Both forms keep every
/// element within s/2 of its value: |x − (q − z)·s| ≤ s/2. Asymmetric spends all 16 codes on [lo, hi] and is the export
/// default; symmetric (one code unused on each side of the widest sign) needs no zero-point tensor.
/// </summary>
public static class Int4Quantizer
{
    /// <summary>Bits per weight code (the operator's <c>bits</c> attribute).</summary>
    public const int Bits = 4;

    /// <summary>The zero point MatMulNBits assumes when none is given: 2^(bits − 1).</summary>
    public const int DefaultZeroPoint = 8;

    /// <summary>Largest code: 2^bits − 1.</summary>
    public const int MaxCode = 15;

    /// <summary>
    /// Throws unless <paramref name="blockSize"/> is a power of two ≥ 16, as MatMulNBits requires (16, 32, 64, 128, …).
    /// </summary>
    /// <summary>Largest accepted block: 256 weights per scale (a block of 1,048,576 made a 0.2M-parameter model 1.27 GB).</summary>
    public const int MaxBlockSize = 256;

    public static void ValidateBlockSize(int blockSize, string field = "blockSize")
    {
        if (blockSize is < 16 or > MaxBlockSize || (blockSize & (blockSize - 1)) != 0)
            throw new ArgumentException($"{field} = {blockSize}: MatMulNBits needs a power of two from 16 to {MaxBlockSize} (every row is padded to a " +
                                        "whole block, so larger blocks only grow the file); 32 is the usual choice");
    }

    /// <summary>Quantizes the row-major weight <paramref name="weight"/> [N, K] (see <see cref="Int4Quantizer"/> for the formulas).</summary>
    public static Int4Weight Quantize(ReadOnlySpan<float> weight, int n, int k, int blockSize, bool symmetric)
    {
        ValidateBlockSize(blockSize);
        if (n <= 0 || k <= 0) throw new ArgumentException($"weight shape [{n}, {k}] must have N > 0 and K > 0");
        if (weight.Length != (long)n * k) throw new ArgumentException($"weight holds {weight.Length} values, but [N, K] = [{n}, {k}] needs {(long)n * k}", nameof(weight));

        int blocks = (k + blockSize - 1) / blockSize, blob = blockSize / 2;
        var packed = new byte[(long)n * blocks * blob];                        // [N, blocks, blob]
        var scales = new float[(long)n * blocks];                               // [N, blocks]
        byte[]? zeroPoints = symmetric ? null : new byte[(long)n * ((blocks + 1) / 2)]; // [N, ceil(blocks/2)]
        var codes = new byte[blockSize];                                        // one block's codes, padding included

        for (int row = 0; row < n; row++)
            for (int b = 0; b < blocks; b++)
            {
                int start = b * blockSize, count = Math.Min(blockSize, k - start);
                ReadOnlySpan<float> x = weight.Slice(row * k + start, count);
                (float scale, int zero) = symmetric ? SymmetricBlock(x) : AsymmetricBlock(x);
                for (int i = 0; i < blockSize; i++)
                    codes[i] = i < count ? Code(x[i], scale, zero) : (byte)zero;  // padding decodes to 0
                scales[row * blocks + b] = scale;
                Span<byte> blobBytes = packed.AsSpan((row * blocks + b) * blob, blob);
                for (int j = 0; j < blob; j++)
                    blobBytes[j] = (byte)(codes[2 * j] | (codes[2 * j + 1] << 4));  // low nibble first
                if (zeroPoints is not null)
                {
                    int at = row * ((blocks + 1) / 2) + b / 2;
                    zeroPoints[at] |= (byte)(b % 2 == 0 ? zero : zero << 4);
                }
            }
        return new Int4Weight(n, k, blockSize, packed, scales, zeroPoints);
    }

    /// <summary>The slow, obvious inverse: W'[n, k] = (q − z) · s, row-major [N, K].</summary>
    public static float[] Dequantize(Int4Weight weight)
    {
        var result = new float[(long)weight.N * weight.K];                      // [N, K]
        for (int row = 0; row < weight.N; row++)
            for (int col = 0; col < weight.K; col++)
            {
                int b = col / weight.BlockSize, within = col % weight.BlockSize;
                byte pair = weight.Packed[(row * weight.BlocksPerRow + b) * weight.BlobSize + within / 2];
                int code = within % 2 == 0 ? pair & 0xF : pair >> 4;
                int zero = weight.ZeroPoints is null ? DefaultZeroPoint
                    : (weight.ZeroPoints[row * weight.ZeroPointBytesPerRow + b / 2] >> (b % 2 * 4)) & 0xF;
                result[row * weight.K + col] = (code - zero) * weight.Scales[row * weight.BlocksPerRow + b];
            }
        return result;
    }

    private static (float Scale, int Zero) AsymmetricBlock(ReadOnlySpan<float> x)
    {
        float lo = 0, hi = 0;
        foreach (float v in x)
        {
            if (!float.IsFinite(v)) throw new ArgumentException($"cannot quantize a weight holding {v}");
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
        }
        double range = (double)hi - lo;
        if (range == 0) return (0f, 0);
        float scale = AtLeast(range / MaxCode);
        int zero = (int)Math.Clamp(Math.Round(-lo / (double)scale), 0, MaxCode);
        return (scale, zero);
    }

    private static (float Scale, int Zero) SymmetricBlock(ReadOnlySpan<float> x)
    {
        float absMax = 0;
        foreach (float v in x)
        {
            if (!float.IsFinite(v)) throw new ArgumentException($"cannot quantize a weight holding {v}");
            absMax = Math.Max(absMax, Math.Abs(v));
        }
        return (absMax == 0 ? 0f : AtLeast(absMax / (double)(MaxCode - DefaultZeroPoint)), DefaultZeroPoint);
    }

    /// <summary>The float nearest <paramref name="exact"/>, moved up one step if it fell below it.</summary>
    private static float AtLeast(double exact)
    {
        float f = (float)exact;
        return f < exact ? MathF.BitIncrement(f) : f;
    }

    private static byte Code(float x, float scale, int zero) =>
        scale == 0 ? (byte)zero : (byte)Math.Clamp(Math.Round(x / (double)scale) + zero, 0, MaxCode);
}
