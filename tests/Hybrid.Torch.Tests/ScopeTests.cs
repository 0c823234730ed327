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
        Torch.ManualSeed(1);
        using var layer = new Linear(8, 4);
        using var optimizer = new AdamW(layer.Parameters(), lr: 1e-3);
        using var x = Torch.Randn([16, 8]);
        using var target = Torch.RandInt(0, 4, [16]);
        long baseline = Torch.LiveTensors;
        double firstLoss = 0, lastLoss = 0;
        for (int i = 0; i < 10_000; i++)
        {
            using var scope = Torch.NewScope();
            var loss = Functional.CrossEntropy(layer.Forward(x).Silu().Softmax(-1).Log(), target);
            loss.Backward();
            GradientClipping.ClipGradNorm(optimizer.Parameters, 1.0);
            optimizer.Step();
            optimizer.ZeroGrad();
            if (i == 0) firstLoss = loss.Item();
            if (i == 9_999) lastLoss = loss.Item();
            Assert.Equal(5, scope.Count);  // linear, silu, softmax, log, loss
        }
        Assert.Equal(baseline, Torch.LiveTensors);
        Assert.True(lastLoss < firstLoss, $"training did not reduce the loss ({firstLoss} -> {lastLoss})");
    }

    [Fact]
    public void NestedScopesFreeInnerTensorsAndMoveToOuterKeepsResult()
    {
        long baseline = Torch.LiveTensors;
        using (var outer = Torch.NewScope())
        {
            Tensor kept;
            using (var inner = Torch.NewScope())
            {
                var a = Torch.Ones(3);
                var b = a.Mul(2.0);
                kept = b.Add(1.0).MoveToOuterScope();
                Assert.Equal(baseline + 3, Torch.LiveTensors);
            }
            Assert.Equal(baseline + 1, Torch.LiveTensors);
            Assert.Equal(new float[] { 3, 3, 3 }, kept.ToArray<float>());
            Assert.Equal(1, outer.Count);
        }
        Assert.Equal(baseline, Torch.LiveTensors);
    }

    [Fact]
    public void DetachedTensorSurvivesItsScopeUntilDisposed()
    {
        long baseline = Torch.LiveTensors;
        Tensor owned;
        using (Torch.NewScope())
            owned = Torch.Full([2], 7).DetachFromScope();
        Assert.Equal(baseline + 1, Torch.LiveTensors);
        Assert.Equal(new float[] { 7, 7 }, owned.ToArray<float>());
        owned.Dispose();
        Assert.Equal(baseline, Torch.LiveTensors);
    }

    [Fact]
    public void TensorsOfADisposedScopeRefuseUse()
    {
        Tensor t;
        using (Torch.NewScope()) t = Torch.Zeros(1);
        Assert.True(t.IsDisposed);
        Assert.Throws<ObjectDisposedException>(() => t.Add(1.0));
    }

    [Fact]
    public void ScopesMustEndInnermostFirst()
    {
        var outer = Torch.NewScope();
        var inner = Torch.NewScope();
        Assert.Throws<InvalidOperationException>(() => outer.Dispose());
        inner.Dispose();
        outer.Dispose();
    }

    [Fact]
    public void ModuleAndOptimizerDisposeReleaseAllTheirTensors()
    {
        long baseline = Torch.LiveTensors;
        using (Torch.NewScope())  // parameters created inside a scope still belong to the module
        {
            var layer = new Linear(4, 3);
            var norm = new RMSNorm(3);
            var optimizer = new AdamW(layer.Parameters().Concat(norm.Parameters()));
            Assert.Equal(baseline + 3 + 6, Torch.LiveTensors);  // 3 parameters, 6 moment tensors
            optimizer.Dispose();
            layer.Dispose();
            norm.Dispose();
        }
        Assert.Equal(baseline, Torch.LiveTensors);
    }
}
