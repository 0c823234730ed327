// The --device option: where ONNX Runtime / GenAI run (export, score, rl, online-dpo) and where libtorch trains (sft, dpo, reward, rl, online-dpo).
using Hybrid.Onnx;

namespace Hybrid.Cli.Commands;

internal static class DeviceOption
{
    /// <summary>A <c>--device cpu|cuda|cuda:N</c> option (default cpu) described by <paramref name="what"/>.</summary>
    public static Option<string> Create(string what) => new("--device")
    {
        Description = $"{what}: cpu (default), cuda or cuda:N (CUDA needs the GPU build: dotnet build -p:HybridGpu=true)",
        DefaultValueFactory = _ => "cpu",
    };

    /// <summary>The parsed device; a bad value is an input error naming the flag.</summary>
    public static OnnxDevice Parse(string text)
    {
        try { return OnnxDevice.Parse(text); }
        catch (FormatException ex) { throw new ArgumentException($"--device: {ex.Message}"); }
    }
}
