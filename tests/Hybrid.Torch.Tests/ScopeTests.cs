// Deterministic native memory: scopes free every intermediate, and the live-tensor count returns to its baseline.
using Hybrid.Torch;
using Hybrid.Torch.NN;
using Hybrid.Torch.Optim;

namespace Hybrid.Torch.Tests;

public class ScopeTests
{
    [Fact]
    public void TenThousandScopedTrainingIterationsLeaveNoLiveTensor()
    {
        LibTorch.ManualSeed(1);
        using var layer = new Linear(8, 4);
        using var optimizer = new AdamW(layer.Parameters(), lr: 1e-3);
        using var x = LibTorch.Randn([16, 8]);
        using var target = LibTorch.RandInt(0, 4, [16]);
        long baseline = LibTorch.LiveTensors;
        double firstLoss = 0, lastLoss = 0;
        for (int i = 0; i < 10_000; i++)
        {
            using var scope = LibTorch.NewScope();
            var loss = Functional.CrossEntropy(layer.Forward(x).Silu().Softmax(-1).Log(), target);
            loss.Backward();
            GradientClipping.ClipGradNorm(optimizer.Parameters, 1.0);
            optimizer.Step();
            optimizer.ZeroGrad();
            if (i == 0) firstLoss = loss.Item();
            if (i == 9_999) lastLoss = loss.Item();
            Assert.Equal(5, scope.Count);  // linear, silu, softmax, log, loss
        }
        Assert.Equal(baseline, LibTorch.LiveTensors);
        Assert.True(lastLoss < firstLoss, $"training did not reduce the loss ({firstLoss} -> {lastLoss})");
    }

    [Fact]
    public void NestedScopesFreeInnerTensorsAndMoveToOuterKeepsResult()
    {
        long baseline = LibTorch.LiveTensors;
        using (var outer = LibTorch.NewScope())
        {
            Tensor kept;
            using (var inner = LibTorch.NewScope())
            {
                var a = LibTorch.Ones(3);
                var b = a.Mul(2.0);
                kept = b.Add(1.0).MoveToOuterScope();
                Assert.Equal(baseline + 3, LibTorch.LiveTensors);
            }
            Assert.Equal(baseline + 1, LibTorch.LiveTensors);
            Assert.Equal(new float[] { 3, 3, 3 }, kept.ToArray<float>());
            Assert.Equal(1, outer.Count);
        }
        Assert.Equal(baseline, LibTorch.LiveTensors);
    }

    [Fact]
    public void DetachedTensorSurvivesItsScopeUntilDisposed()
    {
        long baseline = LibTorch.LiveTensors;
        Tensor owned;
        using (LibTorch.NewScope())
            owned = LibTorch.Full([2], 7).DetachFromScope();
        Assert.Equal(baseline + 1, LibTorch.LiveTensors);
        Assert.Equal(new float[] { 7, 7 }, owned.ToArray<float>());
        owned.Dispose();
        Assert.Equal(baseline, LibTorch.LiveTensors);
    }

    [Fact]
    public void TensorsOfADisposedScopeRefuseUse()
    {
        Tensor t;
        using (LibTorch.NewScope()) t = LibTorch.Zeros(1);
        Assert.True(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => t.Add(1.0));
    }

    [Fact]
    public void ScopesMustEndInnermostFirst()
    {
        var outer = LibTorch.NewScope();
        var inner = LibTorch.NewScope();
        Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        inner.Dispose();
        outer.Dispose();
    }

    [Fact]
    public void ModuleAndOptimizerDisposeReleaseAllTheirTensors()
    {
        long baseline = LibTorch.LiveTensors;
        using (LibTorch.NewScope())  // parameters created inside a scope still belong to the module
        {
            var layer = new Linear(4, 3);
            var norm = new RMSNorm(3);
            var optimizer = new AdamW(layer.Parameters().Concat(norm.Parameters()));
            Assert.Equal(baseline + 3 + 6, LibTorch.LiveTensors);  // 3 parameters, 6 moment tensors
            optimizer.Dispose();
            layer.Dispose();
            norm.Dispose();
        }
        Assert.Equal(baseline, LibTorch.LiveTensors);
    }
}
