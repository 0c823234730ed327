// Start-up runtime settings: ATen and OpenBLAS thread counts as engines.md measured best, and overriding them.
using Hybrid.Torch;

namespace Hybrid.Torch.Tests;

public class RuntimeTests
{
    [Fact]
    public void StartupAppliesOneAtenThreadAndOpenBlasOnAllCores()
    {
        // HYBRID_ATEN_THREADS / HYBRID_BLAS_THREADS are not set in the test environment, so the defaults apply.
        Assert.Null(Environment.GetEnvironmentVariable("HYBRID_ATEN_THREADS"));
        Assert.Equal(TorchRuntime.DefaultAtenThreads, TorchRuntime.AtenThreads);
        Assert.Equal(Environment.ProcessorCount, TorchRuntime.BlasThreads);  // -1 would mean libtorch is not on OpenBLAS
    }

    [Fact]
    public void ConfigureChangesThreadCountsAndCanRestoreThem()
    {
        int aten = TorchRuntime.AtenThreads, blas = TorchRuntime.BlasThreads;
        try
        {
            TorchRuntime.Configure(atenThreads: 2, blasThreads: 1);
            Assert.Equal(2, TorchRuntime.AtenThreads);
            Assert.Equal(1, TorchRuntime.BlasThreads);
        }
        finally
        {
            TorchRuntime.Configure(atenThreads: aten, blasThreads: blas);
        }
        Assert.Equal(aten, TorchRuntime.AtenThreads);
    }

    [Fact]
    public void NoGradScopeRestoresThePreviousMode()
    {
        Assert.True(LibTorch.IsGradEnabled);
        using (LibTorch.NoGrad())
        {
            Assert.False(LibTorch.IsGradEnabled);
            using (LibTorch.EnableGrad()) Assert.True(LibTorch.IsGradEnabled);
            Assert.False(LibTorch.IsGradEnabled);
        }
        Assert.True(LibTorch.IsGradEnabled);
    }

    [Fact]
    public void SameSeedGivesSameRandomTensors()
    {
        using var scope = LibTorch.NewScope();
        LibTorch.ManualSeed(42);
        float[] a = LibTorch.Randn([8]).ToArray<float>();
        LibTorch.ManualSeed(42);
        float[] b = LibTorch.Randn([8]).ToArray<float>();
        float[] c = LibTorch.Randn([8]).ToArray<float>();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void RngStateRestoresTheRandomStream()
    {
        using var scope = LibTorch.NewScope();
        LibTorch.ManualSeed(7);
        LibTorch.Randn([3]);
        byte[] state = LibTorch.GetRngState();
        float[] after = LibTorch.Randn([5]).ToArray<float>();
        LibTorch.ManualSeed(123);  // move the generator elsewhere
        LibTorch.SetRngState(state);
        Assert.Equal(after, LibTorch.Randn([5]).ToArray<float>());
        Assert.Throws<TorchException>(() => LibTorch.SetRngState(new byte[7]));  // a foreign state is refused, not applied
    }
}
