// SimPO: value and metrics by hand (length-averaged rewards, margin γ), γ's convention, no reference needed.
using Hybrid.Algorithms.Preference;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Preference.Kit;

namespace Hybrid.Algorithms.Tests.Preference;

public class SimPoLossTests
{
    private static readonly PairedBatch Batch = PairedBatch.Three;

    [Fact]
    public void ValueAndMetricsMatchTheFormulaWorkedByHand() => NoLeak(() =>
    {
        // β = 2: rewards β·logp/|y|: chosen 2·[−10/5, −20/10, −5/2] = [−4, −4, −5]; rejected 2·[−12/4, −18/8, −9/3] = [−6, −4.5, −6].
        // γ = 0.5: logits = [2, 0.5, 1] − 0.5 = [1.5, 0, 0.5].
        double expected = (-LogSigmoid(1.5) - LogSigmoid(0) - LogSigmoid(0.5)) / 3;
        var loss = new SimPoLoss(beta: 2.0, gamma: 0.5);
        Assert.False(loss.NeedsReference);
        LossOutput output = loss.Compute(Batch.Inputs() with { RefChosenLogps = null, RefRejectedLogps = null });
        Close(expected, output.Loss.ToDouble());
        AssertPairedMetrics(output.Metrics, expected, [-4, -4, -5], [-6, -4.5, -6], Batch);
    });

    [Fact]
    public void GammaIsTheMarginTermItselfNotARatio()
    {
        // γ = 1 subtracts 1 from the logit (not β·1 = 2).
        Close(Mean(i => -LogSigmoid(2 * (Batch.Chosen[i] / Batch.ChosenTokens[i] - Batch.Rejected[i] / Batch.RejectedTokens[i]) - 1), 3),
              Value(new SimPoLoss(beta: 2.0, gamma: 1.0), Batch));
        Assert.True(Value(new SimPoLoss(2.0, 1.0), Batch) > Value(new SimPoLoss(2.0, 0.0), Batch));  // a margin costs loss
        Assert.Equal(2.0, ((SimPoLoss)PreferenceLosses.Create("simpo")).Beta);
        Assert.Equal(0.5, ((SimPoLoss)PreferenceLosses.Create("simpo")).Gamma);
    }

    [Fact]
    public void GradientRaisesChosenLowersRejectedScaledByLength()
    {
        var loss = new SimPoLoss();
        AssertRaisesChosenLowersRejected(loss, Batch);
        // dL/dc_i = −σ(−logit_i)·β/|y_w,i| / B; row 0: logit 1.5, |y_w| = 5.
        Close(-Sigmoid(-1.5) * 2 / 5 / 3, Gradients(loss, Batch).Chosen[0]);
        CheckGradientByFiniteDifferences(loss, Batch);
    }

    [Fact]
    public void NegativeGammaIsRejected() =>
        Assert.Equal("Gamma", Assert.Throws<ArgumentOutOfRangeException>(() => new SimPoLoss(gamma: -1)).ParamName);

    [Fact]
    public void TokenCountsAreRequired()
    {
        using var scope = NewDisposeScope();
        Assert.Equal("ChosenTokens",
            Assert.Throws<ArgumentException>(() => new SimPoLoss().Compute(Batch.Inputs() with { ChosenTokens = null })).ParamName);
    }
}
