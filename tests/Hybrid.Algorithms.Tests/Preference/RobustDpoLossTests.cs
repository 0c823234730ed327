// Robust DPO: value and metrics by hand, unbiasedness under ε-flipped labels, gradient sign and finite differences.
using TorchSharp;
using Hybrid.Algorithms.Preference;
using static Hybrid.Algorithms.Tests.Preference.Kit;

namespace Hybrid.Algorithms.Tests.Preference;

public class RobustDpoLossTests
{
    private static readonly PairedBatch Batch = PairedBatch.Three;

    private static double PerRow(double x, double eps) => ((1 - eps) * -LogSigmoid(x) - eps * -LogSigmoid(-x)) / (1 - 2 * eps);

    [Fact]
    public void ValueAndMetricsMatchTheFormulaWorkedByHand() => NoLeak(() =>
    {
        // β = 0.1, ε = 0.2: L = mean([(0.8)·−log σ(βh) − 0.2·−log σ(−βh)] / 0.6) with βh = [0.2, −0.2, 0.3].
        double expected = (PerRow(0.2, 0.2) + PerRow(-0.2, 0.2) + PerRow(0.3, 0.2)) / 3;
        LossOutput output = new RobustDpoLoss(beta: 0.1, labelSmoothing: 0.2).Compute(Batch.Inputs());
        Close(expected, output.Loss.ToDouble());
        AssertPairedMetrics(output.Metrics, expected, [0.1, -0.1, 0.1], [-0.1, 0.1, -0.2], Batch);
    });

    [Fact]
    public void ExpectedLossUnderFlippedLabelsIsTheCleanDpoLoss()
    {
        // (1 − ε)·L_rob(h) + ε·L_rob(−h) = −log σ(βh): the defining property of the estimator.
        var loss = new RobustDpoLoss(beta: 0.1, labelSmoothing: 0.3);
        PairedBatch flipped = Batch with
        {
            Chosen = Batch.Rejected, Rejected = Batch.Chosen, RefChosen = Batch.RefRejected, RefRejected = Batch.RefChosen,
        };
        double mixed = 0.7 * Value(loss, Batch) + 0.3 * Value(loss, flipped);
        Close(Mean(i => -LogSigmoid(0.1 * Batch.Margin(i)), 3), mixed, 1e-12);
    }

    [Fact]
    public void GradientRaisesChosenLowersRejectedAndMatchesFiniteDifferences()
    {
        var loss = new RobustDpoLoss(beta: 0.4, labelSmoothing: 0.25);
        AssertRaisesChosenLowersRejected(loss, Batch);
        CheckGradientByFiniteDifferences(loss, Batch);
        // d/dc_i = β·[−(1 − ε)σ(−βh) − εσ(βh)] / (1 − 2ε) / B.
        (double[] chosen, _) = Gradients(loss, Batch);
        for (int i = 0; i < 3; i++)
        {
            double x = 0.4 * Batch.Margin(i);
            Close(0.4 * (-0.75 * Sigmoid(-x) - 0.25 * Sigmoid(x)) / 0.5 / 3, chosen[i]);
        }
    }

    [Fact]
    public void HalfOrMoreSmoothingIsRejected()
    {
        var error = Assert.Throws<ArgumentOutOfRangeException>(() => new RobustDpoLoss(labelSmoothing: 0.5));
        Assert.Equal("LabelSmoothing", error.ParamName);
        Assert.Contains("1 − 2ε", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => PreferenceLosses.Create("robust", new() { LabelSmoothing = 0.5 }));
        Assert.Equal(0.1, ((RobustDpoLoss)PreferenceLosses.Create("robust")).LabelSmoothing);
    }
}
