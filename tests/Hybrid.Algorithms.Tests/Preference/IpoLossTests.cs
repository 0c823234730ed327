// IPO: the squared loss on length-averaged log-ratios, its minimum at h = 1/(2τ), gradient sign on both sides.
using TorchSharp;
using Hybrid.Algorithms.Preference;
using static Hybrid.Algorithms.Tests.Preference.Kit;

namespace Hybrid.Algorithms.Tests.Preference;

public class IpoLossTests
{
    private static readonly PairedBatch Batch = PairedBatch.Three;

    [Fact]
    public void ValueAndMetricsMatchTheFormulaWorkedByHand() => NoLeak(() =>
    {
        // h = (c − rc)/|y_w| − (r − rr)/|y_l| = [1/5 + 1/4, −1/10 − 1/8, 1/2 + 2/3]; τ = 0.1 → target 1/(2τ) = 5.
        double[] h = [1.0 / 5 + 1.0 / 4, -1.0 / 10 - 1.0 / 8, 1.0 / 2 + 2.0 / 3];
        double expected = Mean(i => (h[i] - 5) * (h[i] - 5), 3);
        LossOutput output = new IpoLoss(beta: 0.1).Compute(Batch.Inputs());
        Close(expected, output.Loss.ToDouble());
        // Rewards stay β·(summed log-ratio), as for every reference-based loss.
        AssertPairedMetrics(output.Metrics, expected, [0.1, -0.1, 0.1], [-0.1, 0.1, -0.2], Batch);
    });

    [Fact]
    public void MinimumSitsAtTheTargetMargin()
    {
        // One pair with |y| = 2 each: h = ((c + 4) − (r + 4))/2. τ = 0.25 → target 2, reached at c − r = 4.
        var loss = new IpoLoss(beta: 0.25);
        PairedBatch At(double chosen) => new([chosen], [-6], [-4], [-4], [2], [2]);
        double atTarget = Value(loss, At(-2));
        Close(0, atTarget, 1e-15);
        (double[] g, double[] gr) = Gradients(loss, At(-2));
        Close(0, g[0], 1e-15);
        Close(0, gr[0], 1e-15);
        Assert.True(Value(loss, At(-2.1)) > atTarget && Value(loss, At(-1.9)) > atTarget);

        // Below the target the gradient raises the chosen answer; above it, IPO pulls the margin back (DPO never does).
        Assert.True(Gradients(loss, At(-3)).Chosen[0] < 0);
        Assert.True(Gradients(loss, At(-1)).Chosen[0] > 0);
        Assert.True(Gradients(loss, At(-1)).Rejected[0] < 0);
    }

    [Fact]
    public void GradientBelowTargetRaisesChosenAndMatchesFiniteDifferences()
    {
        var loss = new IpoLoss(beta: 0.1);                              // every row's h is far below 5
        AssertRaisesChosenLowersRejected(loss, Batch);
        // dL/dc_i = 2(h_i − 5)/|y_w,i| / B
        (double[] chosen, _) = Gradients(loss, Batch);
        Close(2 * (0.45 - 5) / 5 / 3, chosen[0]);
        CheckGradientByFiniteDifferences(loss, Batch);
    }

    [Fact]
    public void TokenCountsAreRequired()
    {
        using var scope = torch.NewDisposeScope();
        var error = Assert.Throws<ArgumentException>(() => new IpoLoss().Compute(Batch.Inputs() with { RejectedTokens = null }));
        Assert.Equal("RejectedTokens", error.ParamName);
    }
}
