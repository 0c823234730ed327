// TorchSharp loads and computes on this machine: forward and backward against hand-worked values, and the loader fix's footprint.
using static TorchSharp.torch;

namespace Hybrid.TorchSharp.Tests;

public sealed class TorchSharpLoadTests
{
    private const string Version = "GLIBCXX_3.4.32";

    [Fact]
    public void ForwardAndBackwardGiveTheHandWorkedValues()
    {
        using var scope = NewDisposeScope();
        // y = Σ x², dy/dx = 2x.
        Tensor x = tensor(new float[] { 1, 2, 3 }, requires_grad: true);
        Tensor y = (x * x).sum();
        y.backward();
        Assert.Equal(14f, y.item<float>());
        Assert.Equal([2f, 4f, 6f], x.grad!.data<float>().ToArray());

        // loss = Σ relu(W v), W = [[1, -1], [2, 0]], v = [3, 1]: W v = [2, 6], both rows positive, so dloss/dW = [v; v].
        Tensor w = tensor(new float[] { 1, -1, 2, 0 }, requires_grad: true).reshape(2, 2).detach().requires_grad_(true);
        Tensor v = tensor(new float[] { 3, 1 });
        Tensor loss = nn.functional.relu(matmul(w, v)).sum();
        loss.backward();
        Assert.Equal(8f, loss.item<float>());
        Assert.Equal([3f, 1f, 3f, 1f], w.grad!.data<float>().ToArray());
    }

    // The build's copy of libLibTorchSharp.so equals the package's, except for the one flag byte that marks the
    // GLIBCXX_3.4.32 requirement weak, and only where the system libstdc++ lacks that version.
    [Fact]
    public void TheOutputCopyDiffersFromThePackageInAtMostTheWeakFlag()
    {
        string output = Path.Combine(AppContext.BaseDirectory, "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        string packages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } p
            ? p : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        string package = Path.Combine(packages, "torchsharp", "0.107.0", "runtimes", "linux-x64", "native", "libLibTorchSharp.so");
        Assert.True(File.Exists(package), $"{package} not found");
        byte[] built = File.ReadAllBytes(output), original = File.ReadAllBytes(package);
        Assert.Equal(original.Length, built.Length);
        int[] differing = Enumerable.Range(0, built.Length).Where(i => built[i] != original[i]).ToArray();

        bool systemHasIt = File.Exists("/usr/lib/x86_64-linux-gnu/libstdc++.so.6")
            && File.ReadAllBytes("/usr/lib/x86_64-linux-gnu/libstdc++.so.6").AsSpan().IndexOf(System.Text.Encoding.ASCII.GetBytes(Version + "\0")) >= 0;
        if (systemHasIt)
        {
            Assert.Empty(differing);
        }
        else
        {
            int at = Assert.Single(differing);
            Assert.Equal(original[at] | 0x2, built[at]);  // VER_FLG_WEAK in the low byte of vna_flags
        }
    }
}
