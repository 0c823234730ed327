// The --device option of the commands that run ONNX Runtime or GenAI (export, score, rl, online-dpo).
using System.CommandLine;
using Hybrid.Onnx;
using Hybrid.Rollout;

namespace Hybrid.Cli.Commands;

internal static class DeviceOption
{
    /// <summary>A <c>--device cpu|cuda|cuda:N</c> option (default cpu) described by <paramref name="what"/>.</summary>
    public static Option<string> Create(string what) => new("--device")
    {
        Description = $"{what}: cpu (default), cuda or cuda:N (CUDA needs the GPU build: dotnet build -p:HybridGpu=true)",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>A <c>--rollout-backend ort|genai</c> option (default: the engine's, Ort).</summary>
    public static Option<RolloutBackend> Backend() => new("--rollout-backend")
    {
        Description = "Rollout runtime: Ort (default: the exported decoder on an ONNX Runtime session, any batch size, fastest measured) or GenAI (ONNX Runtime GenAI generators, as deployed)",
        DefaultValueFactory = _ => new RolloutEngineOptions().Backend,
    };

    /// <summary>The parsed device; a bad value is an input error naming the flag.</summary>
    public static OnnxDevice Parse(string text)
    {
        try { return OnnxDevice.Parse(text); }
        catch (FormatException ex) { throw new ArgumentException($"--device: {ex.Message}"); }
    }
}
