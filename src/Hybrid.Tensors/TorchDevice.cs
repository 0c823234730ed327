// The trainer's device: parsing `cpu | cuda | cuda:N`, refusing one this build cannot use, and making it the default.

namespace Hybrid.Tensors;

/// <summary>
/// Where the trainer's tensors live. <see cref="Parse"/> accepts <c>cpu</c>, <c>cuda</c> and <c>cuda:N</c>; a CUDA device
/// needs the GPU build (<c>dotnet build -p:HybridGpu=true</c>, which references TorchSharp-cuda-linux instead of
/// TorchSharp-cpu) and a visible GPU, else the error says so. <see cref="Use"/> makes the device libtorch's default for
/// the duration of a run, so every tensor a factory creates (batches, masks, positions) is created there; the trainer
/// moves its model there itself (<c>model.to(device)</c>).
/// </summary>
public static class TorchDevice
{
    /// <summary>The device <paramref name="text"/> names; <paramref name="option"/> (e.g. "--device") prefixes errors.</summary>
    public static Device Parse(string text, string option = "--device")
    {
        string t = text.Trim().ToLowerInvariant();
        if (t == "cpu") return CPU;
        int index = 0;
        if (t != "cuda" && !(t.StartsWith("cuda:", StringComparison.Ordinal) && int.TryParse(t.AsSpan(5), out index) && index >= 0))
            throw new ArgumentException($"{option} '{text}': expected cpu, cuda or cuda:N (N ≥ 0)");
        if (!cuda.is_available())
            throw new ArgumentException($"{option} '{text}': no CUDA device is usable in this process — the build references TorchSharp-cpu " +
                                        "(build with -p:HybridGpu=true for TorchSharp-cuda-linux) or no NVIDIA GPU/driver is visible");
        if (index >= cuda.device_count())
            throw new ArgumentException($"{option} '{text}': only {cuda.device_count()} CUDA device(s) are visible");
        return new Device(DeviceType.CUDA, index);
    }

    /// <summary>Makes <paramref name="device"/> libtorch's default device until the returned scope is disposed.</summary>
    public static Scope Use(Device device)
    {
        var scope = new Scope(get_default_device());
        set_default_device(device);
        return scope;
    }

    /// <summary>Restores the previous default device when disposed.</summary>
    public readonly struct Scope : IDisposable
    {
        private readonly Device _previous;
        internal Scope(Device previous) => _previous = previous;
        public void Dispose() => set_default_device(_previous);
    }
}
