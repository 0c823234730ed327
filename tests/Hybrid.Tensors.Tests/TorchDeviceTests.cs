// The trainer's --device: the forms it accepts, the CPU build's clear refusal of CUDA, and the default-device scope.
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Tensors.Tests;

public sealed class TorchDeviceTests
{
    [Fact]
    public void CpuParsesAndBadFormsNameTheOptionAndTheValidForms()
    {
        Assert.Equal(DeviceType.CPU, TorchDevice.Parse("cpu").type);
        Assert.Equal(DeviceType.CPU, TorchDevice.Parse(" CPU ").type);
        foreach (string bad in new[] { "gpu", "cuda:", "cuda:-1", "cuda:x", "" })
        {
            var error = Assert.Throws<ArgumentException>(() => TorchDevice.Parse(bad, "--device"));
            Assert.StartsWith($"--device '{bad}': expected cpu, cuda or cuda:N", error.Message);
        }
    }

    [Fact]
    public void CudaOnABuildOrMachineWithoutItIsOneClearError()
    {
        if (cuda.is_available()) return;  // a GPU machine with the GPU build: nothing to refuse
        var error = Assert.Throws<ArgumentException>(() => TorchDevice.Parse("cuda:0", "--device"));
        Assert.Contains("no CUDA device is usable", error.Message);
        Assert.Contains("-p:HybridGpu=true", error.Message);
    }

    [Fact]
    public void UseMakesTheDeviceTheFactoriesDefaultAndRestoresThePreviousOne()
    {
        Device before = get_default_device();
        using (TorchDevice.Use(CPU))
        {
            using Tensor t = torch.zeros(2);
            Assert.Equal(DeviceType.CPU, t.device_type);
        }
        Assert.Same(before, get_default_device());
    }
}
