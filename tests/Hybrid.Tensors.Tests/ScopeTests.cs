// Deterministic native memory: scopes free every intermediate, and the live-tensor count returns to its baseline.
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Tensors.Layers;
using Hybrid.Tensors.Optim;

namespace Hybrid.Tensors.Tests;

public class ScopeTests
{
    [Fact]
    public void TenThousandScopedTrainingIterationsLeaveNoLiveTensor()
    {
        TensorUtil.ManualSeed(1);
        using var layer = new Linear(8, 4);
        using var optimizer = new AdamW(layer.parameters(), lr: 1e-3);
        using var x = torch.randn([16, 8]);
        using var target = torch.randint(0, 4, [16]);
        long baseline = TensorUtil.LiveTensors;
        double firstLoss = 0, lastLoss = 0;
        for (int i = 0; i < 10_000; i++)
        {
            using var scope = NewDisposeScope();
            var loss = nn.functional.cross_entropy(layer.Forward(x).silu().softmax(-1).log(), target);
            loss.backward();
            GradientClipping.ClipGradNorm(optimizer.Parameters, 1.0);
            optimizer.Step();
            optimizer.ZeroGrad();
            if (i == 0) firstLoss = loss.ToDouble();
            if (i == 9_999) lastLoss = loss.ToDouble();
            Assert.Equal(5, scope.DisposablesCount);  // linear, silu, softmax, log, loss
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
        Assert.True(lastLoss < firstLoss, $"training did not reduce the loss ({firstLoss} -> {lastLoss})");
    }

    [Fact]
    public void NestedScopesFreeInnerTensorsAndMoveToOuterKeepsResult()
    {
        long baseline = TensorUtil.LiveTensors;
        using (var outer = NewDisposeScope())
        {
            Tensor kept;
            using (var inner = NewDisposeScope())
            {
                var a = torch.ones(3);
                var b = a.mul(2.0);
                kept = b.add(1.0).MoveToOuterDisposeScope();
                Assert.Equal(baseline + 3, TensorUtil.LiveTensors);
            }
            Assert.Equal(baseline + 1, TensorUtil.LiveTensors);
            Assert.Equal(new float[] { 3, 3, 3 }, kept.data<float>().ToArray());
            Assert.Equal(1, outer.DisposablesCount);
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }

    [Fact]
    public void DetachedTensorSurvivesItsScopeUntilDisposed()
    {
        long baseline = TensorUtil.LiveTensors;
        Tensor owned;
        using (NewDisposeScope())
            owned = torch.full([2], 7f).DetachFromDisposeScope();
        Assert.Equal(baseline + 1, TensorUtil.LiveTensors);
        Assert.Equal(new float[] { 7, 7 }, owned.data<float>().ToArray());
        owned.Dispose();
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }

    [Fact]
    public void ModuleAndOptimizerDisposeReleaseAllTheirTensors()
    {
        long baseline = TensorUtil.LiveTensors;
        using (NewDisposeScope())  // parameters created inside a scope still belong to the module
        {
            var layer = new Linear(4, 3);
            var norm = new RMSNorm(3);
            var optimizer = new AdamW(layer.parameters().Concat(norm.parameters()));
            Assert.Equal(baseline + 3 + 6, TensorUtil.LiveTensors);  // 3 parameters, 6 moment tensors
            optimizer.Dispose();
            layer.Dispose();
            norm.Dispose();
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }
}
