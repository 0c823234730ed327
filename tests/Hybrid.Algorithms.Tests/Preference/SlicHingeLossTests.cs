// SLiC hinge: value and metrics by hand; no loss and no gradient once the margin passes 1/β.
using TorchSharp;
using Hybrid.Algorithms.Preference;
using static Hybrid.Algorithms.Tests.Preference.Kit;

namespace Hybrid.Algorithms.Tests.Preference;

public class SlicHingeLossTests
{
    private static readonly PairedBatch Batch = PairedBatch.Three;

    [Fact]
    public void ValueAndMetricsMatchTheFormulaWorkedByHand() => NoLeak(() =>
    {
        // β = 0.1: max(0, 1 − βh) = [1 − 0.2, 1 + 0.2, 1 − 0.3] = [0.8, 1.2, 0.7] → mean 0.9.
        LossOutput output = new SlicHingeLoss(beta: 0.1).Compute(Batch.Inputs());
        Close(0.9, output.Loss.ToDouble());
        AssertPairedMetrics(output.Metrics, 0.9, [0.1, -0.1, 0.1], [-0.1, 0.1, -0.2], Batch);
        (double[] chosen, double[] rejected) = Gradients(new SlicHingeLoss(beta: 0.1), Batch);
        Assert.All(chosen, g => Close(-0.1 / 3, g));                   // inside the margin: −β/B
        Assert.All(rejected, g => Close(0.1 / 3, g));
    });

    [Fact]
    public void PastTheMarginThereIsNoLossAndNoGradient()
    {
        // β = 1: βh = [2, −2, 3]; rows 0 and 2 are past the margin 1, row 1 costs 1 + 2 = 3 → mean 1.
        var loss = new SlicHingeLoss(beta: 1);
        Close(1.0, Value(loss, Batch));
        (double[] chosen, double[] rejected) = Gradients(loss, Batch);
        Assert.Equal([0.0, -1.0 / 3, 0.0], chosen);
        Assert.Equal([0.0, 1.0 / 3, 0.0], rejected);
    }
}
