// R-DPO: value by hand with the length term, its sign (a longer chosen answer lowers the loss), α = 0 is DPO.
using TorchSharp;
using Hybrid.Algorithms.Preference;
using static Hybrid.Algorithms.Tests.Preference.Kit;

namespace Hybrid.Algorithms.Tests.Preference;

public class RDpoLossTests
{
    private static readonly PairedBatch Batch = PairedBatch.Three;

    [Fact]
    public void ValueAndMetricsMatchTheFormulaWorkedByHand() => NoLeak(() =>
    {
        // β = 0.1, α = 0.2: α(|y_w| − |y_l|) = 0.2·[1, 2, −1]; logits = βh + that = [0.2 + 0.2, −0.2 + 0.4, 0.3 − 0.2].
        double expected = (-LogSigmoid(0.4) - LogSigmoid(0.2) - LogSigmoid(0.1)) / 3;
        LossOutput output = new RDpoLoss(beta: 0.1, alpha: 0.2).Compute(Batch.Inputs());
        Close(expected, output.Loss.ToDouble());
        AssertPairedMetrics(output.Metrics, expected, [0.1, -0.1, 0.1], [-0.1, 0.1, -0.2], Batch);
        Close(0.2 * (1 + 2 - 1) / 3.0, output.Metrics["length_term"]);
    });

    [Fact]
    public void ALongerChosenAnswerNeedsLessPushThanInDpo()
    {
        // Row 0 has |y_w| > |y_l|: its R-DPO loss and gradient are smaller than DPO's, so length earns less credit.
        PairedBatch row0 = new([-10], [-12], [-11], [-11], [5], [4]);
        Assert.True(Value(new RDpoLoss(0.1, 0.2), row0) < Value(new DpoLoss(0.1), row0));
        Assert.True(Math.Abs(Gradients(new RDpoLoss(0.1, 0.2), row0).Chosen[0]) < Math.Abs(Gradients(new DpoLoss(0.1), row0).Chosen[0]));
        AssertRaisesChosenLowersRejected(new RDpoLoss(), Batch);
    }

    [Fact]
    public void AlphaZeroIsPlainDpo() => Close(Value(new DpoLoss(0.1), Batch), Value(new RDpoLoss(0.1, alpha: 0), Batch), 1e-15);

    [Fact]
    public void GradientMatchesFiniteDifferences() => CheckGradientByFiniteDifferences(new RDpoLoss(0.3, 0.05), Batch);
}
