// A C++ error inside libtorch reaches C# as a TorchException carrying libtorch's own message.
using Hybrid.Torch;
using Hybrid.Torch.Interop;

namespace Hybrid.Torch.Tests;

public class ErrorTests
{
    [Fact]
    public void ShapeMismatchInMatMulSurfacesLibtorchMessage()
    {
        using var scope = Torch.NewScope();
        var a = Torch.Zeros(2, 3);
        var b = Torch.Zeros(2, 3);
        var ex = Assert.Throws<TorchException>(() => a.MatMul(b));
        Assert.Contains("mat1 and mat2 shapes cannot be multiplied (2x3 and 2x3)", ex.Message);
        Assert.DoesNotContain("Exception raised from", ex.Message);  // no C++ backtrace noise
    }

    [Fact]
    public void StdExceptionThrownInShimBecomesTorchException()
    {
        var ex = Assert.Throws<TorchException>(() => TorchException.Check(NativeRuntime.hy_debug_throw("boom from C++")));
        Assert.Equal("boom from C++", ex.Message);
    }

    [Fact]
    public void ErrorsAreRecoverableAndLeakNothing()
    {
        long before = Torch.LiveTensors;
        using (var scope = Torch.NewScope())
        {
            var x = Torch.Tensor(new float[] { 1, 2, 3 });
            Assert.Throws<TorchException>(() => x.View(2, 2));
            Assert.Throws<TorchException>(() => x.Select(0, 7));
            var y = x.Mul(2.0);  // the binding still works after errors
            Assert.Equal(new float[] { 2, 4, 6 }, y.ToArray<float>());
        }
        Assert.Equal(before, Torch.LiveTensors);
    }

    [Fact]
    public void UseAfterDisposeThrowsObjectDisposed()
    {
        var x = Torch.Zeros(2);
        x.Dispose();
        Assert.Throws<ObjectDisposedException>(() => x.Exp());
    }
}
