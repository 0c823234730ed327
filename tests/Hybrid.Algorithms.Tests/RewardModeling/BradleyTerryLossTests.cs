// Bradley–Terry RM loss: hand-worked values, margin and centering terms, metrics, gradient direction and finite differences.
using Hybrid.Algorithms.RewardModeling;
using Hybrid.Torch;

namespace Hybrid.Algorithms.Tests.RewardModeling;

public class BradleyTerryLossTests
{
    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));   // −log σ(z) = log(1 + e^{−z}) = softplus(−z)

    [Fact]
    public void PlainLossAndMetricsMatchHandValues()
    {
        long baseline = LibTorch.LiveTensors;
        using (var scope = LibTorch.NewScope())
        {
            // r_w = [1.0, 0.2, 3.0], r_l = [0.5, 0.7, −1.0] → z = [0.5, −0.5, 4.0]
            LossOutput output = BradleyTerryLoss.Compute(LibTorch.Tensor(new[] { 1.0, 0.2, 3.0 }, 3), LibTorch.Tensor(new[] { 0.5, 0.7, -1.0 }, 3));
            double expected = (Softplus(-0.5) + Softplus(0.5) + Softplus(-4.0)) / 3;   // (0.474077 + 0.974077 + 0.018150) / 3
            Assert.Equal(expected, output.Loss.Item(), 12);
            Assert.Equal(2.0 / 3, output.Metrics["accuracy"], 12);                     // pairs 0 and 2 rank right
            Assert.Equal((0.5 - 0.5 + 4.0) / 3, output.Metrics["margin"], 12);
            Assert.Equal(-1.0, output.Metrics["min_reward"], 12);
            Assert.Equal((1.0 + 0.2 + 3.0 + 0.5 + 0.7 - 1.0) / 6, output.Metrics["mean_reward"], 12);
            Assert.Equal(3.0, output.Metrics["max_reward"], 12);
        }
        Assert.Equal(baseline, LibTorch.LiveTensors);
    }

    [Fact]
    public void MarginAndCenteringAddTheirTerms()
    {
        using var scope = LibTorch.NewScope();
        Tensor chosen = LibTorch.Tensor(new[] { 1.0, 0.2 }, 2), rejected = LibTorch.Tensor(new[] { 0.5, 0.7 }, 2);
        // Llama 2 margin m = [0.3, 1.0]: z = [0.5 − 0.3, −0.5 − 1.0] = [0.2, −1.5]
        double withMargin = (Softplus(-0.2) + Softplus(1.5)) / 2;
        Assert.Equal(withMargin, BradleyTerryLoss.Compute(chosen, rejected, LibTorch.Tensor(new[] { 0.3, 1.0 }, 2)).Loss.Item(), 12);
        // centering c = 0.01: + 0.01 · mean((1.5)², (0.9)²) = 0.01 · (2.25 + 0.81) / 2 = 0.0153
        double plain = (Softplus(-0.5) + Softplus(0.5)) / 2;
        Assert.Equal(plain + 0.0153, BradleyTerryLoss.Compute(chosen, rejected, centerRewardsCoefficient: 0.01).Loss.Item(), 12);
        // A margin makes the same pair cost more; accuracy still reads the raw reward difference.
        var output = BradleyTerryLoss.Compute(chosen, rejected, LibTorch.Tensor(new[] { 0.3, 1.0 }, 2));
        Assert.True(output.Loss.Item() > plain);
        Assert.Equal(0.5, output.Metrics["accuracy"], 12);
    }

    [Fact]
    public void GradientRaisesTheChosenLowersTheRejectedAndMatchesFiniteDifferences()
    {
        using var scope = LibTorch.NewScope();
        double[] w = [0.4, -1.2, 2.0], l = [0.9, -1.0, 0.1], m = [0.5, 0.0, 1.0];
        const double c = 0.05;
        Tensor chosen = LibTorch.Tensor(w, 3).RequiresGradInPlace(), rejected = LibTorch.Tensor(l, 3).RequiresGradInPlace();
        BradleyTerryLoss.Compute(chosen, rejected, LibTorch.Tensor(m, 3), c).Loss.Backward();
        double[] gw = chosen.Grad!.ToArray<double>(), gl = rejected.Grad!.ToArray<double>();

        double Reference(double[] rw, double[] rl)
        {
            double sum = 0, center = 0;
            for (int b = 0; b < 3; b++)
            {
                sum += Softplus(-(rw[b] - rl[b] - m[b]));
                center += (rw[b] + rl[b]) * (rw[b] + rl[b]);
            }
            return sum / 3 + c * center / 3;
        }
        const double h = 1e-6;
        for (int b = 0; b < 3; b++)
        {
            double[] up = (double[])w.Clone(), down = (double[])w.Clone();
            up[b] += h; down[b] -= h;
            Assert.Equal((Reference(up, l) - Reference(down, l)) / (2 * h), gw[b], 6);
            up = (double[])l.Clone(); down = (double[])l.Clone();
            up[b] += h; down[b] -= h;
            Assert.Equal((Reference(w, up) - Reference(w, down)) / (2 * h), gl[b], 6);
        }

        // Without centering, a descent step raises every chosen reward and lowers every rejected one.
        Tensor chosen2 = LibTorch.Tensor(w, 3).RequiresGradInPlace(), rejected2 = LibTorch.Tensor(l, 3).RequiresGradInPlace();
        BradleyTerryLoss.Compute(chosen2, rejected2).Loss.Backward();
        Assert.All(chosen2.Grad!.ToArray<double>(), g => Assert.True(g < 0));
        Assert.All(rejected2.Grad!.ToArray<double>(), g => Assert.True(g > 0));
    }

    [Fact]
    public void CenteringPullsASharedOffsetBackToZero()
    {
        using var scope = LibTorch.NewScope();
        // Both rewards far above 0 (r_w + r_l = 19): the BT term only separates them, while the centering term's gradient
        // c·2(r_w + r_l) = 0.38 exceeds the BT pull σ(−1) = 0.269, so descent lowers both.
        Tensor chosen = LibTorch.Tensor(new[] { 10.0 }, 1).RequiresGradInPlace(), rejected = LibTorch.Tensor(new[] { 9.0 }, 1).RequiresGradInPlace();
        BradleyTerryLoss.Compute(chosen, rejected, centerRewardsCoefficient: 0.01).Loss.Backward();
        double sigmoidTerm = 1 / (1 + Math.Exp(1.0));            // −∂/∂r_w of softplus(−(r_w − r_l)) = σ(−1)
        Assert.Equal(-sigmoidTerm + 0.01 * 2 * 19, chosen.Grad!.Item(), 12);
        Assert.Equal(sigmoidTerm + 0.01 * 2 * 19, rejected.Grad!.Item(), 12);
        Assert.True(chosen.Grad!.Item() > 0 && rejected.Grad!.Item() > 0);
    }

    [Fact]
    public void BadInputsNameTheProblem()
    {
        using var scope = LibTorch.NewScope();
        Tensor two = LibTorch.Tensor(new[] { 1.0, 2.0 }, 2), three = LibTorch.Tensor(new[] { 1.0, 2.0, 3.0 }, 3);
        Assert.Contains("rejected rewards must be", Assert.Throws<ArgumentException>(() => BradleyTerryLoss.Compute(two, three)).Message);
        Assert.Contains("margin must be [2]", Assert.Throws<ArgumentException>(() => BradleyTerryLoss.Compute(two, two, three)).Message);
        Assert.Contains("center_rewards_coefficient", Assert.Throws<ArgumentOutOfRangeException>(() => BradleyTerryLoss.Compute(two, two, null, -1)).Message);
    }
}
