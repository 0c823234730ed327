// Combined losses: the weighted sum of values and gradients, merged metric names, reference need, member checks.
using Hybrid.Algorithms.Preference;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Preference.Kit;

namespace Hybrid.Algorithms.Tests.Preference;

public class CombinedPreferenceLossTests
{
    private static readonly PairedBatch Batch = PairedBatch.Three;

    [Fact]
    public void DpoPlusNllIsTheWeightedSumWithMergedMetrics() => NoLeak(() =>
    {
        // L = 1·mean(−log σ(βh)) + 0.5·mean(−c/|y_w|), β = 0.1: DPO as worked in DpoLossTests, NLL = 6.5/3.
        double dpo = Mean(i => -LogSigmoid(0.1 * Batch.Margin(i)), 3), nll = 6.5 / 3;
        var loss = new CombinedPreferenceLoss((new DpoLoss(0.1), 1.0), (new NllLoss(), 0.5));
        Assert.Equal("sigmoid:1,nll:0.5", loss.Name);
        Assert.True(loss.NeedsReference);
        Assert.Equal(PreferenceDataKind.Paired, loss.DataKind);
        LossOutput output = loss.Compute(Batch.Inputs());
        Close(dpo + 0.5 * nll, output.Loss.ToDouble());
        IReadOnlyDictionary<string, double> m = output.Metrics;
        Close(dpo + 0.5 * nll, m["loss"]);
        Close(dpo, m["sigmoid/loss"]);
        Close(nll, m["nll/loss"]);
        Close(nll, m["nll_loss"]);                                       // one producer: name kept
        Close(0.1 / 3 * (1 - 1 + 1), m["rewards/chosen"]);
        Close(Batch.Chosen.Average(), m["logps/chosen"]);                // shared: kept once, unprefixed
        Assert.False(m.ContainsKey("sigmoid/logps/chosen"));
        Assert.Equal(["logps/chosen", "logps/rejected", "loss", "nll/loss", "nll_loss", "rewards/accuracies", "rewards/chosen",
                      "rewards/margins", "rewards/rejected", "sigmoid/loss"], m.Keys.Order(StringComparer.Ordinal));
    });

    [Fact]
    public void GradientIsTheWeightedSumOfTheMembersGradients()
    {
        var sigmoid = new DpoLoss(0.1);
        var simpo = new SimPoLoss(2.0, 0.5);
        (double[] c1, double[] r1) = Gradients(sigmoid, Batch);
        (double[] c2, double[] r2) = Gradients(simpo, Batch);
        (double[] c, double[] r) = Gradients(new CombinedPreferenceLoss((sigmoid, 2.0), (simpo, 0.25)), Batch);
        for (int i = 0; i < 3; i++)
        {
            Close(2 * c1[i] + 0.25 * c2[i], c[i], 1e-12);
            Close(2 * r1[i] + 0.25 * r2[i], r[i], 1e-12);
        }
        CheckGradientByFiniteDifferences(new CombinedPreferenceLoss((sigmoid, 2.0), (simpo, 0.25)), Batch);
    }

    [Fact]
    public void CollidingMetricsArePrefixedByTheMembersName()
    {
        using var scope = NewDisposeScope();
        var loss = new CombinedPreferenceLoss((new DpoLoss(0.1), 1.0), (new SimPoLoss(2.0, 0.5), 1.0));
        Assert.True(loss.NeedsReference);
        IReadOnlyDictionary<string, double> m = loss.Compute(Batch.Inputs()).Metrics;
        Close(0.1 / 3, m["sigmoid/rewards/chosen"]);                    // β(c − rc) = [0.1, −0.1, 0.1]
        Close(-13.0 / 3, m["simpo/rewards/chosen"]);                    // β·c/|y_w| = [−4, −4, −5]
        Assert.False(m.ContainsKey("rewards/chosen"));
        Assert.True(m.ContainsKey("logps/rejected"));
    }

    [Fact]
    public void ReferenceIsNeededOnlyWhenAMemberNeedsIt()
    {
        Assert.False(new CombinedPreferenceLoss((new SimPoLoss(), 1.0), (new NllLoss(), 1.0)).NeedsReference);
        Assert.True(new CombinedPreferenceLoss((new NllLoss(), 1.0), (new IpoLoss(), 1.0)).NeedsReference);
    }

    [Fact]
    public void BadMembersAreRejected()
    {
        Assert.Contains("different data", Assert.Throws<ArgumentException>(() =>
            new CombinedPreferenceLoss((new DpoLoss(), 1.0), (new KtoLoss(), 1.0))).Message);
        Assert.Contains("twice", Assert.Throws<ArgumentException>(() =>
            new CombinedPreferenceLoss((new DpoLoss(), 1.0), (new DpoLoss(0.2), 1.0))).Message);
        Assert.Contains("'nll'", Assert.Throws<ArgumentOutOfRangeException>(() =>
            new CombinedPreferenceLoss((new DpoLoss(), 1.0), (new NllLoss(), 0.0))).Message);
        Assert.Throws<ArgumentException>(() => new CombinedPreferenceLoss());
    }
}
