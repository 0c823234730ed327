// ORPO: NLL plus the log-odds-ratio term worked by hand, its metrics, gradient sign and finite differences.
using TorchSharp;
using Hybrid.Algorithms.Preference;
using static Hybrid.Algorithms.Tests.Preference.Kit;

namespace Hybrid.Algorithms.Tests.Preference;

public class OrpoLossTests
{
    private static readonly PairedBatch Batch = PairedBatch.Three;

    /// <summary>log odds(y_w) − log odds(y_l) with odds = P/(1 − P) and log P = the average log-prob a.</summary>
    private static double LogOdds(double aw, double al) => (aw - Math.Log(1 - Math.Exp(aw))) - (al - Math.Log(1 - Math.Exp(al)));

    [Fact]
    public void ValueAndMetricsMatchTheFormulaWorkedByHand() => NoLeak(() =>
    {
        // a_w = c/|y_w| = [−2, −2, −2.5]; a_l = r/|y_l| = [−3, −2.25, −3]; L = mean(−a_w − λ·log σ(log_odds)), λ = 0.1.
        double[] aw = [-2, -2, -2.5], al = [-3, -2.25, -3];
        double[] logOdds = [.. Enumerable.Range(0, 3).Select(i => LogOdds(aw[i], al[i]))];
        double expected = Mean(i => -aw[i] - 0.1 * LogSigmoid(logOdds[i]), 3);
        var loss = new OrpoLoss(beta: 0.1);
        Assert.False(loss.NeedsReference);
        LossOutput output = loss.Compute(Batch.Inputs() with { RefChosenLogps = null, RefRejectedLogps = null });
        Close(expected, output.Loss.ToDouble());
        AssertPairedMetrics(output.Metrics, expected, [-0.2, -0.2, -0.25], [-0.3, -0.225, -0.3], Batch);
        Close(6.5 / 3, output.Metrics["nll_loss"]);
        Close(Mean(i => LogSigmoid(logOdds[i]), 3), output.Metrics["log_odds_ratio"]);
        Close(logOdds.Average(), output.Metrics["log_odds_chosen"]);
    });

    [Fact]
    public void GradientRaisesChosenLowersRejectedAndMatchesFiniteDifferences()
    {
        var loss = new OrpoLoss(beta: 0.5);
        AssertRaisesChosenLowersRejected(loss, Batch);
        CheckGradientByFiniteDifferences(loss, Batch);
    }

    [Fact]
    public void TheOddsRatioTermVanishesWithLambdaToZero() =>
        Close(6.5 / 3, Value(new OrpoLoss(beta: 1e-12), Batch), 1e-10);  // only the NLL of the chosen answers is left
}
