// DPO's sigmoid loss and cDPO: values and metrics by hand, gradient sign and size, label-smoothing and β edge cases.
using Hybrid.Algorithms.Preference;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Preference.Kit;

namespace Hybrid.Algorithms.Tests.Preference;

public class DpoLossTests
{
    private static readonly PairedBatch Batch = PairedBatch.Three;

    [Fact]
    public void SigmoidValueAndMetricsMatchTheFormulaWorkedByHand() => NoLeak(() =>
    {
        // β = 0.1, h = [2, −2, 3] → βh = [0.2, −0.2, 0.3]; L = mean(−log σ(βh)).
        // rewards/chosen = β(c − rc) = [0.1, −0.1, 0.1]; rewards/rejected = β(r − rr) = [−0.1, 0.1, −0.2].
        double expected = (-LogSigmoid(0.2) - LogSigmoid(-0.2) - LogSigmoid(0.3)) / 3;
        LossOutput output = new DpoLoss(beta: 0.1).Compute(Batch.Inputs());
        Close(expected, output.Loss.ToDouble());
        Assert.Empty(output.Loss.shape);
        AssertPairedMetrics(output.Metrics, expected, [0.1, -0.1, 0.1], [-0.1, 0.1, -0.2], Batch);
        Close(2.0 / 3, output.Metrics["rewards/accuracies"]);
    });

    [Fact]
    public void GradientRaisesChosenAndLowersRejectedWithDposWeight() => NoLeak(() =>
    {
        // dL/dc_i = −β·σ(−βh_i)/B and dL/dr_i = +β·σ(−βh_i)/B: the wrongly ranked row (h = −2) gets the largest weight.
        var loss = new DpoLoss(beta: 0.1);
        (double[] chosen, double[] rejected) = Gradients(loss, Batch);
        for (int i = 0; i < 3; i++)
        {
            double weight = 0.1 * Sigmoid(-0.1 * Batch.Margin(i)) / 3;
            Close(-weight, chosen[i]);
            Close(weight, rejected[i]);
        }
        Assert.True(chosen[1] < chosen[0] && chosen[0] < chosen[2]);
        AssertRaisesChosenLowersRejected(loss, Batch);
    });

    [Fact]
    public void GradientMatchesFiniteDifferences()
    {
        CheckGradientByFiniteDifferences(new DpoLoss(beta: 0.5), Batch);
        CheckGradientByFiniteDifferences(DpoLoss.Conservative(beta: 0.5, labelSmoothing: 0.2), Batch);
    }

    [Fact]
    public void ConservativeDpoMixesBothLabelOrders() => NoLeak(() =>
    {
        // L = (1 − ε)·−log σ(βh) + ε·−log σ(−βh), ε = 0.1.
        double expected = Mean(i => 0.9 * -LogSigmoid(0.1 * Batch.Margin(i)) + 0.1 * -LogSigmoid(-0.1 * Batch.Margin(i)), 3);
        IPreferenceLoss cdpo = PreferenceLosses.Create("cdpo");
        Assert.Equal("cdpo", cdpo.Name);
        Assert.Equal(0.1, ((DpoLoss)cdpo).LabelSmoothing);
        LossOutput output = cdpo.Compute(Batch.Inputs());
        Close(expected, output.Loss.ToDouble());
        AssertPairedMetrics(output.Metrics, expected, [0.1, -0.1, 0.1], [-0.1, 0.1, -0.2], Batch);
    });

    [Fact]
    public void LabelSmoothingZeroIsPlainSigmoid()
    {
        double plain = Value(new DpoLoss(0.3), Batch);
        Close(plain, Value(DpoLoss.Conservative(0.3, labelSmoothing: 0), Batch), 1e-15);
        Close(plain, Value(new RobustDpoLoss(0.3, labelSmoothing: 0), Batch), 1e-15);
        Close(Mean(i => -LogSigmoid(0.3 * Batch.Margin(i)), 3), plain);
    }

    [Fact]
    public void HalfSmoothingIsSymmetricAndCarriesNoPreference()
    {
        // At ε = 0.5, L(h) = ½(−log σ(βh) − log σ(−βh)) = L(−h): swapping chosen and rejected changes nothing.
        var loss = DpoLoss.Conservative(beta: 0.1, labelSmoothing: 0.5);
        PairedBatch swapped = Batch with
        {
            Chosen = Batch.Rejected, Rejected = Batch.Chosen, RefChosen = Batch.RefRejected, RefRejected = Batch.RefChosen,
        };
        Close(Value(loss, Batch), Value(loss, swapped), 1e-14);
        Close(Mean(i => 0.5 * (-LogSigmoid(0.1 * Batch.Margin(i)) - LogSigmoid(-0.1 * Batch.Margin(i))), 3), Value(loss, Batch));

        // At h = 0 the gradient vanishes (the symmetric loss's minimum).
        PairedBatch tied = Batch with { Chosen = [-11, -19, -6], Rejected = [-11, -19, -7] };
        (double[] chosen, double[] rejected) = Gradients(loss, tied);
        Assert.All(chosen.Concat(rejected), g => Assert.True(Math.Abs(g) < 1e-15, $"gradient {g} at h = 0"));
    }

    [Fact]
    public void BetaExtremesStayFiniteAndApproachTheirLimits()
    {
        // β → 0: −log σ(βh) → log 2. β large: −log σ(βh) → max(0, −βh) = [0, 200, 0] / 3 for β = 100.
        Close(Math.Log(2), Value(new DpoLoss(beta: 1e-9), Batch), 1e-8);
        double large = Value(new DpoLoss(beta: 100), Batch);
        Assert.True(double.IsFinite(large));
        Close(200.0 / 3, large, 1e-9);
    }

    [Fact]
    public void InvalidHyperparametersNameTheField()
    {
        var beta = Assert.Throws<ArgumentOutOfRangeException>(() => new DpoLoss(beta: 0));
        Assert.Equal("Beta", beta.ParamName);
        Assert.Contains("'sigmoid'", beta.Message);
        var eps = Assert.Throws<ArgumentOutOfRangeException>(() => DpoLoss.Conservative(labelSmoothing: 0.6));
        Assert.Equal("LabelSmoothing", eps.ParamName);
    }

    [Fact]
    public void MissingReferenceLogProbsNameTheField()
    {
        using var scope = NewDisposeScope();
        PreferenceInputs inputs = Batch.Inputs() with { RefRejectedLogps = null };
        var error = Assert.Throws<ArgumentException>(() => new DpoLoss().Compute(inputs));
        Assert.Equal("RefRejectedLogps", error.ParamName);
        PreferenceInputs wrongShape = Batch.Inputs() with { RefChosenLogps = torch.zeros(2) };
        Assert.Contains("[B] = [3]", Assert.Throws<ArgumentException>(() => new DpoLoss().Compute(wrongShape)).Message);
    }

    [Fact]
    public void Float32InputsGiveTheSameLoss()
    {
        using var scope = NewDisposeScope();
        PreferenceInputs f64 = Batch.Inputs();
        PreferenceInputs f32 = f64 with
        {
            ChosenLogps = f64.ChosenLogps!.to(ScalarType.Float32), RejectedLogps = f64.RejectedLogps!.to(ScalarType.Float32),
            RefChosenLogps = f64.RefChosenLogps!.to(ScalarType.Float32), RefRejectedLogps = f64.RefRejectedLogps!.to(ScalarType.Float32),
        };
        Tensor loss = new DpoLoss().Compute(f32).Loss;
        Assert.Equal(ScalarType.Float32, loss.dtype);
        Close(Value(new DpoLoss(), Batch), loss.ToDouble(), 1e-6);
    }
}
