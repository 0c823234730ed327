// NLL on the chosen answer: the per-token average by hand, its gradient, and that it ignores the rejected answer.
using Hybrid.Algorithms.Preference;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Preference.Kit;

namespace Hybrid.Algorithms.Tests.Preference;

public class NllLossTests
{
    private static readonly PairedBatch Batch = PairedBatch.Three;

    [Fact]
    public void ValueMetricsAndGradientMatchTheFormula() => NoLeak(() =>
    {
        // L = mean(−c/|y_w|) = mean(10/5, 20/10, 5/2) = 6.5/3; dL/dc_i = −1/(|y_w,i|·B).
        var loss = new NllLoss();
        Assert.False(loss.NeedsReference);
        PreferenceInputs inputs = Batch.Inputs(out Tensor chosen, out Tensor rejected) with { RefChosenLogps = null, RefRejectedLogps = null };
        LossOutput output = loss.Compute(inputs);
        Close(6.5 / 3, output.Loss.ToDouble());
        Close(6.5 / 3, output.Metrics["loss"]);
        Close(6.5 / 3, output.Metrics["nll_loss"]);
        Close(Batch.Chosen.Average(), output.Metrics["logps/chosen"]);
        output.Loss.backward();
        double[] g = GradOf(chosen);
        for (int i = 0; i < 3; i++) Close(-1 / (Batch.ChosenTokens[i] * 3), g[i]);
        Assert.Null(rejected.grad);                                      // the rejected answer is not in the graph
    });
}
