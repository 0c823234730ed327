// Start-up runtime settings (threads) and overriding them; grad mode; seeded and restored random streams.
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Tensors.Tests;

public class RuntimeTests
{
    [Fact]
    public void StartupUsesOneIntraOpThreadPerCore()
    {
        // HYBRID_TORCH_THREADS is not set by the test environment, so libtorch's default applies: one thread per core.
        Assert.Null(Environment.GetEnvironmentVariable("HYBRID_TORCH_THREADS"));
        TorchRuntime.Initialize();
        Assert.Equal(Environment.ProcessorCount, TorchRuntime.Threads);
    }

    [Fact]
    public void ConfigureChangesTheThreadCountAndCanRestoreIt()
    {
        int threads = TorchRuntime.Threads;
        try
        {
            TorchRuntime.Configure(threads: 1);
            Assert.Equal(1, TorchRuntime.Threads);
        }
        finally
        {
            TorchRuntime.Configure(threads: threads);
        }
        Assert.Equal(threads, TorchRuntime.Threads);
        Assert.Throws<ArgumentOutOfRangeException>(() => TorchRuntime.Configure(threads: 0));
    }

    [Fact]
    public void NoGradScopeRestoresThePreviousMode()
    {
        Assert.True(is_grad_enabled());
        using (no_grad())
        {
            Assert.False(is_grad_enabled());
            using (enable_grad()) Assert.True(is_grad_enabled());
            Assert.False(is_grad_enabled());
        }
        Assert.True(is_grad_enabled());
    }

    [Fact]
    public void SameSeedGivesSameRandomTensors()
    {
        using var scope = NewDisposeScope();
        TensorUtil.ManualSeed(42);
        float[] a = torch.randn([8]).data<float>().ToArray();
        TensorUtil.ManualSeed(42);
        float[] b = torch.randn([8]).data<float>().ToArray();
        float[] c = torch.randn([8]).data<float>().ToArray();
        Assert.Equal(a, b);
        Assert.NotEqual(a, c);
    }

    [Fact]
    public void RngStateRestoresTheRandomStream()
    {
        using var scope = NewDisposeScope();
        TensorUtil.ManualSeed(7);
        torch.randn([3]);
        byte[] state = TensorUtil.GetRngState();
        float[] after = torch.randn([5]).data<float>().ToArray();
        TensorUtil.ManualSeed(123);  // move the generator elsewhere
        TensorUtil.SetRngState(state);
        Assert.Equal(after, torch.randn([5]).data<float>().ToArray());
        Assert.ThrowsAny<Exception>(() => TensorUtil.SetRngState(new byte[7]));  // a foreign state is refused, not applied
    }
}
