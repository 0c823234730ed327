// The value loss and explained variance against values worked by hand.
using Hybrid.Algorithms.Critic;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Algorithms.Tests.Critic;

public sealed class ValueLossTests
{
    [Fact]
    public void ClippedAndUnclippedLossesMatchHandWorkedValues()
    {
        long baseline = TensorUtil.LiveTensors;
        using (var scope = NewDisposeScope())
        {
            // one row, three tokens, the third is padding
            Tensor values = torch.tensor(new[] { 1.0f, 0.0f, 9.0f }, [1, 3]);
            Tensor oldValues = torch.tensor(new[] { 0.5f, 0.5f, 0.0f }, [1, 3]);
            Tensor returns = torch.tensor(new[] { 2.0f, -1.0f, 0.0f }, [1, 3]);
            Tensor mask = torch.tensor(new[] { 1f, 1f, 0f }, [1, 3]);
            // unclipped: ½·((1−2)² + (0+1)²)/2 = ½·(1 + 1)/2 = 0.5
            Assert.Equal(0.5, ValueLoss.Compute(values, oldValues, returns, mask, clip: null).ToDouble(), 6);
            // clip 0.2: token 0: clip(1, 0.3, 0.7) = 0.7 → (0.7−2)² = 1.69 > 1 → 1.69; token 1: clip(0, 0.3, 0.7) = 0.3 → (0.3+1)² = 1.69 > 1 → 1.69
            // ½·(1.69 + 1.69)/2 = 0.845
            Assert.Equal(0.845, ValueLoss.Compute(values, oldValues, returns, mask, clip: 0.2).ToDouble(), 5);
            // explained variance over tokens {0,1}: returns (2, −1) var = 2.25; residual (1, −1) var = 1 → 1 − 1/2.25
            Assert.Equal(1 - 1 / 2.25, ValueLoss.ExplainedVariance(values, returns, mask), 5);
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }
}
