// Reads and replaces the next-token logits a GenAI generator chooses its next tokens from.
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntimeGenAI;
using GenAITensor = Microsoft.ML.OnnxRuntimeGenAI.Tensor;

namespace Hybrid.Onnx.GenAI;

/// <summary>
/// The vendored C# API has no wrappers for <c>OgaGenerator_GetLogits</c> / <c>OgaGenerator_SetLogits</c>: the
/// search's next-token logits [B, V] (each row's last real position, ragged prompts included; GenAI runs the model for
/// the pending tokens on the first read), and their replacement before <see cref="Generator.GenerateNextToken"/> chooses
/// from them. A caller that samples itself writes 0 at its chosen id and −∞ elsewhere, on a greedy generator.
/// </summary>
public static unsafe partial class GeneratorLogits
{
    /// <summary>Copies the next-token logits into <paramref name="destination"/> (resized to B·V); returns V.</summary>
    public static int Get(Generator generator, int batch, ref float[] destination)
    {
        ArgumentNullException.ThrowIfNull(generator);
        Result.VerifySuccess(OgaGenerator_GetLogits(Handle(generator), out nint handle));
        using var logits = new GenAITensor(handle);
        if (logits.Type() != ElementType.float32)
            throw new InvalidOperationException($"GenAI next-token logits are {logits.Type()}, expected float32");
        long[] shape = logits.Shape();
        long count = logits.NumElements();
        int vocab = (int)shape[^1];
        if (count != (long)batch * vocab)
            throw new InvalidOperationException($"GenAI next-token logits have shape [{string.Join(", ", shape)}], expected {batch} rows");
        if (destination.Length != count) destination = new float[count];
        logits.GetData<float>().CopyTo(destination);
        return vocab;
    }

    /// <summary>
    /// Makes <paramref name="logits"/> [batch, vocab] the logits the generator chooses from, then runs
    /// <see cref="Generator.GenerateNextToken"/> (GenAI may read the buffer until then, so it stays pinned and alive).
    /// </summary>
    public static void SetAndGenerateNextToken(Generator generator, float[] logits, int batch, int vocab)
    {
        ArgumentNullException.ThrowIfNull(generator);
        if (logits.Length != (long)batch * vocab) throw new ArgumentException($"{logits.Length} logits for [{batch}, {vocab}]", nameof(logits));
        fixed (float* data = logits)
        {
            using var tensor = new GenAITensor((nint)data, [batch, vocab], ElementType.float32);
            Result.VerifySuccess(OgaGenerator_SetLogits(Handle(generator), tensor.Handle));
            generator.GenerateNextToken();
        }
    }

    [UnsafeAccessor(UnsafeAccessorKind.Field, Name = "_generatorHandle")]
    private static extern ref nint Handle(Generator generator);

    // OgaResult* OgaGenerator_GetLogits(OgaGenerator* generator, OgaTensor** out);
    [LibraryImport(OnnxNative.GenAiImportName)]
    private static partial nint OgaGenerator_GetLogits(nint generator, out nint tensor);

    // OgaResult* OgaGenerator_SetLogits(OgaGenerator* generator, OgaTensor* tensor);
    [LibraryImport(OnnxNative.GenAiImportName)]
    private static partial nint OgaGenerator_SetLogits(nint generator, nint tensor);
}
