// ODPO: value by hand with the log score-gap offset, α = 0 is DPO, and the error when s_w ≤ s_l.
using TorchSharp;
using Hybrid.Algorithms.Preference;
using static Hybrid.Algorithms.Tests.Preference.Kit;

namespace Hybrid.Algorithms.Tests.Preference;

public class OdpoLossTests
{
    private static readonly PairedBatch Batch = PairedBatch.Three;

    [Fact]
    public void ValueAndMetricsMatchTheFormulaWorkedByHand() => NoLeak(() =>
    {
        // Score gaps s_w − s_l = [2, 0.5, 5]; α = 1 → Δ = [ln 2, ln 0.5, ln 5]; logits = βh − Δ with βh = [0.2, −0.2, 0.3].
        double[] offset = [Math.Log(2), Math.Log(0.5), Math.Log(5)];
        double expected = (-LogSigmoid(0.2 - offset[0]) - LogSigmoid(-0.2 - offset[1]) - LogSigmoid(0.3 - offset[2])) / 3;
        LossOutput output = new OdpoLoss(beta: 0.1, alpha: 1).Compute(Batch.Inputs());
        Close(expected, output.Loss.ToDouble());
        AssertPairedMetrics(output.Metrics, expected, [0.1, -0.1, 0.1], [-0.1, 0.1, -0.2], Batch);
        Close(offset.Average(), output.Metrics["offset"]);
        AssertRaisesChosenLowersRejected(new OdpoLoss(), Batch);
    });

    [Fact]
    public void AlphaScalesTheOffsetAndZeroIsPlainDpo()
    {
        Close(Value(new DpoLoss(0.1), Batch), Value(new OdpoLoss(0.1, alpha: 0), Batch), 1e-15);
        double[] offset = [2 * Math.Log(2), 2 * Math.Log(0.5), 2 * Math.Log(5)];
        Close(Mean(i => -LogSigmoid(0.1 * Batch.Margin(i) - offset[i]), 3), Value(new OdpoLoss(0.1, alpha: 2), Batch));
    }

    [Fact]
    public void ChosenScoreNotAboveRejectedIsAClearError() => NoLeak(() =>
    {
        // The throw happens mid-computation; the loss's own scope must still free what it made.
        PairedBatch tie = Batch with { ChosenScores = [3.0, 2.0, 9.0] };   // row 1: 2 − 2 = 0
        var error = Assert.Throws<ArgumentException>(() => new OdpoLoss().Compute(tie.Inputs()));
        Assert.Contains("row 1", error.Message);
        Assert.Contains("ChosenScores > RejectedScores", error.Message);
        PairedBatch below = Batch with { ChosenScores = [0.5, 2.5, 9.0] };  // row 0: 0.5 − 1 < 0
        Assert.Contains("row 0", Assert.Throws<ArgumentException>(() => new OdpoLoss().Compute(below.Inputs())).Message);
        var missing = Assert.Throws<ArgumentException>(() => new OdpoLoss().Compute(Batch.Inputs() with { ChosenScores = null }));
        Assert.Equal("ChosenScores", missing.ParamName);
    });

    [Fact]
    public void GradientMatchesFiniteDifferences() => CheckGradientByFiniteDifferences(new OdpoLoss(0.5, 1), Batch);
}
