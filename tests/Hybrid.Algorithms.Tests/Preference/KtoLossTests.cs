// KTO: value and metrics by hand on unpaired rows, the clamped and detached reference point z₀, gradient per label.
using Hybrid.Algorithms.Preference;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Preference.Kit;

namespace Hybrid.Algorithms.Tests.Preference;

public class KtoLossTests
{
    // Four rows: desirable, undesirable, desirable, undesirable. r = logp − ref = [1, −1, 0, 2].
    private static readonly double[] Logps = [-5, -7, -6, -4], RefLogps = [-6, -6, -6, -6];
    private static readonly bool[] Desirable = [true, false, true, false];
    // Mismatched pairs: policy − reference = [0.5, 0.2, −0.4, 0.5] → mean 0.2 = z₀.
    private static readonly double[] KlLogps = [-3, -4, -5, -2], RefKlLogps = [-3.5, -4.2, -4.6, -2.5];

    private static PreferenceInputs Inputs(out Tensor logps, out Tensor klLogps, double[]? kl = null, bool[]? desirable = null)
    {
        logps = torch.tensor(Logps).requires_grad_();
        klLogps = torch.tensor(kl ?? KlLogps).requires_grad_();
        return new PreferenceInputs
        {
            Logps = logps, RefLogps = torch.tensor(RefLogps), Desirable = torch.tensor(desirable ?? Desirable),
            KlLogps = klLogps, RefKlLogps = torch.tensor(RefKlLogps),
        };
    }

    [Fact]
    public void ValueAndMetricsMatchTheFormulaWorkedByHand() => NoLeak(() =>
    {
        // β = 0.1, z₀ = 0.2. Desirable: 1 − σ(β(r − z₀)) → 1 − σ(0.08), 1 − σ(−0.02).
        // Undesirable: 1 − σ(β(z₀ − r)) → 1 − σ(0.12), 1 − σ(−0.18). λ_D = λ_U = 1; mean over 4 rows.
        double expected = ((1 - Sigmoid(0.08)) + (1 - Sigmoid(0.12)) + (1 - Sigmoid(-0.02)) + (1 - Sigmoid(-0.18))) / 4;
        LossOutput output = new KtoLoss(beta: 0.1).Compute(Inputs(out _, out _));
        Close(expected, output.Loss.ToDouble());
        IReadOnlyDictionary<string, double> m = output.Metrics;
        Close(expected, m["loss"]);
        Close(0.2, m["kl"], 1e-12);
        Assert.Equal(2, m["count/chosen"]);
        Assert.Equal(2, m["count/rejected"]);
        Close(0.1 * (1 + 0) / 2, m["rewards/chosen"]);                 // β·r over desirable rows
        Close(0.1 * (-1 + 2) / 2, m["rewards/rejected"]);              // β·r over undesirable rows
        Close(0.0, m["rewards/margins"], 1e-12);
        Close((-5 - 6) / 2.0, m["logps/chosen"]);
        Close((-7 - 4) / 2.0, m["logps/rejected"]);
    });

    [Fact]
    public void WeightsScaleEachLabelsRows()
    {
        using var scope = NewDisposeScope();
        double expected = (2 * (1 - Sigmoid(0.08)) + 0.5 * (1 - Sigmoid(0.12)) + 2 * (1 - Sigmoid(-0.02)) + 0.5 * (1 - Sigmoid(-0.18))) / 4;
        IPreferenceLoss loss = PreferenceLosses.Create("kto", new() { DesirableWeight = 2, UndesirableWeight = 0.5 });
        Close(expected, loss.Compute(Inputs(out _, out _)).Loss.ToDouble());
    }

    [Fact]
    public void GradientRaisesDesirableLowersUndesirableAndSkipsTheKlRows() => NoLeak(() =>
    {
        Tensor loss = new KtoLoss(beta: 0.1).Compute(Inputs(out Tensor logps, out Tensor klLogps)).Loss;
        loss.backward();
        double[] g = GradOf(logps);
        // d/dlogp of 1 − σ(β(r − z₀)) = −β·σ'(·); of 1 − σ(β(z₀ − r)) = +β·σ'(·); σ' = σ(1 − σ); / B = 4.
        static double Slope(double x) => Sigmoid(x) * (1 - Sigmoid(x));
        Close(-0.1 * Slope(0.08) / 4, g[0]);
        Close(0.1 * Slope(0.12) / 4, g[1]);
        Close(-0.1 * Slope(-0.02) / 4, g[2]);
        Close(0.1 * Slope(-0.18) / 4, g[3]);
        Assert.True(g[0] < 0 && g[2] < 0 && g[1] > 0 && g[3] > 0);
        Assert.Null(klLogps.grad);                                       // z₀ is detached
    });

    [Fact]
    public void NegativeKlEstimateIsClampedToZero()
    {
        using var scope = NewDisposeScope();
        // Policy − reference on the mismatched pairs = [−1.5, −0.8, −1.4, −1.5]: mean < 0 → z₀ = 0.
        LossOutput output = new KtoLoss(beta: 0.1).Compute(Inputs(out _, out _, kl: [-5, -5, -6, -4]));
        Assert.Equal(0, output.Metrics["kl"]);
        // r = [1, −1, 0, 2]: desirable 1 − σ(0.1·1), 1 − σ(0.1·0); undesirable 1 − σ(0.1·(0 + 1)), 1 − σ(0.1·(0 − 2)).
        double expected = ((1 - Sigmoid(0.1)) + (1 - Sigmoid(0.1)) + (1 - Sigmoid(0)) + (1 - Sigmoid(-0.2))) / 4;
        Close(expected, output.Loss.ToDouble());
    }

    [Fact]
    public void OneLabelBatchOmitsTheOtherLabelsMeans()
    {
        using var scope = NewDisposeScope();
        LossOutput output = new KtoLoss().Compute(Inputs(out _, out _, desirable: [true, true, true, true]));
        Assert.Equal(4, output.Metrics["count/chosen"]);
        Assert.Equal(0, output.Metrics["count/rejected"]);
        Assert.False(output.Metrics.ContainsKey("rewards/rejected"));
        Assert.False(output.Metrics.ContainsKey("rewards/margins"));
        Close(0.1 * (1 - 1 + 0 + 2) / 4, output.Metrics["rewards/chosen"]);
    }

    [Fact]
    public void MissingOrMistypedInputsNameTheField()
    {
        using var scope = NewDisposeScope();
        var loss = new KtoLoss();
        Assert.Equal("KlLogps", Assert.Throws<ArgumentException>(() => loss.Compute(Inputs(out _, out _) with { KlLogps = null })).ParamName);
        PreferenceInputs floatLabels = Inputs(out _, out _) with { Desirable = torch.tensor(new float[] { 1, 0, 1, 0 }) };
        Assert.Equal("Desirable", Assert.Throws<ArgumentException>(() => loss.Compute(floatLabels)).ParamName);
        Assert.Equal("DesirableWeight", Assert.Throws<ArgumentOutOfRangeException>(() => new KtoLoss(desirableWeight: 0)).ParamName);
    }
}
