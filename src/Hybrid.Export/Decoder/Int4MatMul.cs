// y = x·Wᵀ with W stored as blockwise int4: one com.microsoft.MatMulNBits node and its three initializers.
using Hybrid.Export.Onnx;
using static Hybrid.Export.Onnx.OnnxAttributes;

namespace Hybrid.Export.Decoder;

/// <summary>
/// Emits the int4 form of a float MatMul (<see cref="DecoderExportOptions.Int4"/>):
/// <code>
/// x [B,S,K] ─► MatMulNBits(K, N, bits=4, block_size, accuracy_level) ─► y [B,S,N]
///               ├─ {weight}_Q4           uint8 [N, k_blocks, block_size/2]
///               ├─ {weight}_scales       float [N, k_blocks]
///               └─ {weight}_zero_points  uint8 [N, ceil(k_blocks/2)]   (asymmetric only; absent = 8)
/// </code>
/// Operator facts from ONNX Runtime's ContribOperators.md (MatMulNBits): B is bit-packed along K within each block,
/// the first 4-bit value in the low nibble; zero points use the same packing; the default zero point is 2^(bits−1).
/// </summary>
internal static class Int4MatMul
{
    /// <summary>
    /// Quantizes <paramref name="weight"/> [N, K] (row-major, torch Linear layout) and adds the node <paramref name="nodeName"/>
    /// reading <paramref name="x"/>; returns its output (<paramref name="output"/>, or <c>{nodeName}/output_0</c>).
    /// </summary>
    public static string Add(DecoderGraphParts parts, Int4Options options, string nodeName, string weightName,
        ReadOnlySpan<float> weight, int n, int k, string x, string? output = null)
    {
        Int4Weight q = Int4Quantizer.Quantize(weight, n, k, options.BlockSize, options.Symmetric);
        OnnxGraphBuilder g = parts.Graph;
        g.ImportDomain(OnnxGraphBuilder.MicrosoftDomain, 1);
        string packed = g.AddUInt8Initializer($"{weightName}_Q4", q.Packed, n, q.BlocksPerRow, q.BlobSize);
        string scales = g.AddInitializer($"{weightName}_scales", q.Scales, n, q.BlocksPerRow);
        var inputs = new List<string> { x, packed, scales };
        if (q.ZeroPoints is not null)
            inputs.Add(g.AddUInt8Initializer($"{weightName}_zero_points", q.ZeroPoints, n, q.ZeroPointBytesPerRow));
        return g.AddDomainNode(OnnxGraphBuilder.MicrosoftDomain, "MatMulNBits", nodeName, inputs, [output ?? $"{nodeName}/output_0"],
            Int("K", k), Int("N", n), Int("bits", Int4Quantizer.Bits), Int("block_size", options.BlockSize),
            Int("accuracy_level", options.AccuracyLevel))[0];
    }

    /// <summary>The transpose of row-major <paramref name="matrix"/> [rows, cols]: [cols, rows].</summary>
    public static float[] Transpose(ReadOnlySpan<float> matrix, int rows, int cols)
    {
        var result = new float[matrix.Length];                                  // [cols, rows]
        for (int r = 0; r < rows; r++)
            for (int c = 0; c < cols; c++)
                result[c * rows + r] = matrix[r * cols + c];
        return result;
    }
}
