// The error of a device the runtime cannot use: a GPU provider missing from this build or unable to start.

namespace Hybrid.Onnx;

/// <summary>
/// ONNX Runtime or GenAI could not run on <see cref="Device"/>. An <see cref="ArgumentException"/>: the device is the
/// user's choice, and the message says what to change (the CPU build has no CUDA provider; GenAI needs its CUDA add-on).
/// </summary>
public sealed class OnnxDeviceException(OnnxDevice device, string runtime, Exception inner)
    : ArgumentException($"device {device}: {runtime} cannot run there ({inner.Message.Trim()}). The CPU build has no CUDA provider: " +
                        "build with -p:HybridGpu=true (GenAI also needs -p:HybridGenAICuda=true), and check the NVIDIA driver and CUDA 12 libraries; or use --device cpu.", inner)
{
    /// <summary>The device that could not be used.</summary>
    public OnnxDevice Device { get; } = device;
}
