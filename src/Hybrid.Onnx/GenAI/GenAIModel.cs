// An ONNX Runtime GenAI model loaded through GenAI's C API, so its generators' logits can be read and replaced.
using System.Globalization;
using System.Runtime.InteropServices;

namespace Hybrid.Onnx.GenAI;

/// <summary>Options for <see cref="GenAIModel.Open"/>; each overrides the folder's genai_config.json without changing it.</summary>
public sealed record GenAIModelOptions
{
    /// <summary>The decoder session's intra-op threads; null keeps genai_config.json's value.</summary>
    public int? IntraOpThreads { get; init; }

    /// <summary>The device; null keeps the providers genai_config.json names (none: the CPU).</summary>
    public OnnxDevice? Device { get; init; }
}

/// <summary>
/// A GenAI model folder (genai_config.json, model.onnx, tokenizer files) and its adapters. The package's managed
/// <c>Microsoft.ML.OnnxRuntimeGenAI.Generator</c> exposes neither <c>OgaGenerator_GetLogits</c> / <c>SetLogits</c> nor
/// any native handle (the generator keeps it in a private field; model, config and parameters behind internal
/// properties), so there is no public route from a managed generator to those calls. This class and
/// <see cref="GenAIGenerator"/> therefore own the model and generator through the C API of the same native library
/// (<c>ort_genai_c.h</c>, shipped in the package): a documented, versioned ABI rather than the managed API's internals.
/// Dispose generators before their model.
/// </summary>
public sealed class GenAIModel : IDisposable
{
    private nint _model;
    private nint _adapters;

    private GenAIModel(string folder, nint model)
    {
        Folder = folder;
        _model = model;
    }

    /// <summary>The folder the model was loaded from.</summary>
    public string Folder { get; }

    /// <summary>Loads <paramref name="folder"/>, applying <paramref name="options"/> as a config overlay.</summary>
    /// <exception cref="GenAIException">GenAI rejected the folder or an option (its message says why).</exception>
    public static GenAIModel Open(string folder, GenAIModelOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(folder);
        OnnxNative.EnsureLoaded();
        string path = Path.GetFullPath(folder);
        if (!File.Exists(Path.Combine(path, "genai_config.json")))
            throw new FileNotFoundException($"{Path.Combine(path, "genai_config.json")}: missing (not a GenAI model folder)");
        OgaApi.Check(OgaApi.OgaCreateConfig(path, out nint config), "OgaCreateConfig");
        try
        {
            if (options?.IntraOpThreads is int threads)
            {
                if (threads < 0) throw new ArgumentOutOfRangeException(nameof(options), threads, "IntraOpThreads must be >= 0 (0: ONNX Runtime's default)");
                string overlay = "{\"model\": {\"decoder\": {\"session_options\": {\"intra_op_num_threads\": " + threads.ToString(CultureInfo.InvariantCulture) + "}}}}";
                OgaApi.Check(OgaApi.OgaConfigOverlay(config, overlay), "OgaConfigOverlay");
            }
            if (options?.Device is OnnxDevice device)
            {
                OgaApi.Check(OgaApi.OgaConfigClearProviders(config), "OgaConfigClearProviders");
                if (device.GenAIProviderName is string provider)
                {
                    OgaApi.Check(OgaApi.OgaConfigAppendProvider(config, provider), "OgaConfigAppendProvider");
                    if (device.DeviceId != 0)
                        OgaApi.Check(OgaApi.OgaConfigSetProviderOption(config, provider, "device_id", device.DeviceId.ToString(CultureInfo.InvariantCulture)), "OgaConfigSetProviderOption");
                }
            }
            try
            {
                OgaApi.Check(OgaApi.OgaCreateModelFromConfig(config, out nint model), "OgaCreateModelFromConfig");
                return new GenAIModel(path, model);
            }
            catch (GenAIException ex) when (options?.Device is { IsGpu: true } gpu)
            {
                throw new OnnxDeviceException(gpu, "ONNX Runtime GenAI", ex);
            }
        }
        finally
        {
            OgaApi.OgaDestroyConfig(config);
        }
    }

    /// <summary>genai_config.json's <c>model.type</c> as GenAI read it (e.g. <c>qwen2</c>).</summary>
    public unsafe string ModelType
    {
        get
        {
            OgaApi.Check(OgaApi.OgaModelGetType(Handle, out byte* type), "OgaModelGetType");
            try { return Marshal.PtrToStringUTF8((nint)type) ?? ""; }
            finally { OgaApi.OgaDestroyString(type); }
        }
    }

    internal nint Handle => _model != 0 ? _model : throw new ObjectDisposedException(nameof(GenAIModel));

    /// <summary>The adapter container, created on first use (null until an adapter is loaded).</summary>
    internal nint Adapters => _adapters;

    /// <summary>Loads an <c>.onnx_adapter</c> file under <paramref name="name"/> (GenAI's multi-LoRA mechanism).</summary>
    public void LoadAdapter(string path, string name)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(name);
        if (_adapters == 0)
            OgaApi.Check(OgaApi.OgaCreateAdapters(Handle, out _adapters), "OgaCreateAdapters");
        OgaApi.Check(OgaApi.OgaLoadAdapter(_adapters, Path.GetFullPath(path), name), "OgaLoadAdapter");
    }

    /// <summary>Unloads the adapter named <paramref name="name"/>; no generator may still use it.</summary>
    public void UnloadAdapter(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (_adapters == 0) throw new InvalidOperationException($"no adapter named '{name}' is loaded");
        OgaApi.Check(OgaApi.OgaUnloadAdapter(_adapters, name), "OgaUnloadAdapter");
    }

    /// <summary>A generator of <paramref name="batchSize"/> rows of at most <paramref name="maxLength"/> tokens each.</summary>
    public GenAIGenerator CreateGenerator(int batchSize, int maxLength, string? adapterName = null) =>
        new(this, batchSize, maxLength, adapterName);

    /// <summary>Frees the adapters, then the model.</summary>
    public void Dispose()
    {
        if (_adapters != 0) { OgaApi.OgaDestroyAdapters(_adapters); _adapters = 0; }
        if (_model != 0) { OgaApi.OgaDestroyModel(_model); _model = 0; }
    }
}
