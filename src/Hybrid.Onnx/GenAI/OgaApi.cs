// The calls of GenAI's C API (ort_genai_c.h, shipped in the Microsoft.ML.OnnxRuntimeGenAI package) our generator makes.
using System.Runtime.InteropServices;

namespace Hybrid.Onnx.GenAI;

/// <summary>
/// P/Invoke declarations of the GenAI C functions behind <see cref="GenAIModel"/> and <see cref="GenAIGenerator"/>.
/// Every function returning <c>OgaResult*</c> returns null on success; <see cref="Check"/> turns a non-null result into a
/// <see cref="GenAIException"/> and frees it. Each declaration carries its C signature.
/// </summary>
internal static unsafe partial class OgaApi
{
    private const string Lib = OnnxNative.GenAiImportName;

    /// <summary>Throws <see cref="GenAIException"/> with GenAI's message when <paramref name="result"/> is not null.</summary>
    public static void Check(nint result, string call)
    {
        if (result == 0) return;
        string message = Marshal.PtrToStringUTF8((nint)OgaResultGetError(result)) ?? "(no message)";
        OgaDestroyResult(result);
        throw new GenAIException(call, message);
    }

    // const char* OgaResultGetError(const OgaResult* result);
    [LibraryImport(Lib)] private static partial byte* OgaResultGetError(nint result);
    // void OgaDestroyResult(OgaResult* result);
    [LibraryImport(Lib)] private static partial void OgaDestroyResult(nint result);
    // void OgaDestroyString(const char*);
    [LibraryImport(Lib)] public static partial void OgaDestroyString(byte* text);

    // OgaResult* OgaCreateConfig(const char* config_path, OgaConfig** out);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint OgaCreateConfig(string path, out nint config);
    // void OgaDestroyConfig(OgaConfig* config);
    [LibraryImport(Lib)] public static partial void OgaDestroyConfig(nint config);
    // OgaResult* OgaConfigOverlay(OgaConfig* config, const char* json);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint OgaConfigOverlay(nint config, string json);
    // OgaResult* OgaConfigClearProviders(OgaConfig* config);
    [LibraryImport(Lib)] public static partial nint OgaConfigClearProviders(nint config);
    // OgaResult* OgaConfigAppendProvider(OgaConfig* config, const char* provider);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint OgaConfigAppendProvider(nint config, string provider);
    // OgaResult* OgaConfigSetProviderOption(OgaConfig* config, const char* provider, const char* key, const char* value);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint OgaConfigSetProviderOption(nint config, string provider, string key, string value);

    // OgaResult* OgaCreateModelFromConfig(const OgaConfig* config, OgaModel** out);
    [LibraryImport(Lib)] public static partial nint OgaCreateModelFromConfig(nint config, out nint model);
    // void OgaDestroyModel(OgaModel* model);
    [LibraryImport(Lib)] public static partial void OgaDestroyModel(nint model);
    // OgaResult* OgaModelGetType(const OgaModel* model, const char** out);   (free *out with OgaDestroyString)
    [LibraryImport(Lib)] public static partial nint OgaModelGetType(nint model, out byte* type);

    // OgaResult* OgaCreateAdapters(const OgaModel* model, OgaAdapters** out);
    [LibraryImport(Lib)] public static partial nint OgaCreateAdapters(nint model, out nint adapters);
    // void OgaDestroyAdapters(OgaAdapters* adapters);
    [LibraryImport(Lib)] public static partial void OgaDestroyAdapters(nint adapters);
    // OgaResult* OgaLoadAdapter(OgaAdapters* adapters, const char* adapter_file_path, const char* adapter_name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint OgaLoadAdapter(nint adapters, string path, string name);
    // OgaResult* OgaUnloadAdapter(OgaAdapters* adapters, const char* adapter_name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint OgaUnloadAdapter(nint adapters, string name);
    // OgaResult* OgaSetActiveAdapter(OgaGenerator* generator, OgaAdapters* adapters, const char* adapter_name);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint OgaSetActiveAdapter(nint generator, nint adapters, string name);

    // OgaResult* OgaCreateGeneratorParams(const OgaModel* model, OgaGeneratorParams** out);
    [LibraryImport(Lib)] public static partial nint OgaCreateGeneratorParams(nint model, out nint parameters);
    // void OgaDestroyGeneratorParams(OgaGeneratorParams* params);
    [LibraryImport(Lib)] public static partial void OgaDestroyGeneratorParams(nint parameters);
    // OgaResult* OgaGeneratorParamsSetSearchNumber(OgaGeneratorParams* params, const char* name, double value);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint OgaGeneratorParamsSetSearchNumber(nint parameters, string name, double value);
    // OgaResult* OgaGeneratorParamsSetSearchBool(OgaGeneratorParams* params, const char* name, bool value);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint OgaGeneratorParamsSetSearchBool(nint parameters, string name, [MarshalAs(UnmanagedType.U1)] bool value);

    // OgaResult* OgaCreateGenerator(const OgaModel* model, const OgaGeneratorParams* params, OgaGenerator** out);
    [LibraryImport(Lib)] public static partial nint OgaCreateGenerator(nint model, nint parameters, out nint generator);
    // void OgaDestroyGenerator(OgaGenerator* generator);
    [LibraryImport(Lib)] public static partial void OgaDestroyGenerator(nint generator);
    // bool OgaGenerator_IsDone(OgaGenerator* generator);
    [LibraryImport(Lib)][return: MarshalAs(UnmanagedType.U1)] public static partial bool OgaGenerator_IsDone(nint generator);
    // OgaResult* OgaGenerator_AppendTokenSequences(OgaGenerator* generator, const OgaSequences* p_sequences);
    [LibraryImport(Lib)] public static partial nint OgaGenerator_AppendTokenSequences(nint generator, nint sequences);
    // OgaResult* OgaGenerator_AppendTokens(OgaGenerator* generator, const int32_t* input_ids, size_t input_ids_count);
    [LibraryImport(Lib)] public static partial nint OgaGenerator_AppendTokens(nint generator, int* tokens, nuint count);
    // OgaResult* OgaGenerator_GenerateNextToken(OgaGenerator* generator);
    [LibraryImport(Lib)] public static partial nint OgaGenerator_GenerateNextToken(nint generator);
    // OgaResult* OgaGenerator_GetNextTokens(const OgaGenerator* generator, const int32_t** out, size_t* out_count);
    [LibraryImport(Lib)] public static partial nint OgaGenerator_GetNextTokens(nint generator, out int* tokens, out nuint count);
    // OgaResult* OgaGenerator_GetLogits(OgaGenerator* generator, OgaTensor** out);
    [LibraryImport(Lib)] public static partial nint OgaGenerator_GetLogits(nint generator, out nint tensor);
    // OgaResult* OgaGenerator_SetLogits(OgaGenerator* generator, OgaTensor* tensor);
    [LibraryImport(Lib)] public static partial nint OgaGenerator_SetLogits(nint generator, nint tensor);
    // OgaResult* OgaGenerator_GetOutput(const OgaGenerator* generator, const char* name, OgaTensor** out);
    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)] public static partial nint OgaGenerator_GetOutput(nint generator, string name, out nint tensor);
    // size_t OgaGenerator_GetSequenceCount(const OgaGenerator* generator, size_t index);
    [LibraryImport(Lib)] public static partial nuint OgaGenerator_GetSequenceCount(nint generator, nuint index);
    // const int32_t* OgaGenerator_GetSequenceData(const OgaGenerator* generator, size_t index);
    [LibraryImport(Lib)] public static partial int* OgaGenerator_GetSequenceData(nint generator, nuint index);

    // OgaResult* OgaCreateSequences(OgaSequences** out);
    [LibraryImport(Lib)] public static partial nint OgaCreateSequences(out nint sequences);
    // void OgaDestroySequences(OgaSequences* sequences);
    [LibraryImport(Lib)] public static partial void OgaDestroySequences(nint sequences);
    // OgaResult* OgaAppendTokenSequence(const int32_t* token_ptr, size_t token_cnt, OgaSequences* sequences);
    [LibraryImport(Lib)] public static partial nint OgaAppendTokenSequence(int* tokens, nuint count, nint sequences);

    // OgaResult* OgaCreateTensorFromBuffer(void* data, const int64_t* shape_dims, size_t shape_dims_count, OgaElementType element_type, OgaTensor** out);
    [LibraryImport(Lib)] public static partial nint OgaCreateTensorFromBuffer(void* data, long* shape, nuint rank, int elementType, out nint tensor);
    // void OgaDestroyTensor(OgaTensor* tensor);
    [LibraryImport(Lib)] public static partial void OgaDestroyTensor(nint tensor);
    // OgaResult* OgaTensorGetType(OgaTensor*, OgaElementType* out);
    [LibraryImport(Lib)] public static partial nint OgaTensorGetType(nint tensor, out int elementType);
    // OgaResult* OgaTensorGetShapeRank(OgaTensor*, size_t* out);
    [LibraryImport(Lib)] public static partial nint OgaTensorGetShapeRank(nint tensor, out nuint rank);
    // OgaResult* OgaTensorGetShape(OgaTensor*, int64_t* shape_dims, size_t shape_dims_count);
    [LibraryImport(Lib)] public static partial nint OgaTensorGetShape(nint tensor, long* shape, nuint rank);
    // OgaResult* OgaTensorGetData(OgaTensor*, void** out);
    [LibraryImport(Lib)] public static partial nint OgaTensorGetData(nint tensor, out void* data);

    /// <summary>OgaElementType_float32.</summary>
    public const int Float32 = 1;
}
