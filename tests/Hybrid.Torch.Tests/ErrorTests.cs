// A C++ error inside libtorch reaches C# as a TorchException carrying libtorch's own message.
using Hybrid.Torch;
using Hybrid.Torch.Interop;

namespace Hybrid.Torch.Tests;

public class ErrorTests
{
    [Fact]
    public void ShapeMismatchInMatMulSurfacesLibtorchMessage()
    {
        using var scope = LibTorch.NewScope();
        var a = LibTorch.Zeros(2, 3);
        var b = LibTorch.Zeros(2, 3);
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
        long before = LibTorch.LiveTensors;
        using (var scope = LibTorch.NewScope())
        {
            var x = LibTorch.Tensor(new float[] { 1, 2, 3 });
            Assert.Throws<TorchException>(() => x.View(2, 2));
            Assert.Throws<TorchException>(() => x.Select(0, 7));
            var y = x.Mul(2.0);  // the binding still works after errors
            Assert.Equal(new float[] { 2, 4, 6 }, y.ToArray<float>());
        }
        Assert.Equal(before, LibTorch.LiveTensors);
    }

    [Fact]
    public void UseAfterDisposeThrowsObjectDisposed()
    {
        var x = LibTorch.Zeros(2);
        x.Dispose();
        Assert.Throws<ObjectDisposedException>(() => x.Exp());
    }
}
