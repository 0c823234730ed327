// Where ONNX Runtime and GenAI run a model: the CPU, or a CUDA GPU (in the -p:HybridGpu=true build).
using System.Globalization;
using Microsoft.ML.OnnxRuntime;

namespace Hybrid.Onnx;

/// <summary>The execution provider of an ONNX Runtime session or a GenAI model.</summary>
public enum ExecutionProvider
{
    /// <summary>ONNX Runtime's default CPU provider (every build).</summary>
    Cpu,

    /// <summary>The CUDA provider: needs the GPU build (<c>-p:HybridGpu=true</c>) and an NVIDIA GPU with CUDA 12.</summary>
    Cuda,
}

/// <summary>
/// A device for ONNX Runtime and GenAI, written <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> on the command line. It is applied
/// in two places: ORT <see cref="SessionOptions"/> (the scorer, the rollout engine's Ort backend) and GenAI's config (the
/// rollout engine's GenAI backend; an export writes it into genai_config.json as the folder's default).
/// </summary>
public readonly record struct OnnxDevice(ExecutionProvider Provider, int DeviceId = 0)
{
    /// <summary>The CPU (the default everywhere).</summary>
    public static OnnxDevice Cpu => default;

    /// <summary>True for a GPU provider.</summary>
    public bool IsGpu => Provider != ExecutionProvider.Cpu;

    /// <summary>GenAI's and genai_config.json's name of the provider (<c>cuda</c>); null for the CPU, which needs no entry.</summary>
    public string? GenAIProviderName => Provider switch
    {
        ExecutionProvider.Cuda => "cuda",
        _ => null,
    };

    /// <summary>Parses <c>cpu</c>, <c>cuda</c> or <c>cuda:N</c> (case-insensitive).</summary>
    /// <exception cref="FormatException">Anything else; the message lists the valid forms.</exception>
    public static OnnxDevice Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        string s = text.Trim().ToLowerInvariant();
        if (s == "cpu") return Cpu;
        if (s == "cuda") return new OnnxDevice(ExecutionProvider.Cuda);
        if (s.StartsWith("cuda:", StringComparison.Ordinal)
            && int.TryParse(s.AsSpan(5), NumberStyles.None, CultureInfo.InvariantCulture, out int id) && id <= 64)
            return new OnnxDevice(ExecutionProvider.Cuda, id);
        throw new FormatException($"device '{text}' is not one of: cpu, cuda, cuda:N (N = the GPU's index)");
    }

    /// <summary>Appends this device's provider to <paramref name="options"/> (nothing for the CPU).</summary>
    /// <exception cref="OnnxDeviceException">The provider is not in this build (CUDA needs <c>-p:HybridGpu=true</c>) or cannot start.</exception>
    public void Configure(SessionOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (Provider != ExecutionProvider.Cuda) return;
        try { options.AppendExecutionProvider_CUDA(DeviceId); }
        // The CPU package's library lacks the CUDA entry point; the GPU one throws when CUDA cannot start.
        catch (Exception ex) when (ex is OnnxRuntimeException or EntryPointNotFoundException) { throw new OnnxDeviceException(this, "ONNX Runtime", ex); }
    }

    /// <inheritdoc/>
    public override string ToString() => Provider switch
    {
        ExecutionProvider.Cuda => DeviceId == 0 ? "cuda" : $"cuda:{DeviceId}",
        _ => "cpu",
    };
}
