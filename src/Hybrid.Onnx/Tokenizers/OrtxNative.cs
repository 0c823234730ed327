// P/Invoke declarations for the onnxruntime-extensions tokenizer C API (ortx_tokenizer.h, ortx_utils.h) in libonnxruntime-genai.so.
using System.Runtime.InteropServices;

namespace Hybrid.Onnx.Tokenizers;

/// <summary>
/// Source-generated bindings of the onnxruntime-extensions tokenizer C ABI, which libonnxruntime-genai.so exports: text
/// to token ids and back without loading a model. Each declaration names the C signature above it. Every function returns
/// an <see cref="OrtxError"/>; <see cref="Check"/> is the one place that turns a failure into an <see cref="OrtxException"/>
/// carrying <c>OrtxGetLastErrorMessage()</c>. Objects created by the library (<c>OrtxObject*</c>) are held in
/// <see cref="OrtxObjectHandle"/> and released with <c>OrtxDispose</c>.
/// </summary>
internal static unsafe partial class OrtxNative
{
    private const string Library = OnnxNative.GenAiImportName;

    // int OrtxGetAPIVersion(void);
    [LibraryImport(Library)]
    internal static partial int OrtxGetAPIVersion();

    // const char* OrtxGetLastErrorMessage(void);   (owned by the library; valid until the next failing call)
    [LibraryImport(Library)]
    internal static partial byte* OrtxGetLastErrorMessage();

    // extError_t OrtxDispose(OrtxObject** object);   (sets *object to NULL)
    [LibraryImport(Library)]
    internal static partial OrtxError OrtxDispose(ref nint obj);

    // extError_t OrtxCreateTokenizer(OrtxTokenizer** tokenizer, const char* tokenizer_path);   (path: UTF-8 folder)
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial OrtxError OrtxCreateTokenizer(out OrtxObjectHandle tokenizer, string tokenizerPath);

    // extError_t OrtxTokenize(const OrtxTokenizer* tokenizer, const char* input[], size_t batch_size,
    //                         OrtxTokenId2DArray** output);
    [LibraryImport(Library)]
    internal static partial OrtxError OrtxTokenize(OrtxObjectHandle tokenizer, byte** input, nuint batchSize,
        out OrtxObjectHandle output);

    // extError_t OrtxTokenId2DArrayGetBatch(const OrtxTokenId2DArray* token_id_2d_array, size_t* length);
    [LibraryImport(Library)]
    internal static partial OrtxError OrtxTokenId2DArrayGetBatch(OrtxObjectHandle tokenIds, out nuint length);

    // extError_t OrtxTokenId2DArrayGetItem(const OrtxTokenId2DArray* token_id_2d_array, size_t index,
    //                                      const extTokenId_t** item, size_t* length);   (extTokenId_t = uint32_t)
    [LibraryImport(Library)]
    internal static partial OrtxError OrtxTokenId2DArrayGetItem(OrtxObjectHandle tokenIds, nuint index, out uint* item,
        out nuint length);

    // extError_t OrtxDetokenize1D(const OrtxTokenizer* tokenizer, const extTokenId_t* input, size_t len,
    //                             OrtxStringArray** output);
    [LibraryImport(Library)]
    internal static partial OrtxError OrtxDetokenize1D(OrtxObjectHandle tokenizer, uint* input, nuint length,
        out OrtxObjectHandle output);

    // extError_t OrtxStringArrayGetItem(const OrtxStringArray* string_array, size_t index, const char** item);
    [LibraryImport(Library)]
    internal static partial OrtxError OrtxStringArrayGetItem(OrtxObjectHandle strings, nuint index, out byte* item);

    // extError_t OrtxConvertTokenToId(const OrtxTokenizer* tokenizer, const char* token, extTokenId_t* id);
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial OrtxError OrtxConvertTokenToId(OrtxObjectHandle tokenizer, string token, out uint id);

    // extError_t OrtxApplyChatTemplate(const OrtxTokenizer* tokenizer, const char* template_str, const char* input,
    //                                  const char* tools, OrtxTensorResult** output, bool add_generation_prompt,
    //                                  bool tokenize);   (template_str / tools may be NULL; output[0] = text tensor)
    [LibraryImport(Library, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial OrtxError OrtxApplyChatTemplate(OrtxObjectHandle tokenizer, string? templateStr, string input,
        string? tools, out OrtxObjectHandle output, [MarshalAs(UnmanagedType.U1)] bool addGenerationPrompt,
        [MarshalAs(UnmanagedType.U1)] bool tokenize);

    // extError_t OrtxTensorResultGetAt(OrtxTensorResult* result, size_t index, OrtxTensor** tensor);
    //   (the tensor is a new wrapper object to dispose; its data stays owned by the result)
    [LibraryImport(Library)]
    internal static partial OrtxError OrtxTensorResultGetAt(OrtxObjectHandle result, nuint index, out OrtxObjectHandle tensor);

    // extError_t OrtxGetTensorData(OrtxTensor* tensor, const void** data, const int64_t** shape, size_t* num_dims);
    [LibraryImport(Library)]
    internal static partial OrtxError OrtxGetTensorData(OrtxObjectHandle tensor, out void* data, out long* shape,
        out nuint numDims);

    /// <summary>Throws <see cref="OrtxException"/> with the library's last error message unless <paramref name="code"/> is OK.</summary>
    internal static void Check(OrtxError code, string function)
    {
        if (code != OrtxError.Ok)
            throw new OrtxException(code, function, ReadUtf8(OrtxGetLastErrorMessage()));
    }

    /// <summary>Copies a NUL-terminated UTF-8 string owned by the library into a managed string ("" for NULL).</summary>
    internal static string ReadUtf8(byte* text) =>
        text == null ? string.Empty : System.Text.Encoding.UTF8.GetString(MemoryMarshal.CreateReadOnlySpanFromNullTerminated(text));
}
