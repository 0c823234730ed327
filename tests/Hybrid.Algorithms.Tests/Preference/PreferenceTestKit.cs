// Test helpers for the preference losses: fixed batches as plain doubles, tensors made from them, and plain-double math.
using Hybrid.Algorithms.Preference;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Algorithms.Tests.Preference;

/// <summary>
/// A paired batch written out as plain numbers (float64 tensors are made from it). The policy log-probs become leaves
/// with gradients; everything else is constant.
/// </summary>
internal sealed record PairedBatch(double[] Chosen, double[] Rejected, double[] RefChosen, double[] RefRejected,
                                   double[] ChosenTokens, double[] RejectedTokens,
                                   double[]? ChosenScores = null, double[]? RejectedScores = null)
{
    /// <summary>
    /// Three pairs. Summed log-ratio margins h = (c − rc) − (r − rr): row 0: (−10+11) − (−12+11) = 2; row 1: (−20+19) −
    /// (−18+19) = −2 (the policy prefers the rejected answer); row 2: (−5+6) − (−9+7) = 3.
    /// </summary>
    public static PairedBatch Three { get; } = new(
        Chosen: [-10, -20, -5], Rejected: [-12, -18, -9],
        RefChosen: [-11, -19, -6], RefRejected: [-11, -19, -7],
        ChosenTokens: [5, 10, 2], RejectedTokens: [4, 8, 3],
        ChosenScores: [3.0, 2.5, 9.0], RejectedScores: [1.0, 2.0, 4.0]);

    public int B => Chosen.Length;

    /// <summary>Tensors for this batch; <see cref="ChosenLeaf"/>/<see cref="RejectedLeaf"/> of the last call carry gradients.</summary>
    public PreferenceInputs Inputs(out Tensor chosenLeaf, out Tensor rejectedLeaf)
    {
        chosenLeaf = torch.tensor(Chosen).requires_grad_();
        rejectedLeaf = torch.tensor(Rejected).requires_grad_();
        return new PreferenceInputs
        {
            ChosenLogps = chosenLeaf,
            RejectedLogps = rejectedLeaf,
            RefChosenLogps = torch.tensor(RefChosen),
            RefRejectedLogps = torch.tensor(RefRejected),
            ChosenTokens = torch.tensor(ChosenTokens),
            RejectedTokens = torch.tensor(RejectedTokens),
            ChosenScores = ChosenScores is null ? null : torch.tensor(ChosenScores),
            RejectedScores = RejectedScores is null ? null : torch.tensor(RejectedScores),
        };
    }

    public PreferenceInputs Inputs() => Inputs(out _, out _);

    /// <summary>h_i = (c − rc) − (r − rr), summed log-probs.</summary>
    public double Margin(int i) => (Chosen[i] - RefChosen[i]) - (Rejected[i] - RefRejected[i]);
}

internal static class Kit
{
    /// <summary>log σ(x) in plain double math (stable on both sides).</summary>
    public static double LogSigmoid(double x) => x >= 0 ? -Math.Log(1 + Math.Exp(-x)) : x - Math.Log(1 + Math.Exp(x));

    public static double Sigmoid(double x) => 1 / (1 + Math.Exp(-x));

    public static double Mean(Func<int, double> f, int n) => Enumerable.Range(0, n).Select(f).Average();

    public static void Close(double expected, double actual, double tolerance = 1e-9) =>
        Assert.True(Math.Abs(expected - actual) <= tolerance * Math.Max(1, Math.Abs(expected)),
                    $"expected {expected:R}, got {actual:R} (|diff| = {Math.Abs(expected - actual):E2})");

    public static double[] GradOf(Tensor leaf) => (leaf.grad ?? throw new InvalidOperationException("no gradient")).data<double>().ToArray();

    /// <summary>Runs <paramref name="body"/> inside a scope and asserts the live-tensor count is back to where it started.</summary>
    public static void NoLeak(Action body)
    {
        long before = TensorUtil.LiveTensors;
        using (NewDisposeScope()) body();
        Assert.Equal(before, TensorUtil.LiveTensors);
    }

    /// <summary>Loss value of <paramref name="loss"/> on <paramref name="batch"/>.</summary>
    public static double Value(IPreferenceLoss loss, PairedBatch batch)
    {
        using var scope = NewDisposeScope();
        return loss.Compute(batch.Inputs()).Loss.ToDouble();
    }

    /// <summary>
    /// Autograd gradients of the loss w.r.t. the chosen and rejected log-probs against central differences
    /// (f(x + h) − f(x − h)) / 2h with h = 1e-6 on float64 inputs: truncation ~h², rounding ~1e-16/h, both far below 1e-7.
    /// </summary>
    public static void CheckGradientByFiniteDifferences(IPreferenceLoss loss, PairedBatch batch)
    {
        using var scope = NewDisposeScope();
        LossOutput output = loss.Compute(batch.Inputs(out Tensor chosen, out Tensor rejected));
        output.Loss.backward();
        double[] gChosen = GradOf(chosen), gRejected = GradOf(rejected);
        const double h = 1e-6;
        for (int i = 0; i < batch.B; i++)
        {
            double Nudged(bool onChosen, double delta)
            {
                double[] c = (double[])batch.Chosen.Clone(), r = (double[])batch.Rejected.Clone();
                (onChosen ? c : r)[i] += delta;
                return Value(loss, batch with { Chosen = c, Rejected = r });
            }
            Close((Nudged(true, h) - Nudged(true, -h)) / (2 * h), gChosen[i], 1e-7);
            Close((Nudged(false, h) - Nudged(false, -h)) / (2 * h), gRejected[i], 1e-7);
        }
    }

    /// <summary>The gradients d loss / d chosen and d loss / d rejected on <paramref name="batch"/>.</summary>
    public static (double[] Chosen, double[] Rejected) Gradients(IPreferenceLoss loss, PairedBatch batch)
    {
        using var scope = NewDisposeScope();
        loss.Compute(batch.Inputs(out Tensor chosen, out Tensor rejected)).Loss.backward();
        return (GradOf(chosen), GradOf(rejected));
    }

    /// <summary>Asserts every chosen gradient is &lt; 0 and every rejected gradient is &gt; 0 (lowering the loss raises y_w, lowers y_l).</summary>
    public static void AssertRaisesChosenLowersRejected(IPreferenceLoss loss, PairedBatch batch)
    {
        (double[] chosen, double[] rejected) = Gradients(loss, batch);
        Assert.All(chosen, g => Assert.True(g < 0, $"d loss / d chosen logp = {g}, expected < 0"));
        Assert.All(rejected, g => Assert.True(g > 0, $"d loss / d rejected logp = {g}, expected > 0"));
    }

    /// <summary>The TRL paired metrics, checked against rewards worked by hand.</summary>
    public static void AssertPairedMetrics(IReadOnlyDictionary<string, double> metrics, double loss, double[] chosenRewards,
                                           double[] rejectedRewards, PairedBatch batch)
    {
        int n = chosenRewards.Length;
        Close(loss, metrics["loss"]);
        Close(chosenRewards.Average(), metrics["rewards/chosen"]);
        Close(rejectedRewards.Average(), metrics["rewards/rejected"]);
        Close(Mean(i => chosenRewards[i] - rejectedRewards[i], n), metrics["rewards/margins"]);
        Close(Mean(i => chosenRewards[i] > rejectedRewards[i] ? 1 : 0, n), metrics["rewards/accuracies"]);
        Close(batch.Chosen.Average(), metrics["logps/chosen"]);
        Close(batch.Rejected.Average(), metrics["logps/rejected"]);
    }
}
