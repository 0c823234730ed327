// Bradley–Terry RM loss: hand-worked values, margin and centering terms, metrics, gradient direction and finite differences.
using Hybrid.Algorithms.RewardModeling;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Algorithms.Tests.RewardModeling;

public class BradleyTerryLossTests
{
    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));   // −log σ(z) = log(1 + e^{−z}) = softplus(−z)

    [Fact]
    public void PlainLossAndMetricsMatchHandValues()
    {
        long baseline = TensorUtil.LiveTensors;
        using (var scope = NewDisposeScope())
        {
            // r_w = [1.0, 0.2, 3.0], r_l = [0.5, 0.7, −1.0] → z = [0.5, −0.5, 4.0]
            LossOutput output = BradleyTerryLoss.Compute(torch.tensor(new[] { 1.0, 0.2, 3.0 }, [3]), torch.tensor(new[] { 0.5, 0.7, -1.0 }, [3]));
            double expected = (Softplus(-0.5) + Softplus(0.5) + Softplus(-4.0)) / 3;   // (0.474077 + 0.974077 + 0.018150) / 3
            Assert.Equal(expected, output.Loss.ToDouble(), 12);
            Assert.Equal(2.0 / 3, output.Metrics["accuracy"], 12);                     // pairs 0 and 2 rank right
            Assert.Equal((0.5 - 0.5 + 4.0) / 3, output.Metrics["margin"], 12);
            Assert.Equal(-1.0, output.Metrics["min_reward"], 12);
            Assert.Equal((1.0 + 0.2 + 3.0 + 0.5 + 0.7 - 1.0) / 6, output.Metrics["mean_reward"], 12);
            Assert.Equal(3.0, output.Metrics["max_reward"], 12);
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }

    [Fact]
    public void MarginAndCenteringAddTheirTerms()
    {
        using var scope = NewDisposeScope();
        Tensor chosen = torch.tensor(new[] { 1.0, 0.2 }, [2]), rejected = torch.tensor(new[] { 0.5, 0.7 }, [2]);
        // Llama 2 margin m = [0.3, 1.0]: z = [0.5 − 0.3, −0.5 − 1.0] = [0.2, −1.5]
        double withMargin = (Softplus(-0.2) + Softplus(1.5)) / 2;
        Assert.Equal(withMargin, BradleyTerryLoss.Compute(chosen, rejected, torch.tensor(new[] { 0.3, 1.0 }, [2])).Loss.ToDouble(), 12);
        // centering c = 0.01: + 0.01 · mean((1.5)², (0.9)²) = 0.01 · (2.25 + 0.81) / 2 = 0.0153
        double plain = (Softplus(-0.5) + Softplus(0.5)) / 2;
        Assert.Equal(plain + 0.0153, BradleyTerryLoss.Compute(chosen, rejected, centerRewardsCoefficient: 0.01).Loss.ToDouble(), 12);
        // A margin makes the same pair cost more; accuracy still reads the raw reward difference.
        var output = BradleyTerryLoss.Compute(chosen, rejected, torch.tensor(new[] { 0.3, 1.0 }, [2]));
        Assert.True(output.Loss.ToDouble() > plain);
        Assert.Equal(0.5, output.Metrics["accuracy"], 12);
    }

    [Fact]
    public void GradientRaisesTheChosenLowersTheRejectedAndMatchesFiniteDifferences()
    {
        using var scope = NewDisposeScope();
        double[] w = [0.4, -1.2, 2.0], l = [0.9, -1.0, 0.1], m = [0.5, 0.0, 1.0];
        const double c = 0.05;
        Tensor chosen = torch.tensor(w, [3]).requires_grad_(), rejected = torch.tensor(l, [3]).requires_grad_();
        BradleyTerryLoss.Compute(chosen, rejected, torch.tensor(m, [3]), c).Loss.backward();
        double[] gw = chosen.grad!.data<double>().ToArray(), gl = rejected.grad!.data<double>().ToArray();

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
        Tensor chosen2 = torch.tensor(w, [3]).requires_grad_(), rejected2 = torch.tensor(l, [3]).requires_grad_();
        BradleyTerryLoss.Compute(chosen2, rejected2).Loss.backward();
        Assert.All(chosen2.grad!.data<double>().ToArray(), g => Assert.True(g < 0));
        Assert.All(rejected2.grad!.data<double>().ToArray(), g => Assert.True(g > 0));
    }

    [Fact]
    public void CenteringPullsASharedOffsetBackToZero()
    {
        using var scope = NewDisposeScope();
        // Both rewards far above 0 (r_w + r_l = 19): the BT term only separates them, while the centering term's gradient
        // c·2(r_w + r_l) = 0.38 exceeds the BT pull σ(−1) = 0.269, so descent lowers both.
        Tensor chosen = torch.tensor(new[] { 10.0 }, [1]).requires_grad_(), rejected = torch.tensor(new[] { 9.0 }, [1]).requires_grad_();
        BradleyTerryLoss.Compute(chosen, rejected, centerRewardsCoefficient: 0.01).Loss.backward();
        double sigmoidTerm = 1 / (1 + Math.Exp(1.0));            // −∂/∂r_w of softplus(−(r_w − r_l)) = σ(−1)
        Assert.Equal(-sigmoidTerm + 0.01 * 2 * 19, chosen.grad!.ToDouble(), 12);
        Assert.Equal(sigmoidTerm + 0.01 * 2 * 19, rejected.grad!.ToDouble(), 12);
        Assert.True(chosen.grad!.ToDouble() > 0 && rejected.grad!.ToDouble() > 0);
    }

    [Fact]
    public void BadInputsNameTheProblem()
    {
        using var scope = NewDisposeScope();
        Tensor two = torch.tensor(new[] { 1.0, 2.0 }, [2]), three = torch.tensor(new[] { 1.0, 2.0, 3.0 }, [3]);
        Assert.Contains("rejected rewards must be", Assert.Throws<ArgumentException>(() => BradleyTerryLoss.Compute(two, three)).Message);
        Assert.Contains("margin must be [2]", Assert.Throws<ArgumentException>(() => BradleyTerryLoss.Compute(two, two, three)).Message);
        Assert.Contains("center_rewards_coefficient", Assert.Throws<ArgumentOutOfRangeException>(() => BradleyTerryLoss.Compute(two, two, null, -1)).Message);
    }
}
