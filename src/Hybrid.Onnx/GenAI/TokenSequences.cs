// Builds GenAI's Sequences object (a ragged batch of prompts) from managed token arrays.
using System.Runtime.InteropServices;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Hybrid.Onnx.GenAI;

/// <summary>
/// Creates a <see cref="Sequences"/> holding one token sequence per prompt, of any lengths, for
/// <see cref="Generator.AppendTokenSequences"/>: GenAI pads the batch itself and masks the padding through
/// <c>attention_mask</c>. The vendored C# API keeps the <see cref="Sequences"/> constructor internal; this assembly
/// compiles those sources, so it can wrap the native <c>OgaCreateSequences</c> / <c>OgaAppendTokenSequence</c>.
/// </summary>
public static unsafe partial class TokenSequences
{
    /// <summary>A batch of <paramref name="prompts"/>.Count sequences, in order. The caller disposes it.</summary>
    public static Sequences Create(IReadOnlyList<int[]> prompts)
    {
        ArgumentNullException.ThrowIfNull(prompts);
        Result.VerifySuccess(Microsoft.ML.OnnxRuntimeGenAI.NativeMethods.OgaCreateSequences(out nint handle));
        try
        {
            foreach (int[] prompt in prompts)
            {
                ArgumentNullException.ThrowIfNull(prompt, nameof(prompts));
                fixed (int* tokens = prompt)
                    Result.VerifySuccess(OgaAppendTokenSequence(tokens, (nuint)prompt.Length, handle));
            }
        }
        catch
        {
            Microsoft.ML.OnnxRuntimeGenAI.NativeMethods.OgaDestroySequences(handle);
            throw;
        }
        return new Sequences(handle);
    }

    // OgaResult* OgaAppendTokenSequence(const int32_t* token_ptr, size_t token_cnt, OgaSequences* sequence);
    //   (copies the tokens; a non-NULL result carries the error and is freed by Result.VerifySuccess)
    [LibraryImport(OnnxNative.GenAiImportName)]
    private static partial nint OgaAppendTokenSequence(int* tokenPtr, nuint tokenCount, nint sequences);
}
