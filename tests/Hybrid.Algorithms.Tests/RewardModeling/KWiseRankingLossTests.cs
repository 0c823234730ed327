// K-wise RM loss: a slow all-pairs loop reference with ties and padding slots, K = 2 equals Bradley–Terry, gradient signs.
using Hybrid.Algorithms.RewardModeling;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Algorithms.Tests.RewardModeling;

public class KWiseRankingLossTests
{
    private static double Softplus(double x) => Math.Log(1 + Math.Exp(x));

    [Fact]
    public void ThreeRankedResponsesGiveTheMeanOfTheirThreePairs()
    {
        using var scope = NewDisposeScope();
        // one prompt, rewards r = [2.0, 0.5, 1.0], ranking s = [3, 1, 2] (response 0 best, then 2, then 1)
        // pairs (0≻1): z = 1.5, (0≻2): z = 1.0, (2≻1): z = 0.5 → L = (softplus(−1.5) + softplus(−1.0) + softplus(−0.5)) / 3
        LossOutput output = KWiseRankingLoss.Compute(torch.tensor(new[] { 2.0, 0.5, 1.0 }, [1, 3]), torch.tensor(new[] { 3.0, 1.0, 2.0 }, [1, 3]));
        Assert.Equal((Softplus(-1.5) + Softplus(-1.0) + Softplus(-0.5)) / 3, output.Loss.ToDouble(), 12);
        Assert.Equal(1.0, output.Metrics["accuracy"], 12);
        Assert.Equal((1.5 + 1.0 + 0.5) / 3, output.Metrics["margin"], 12);
        Assert.Equal(0.5, output.Metrics["min_reward"], 12);
        Assert.Equal(3.5 / 3, output.Metrics["mean_reward"], 12);
        Assert.Equal(2.0, output.Metrics["max_reward"], 12);
    }

    [Fact]
    public void MatchesASlowAllPairsLoopWithTiesPaddingAndCentering()
    {
        long baseline = TensorUtil.LiveTensors;
        var rng = new Random(4);
        const int b = 5, k = 4;
        const double c = 0.02;
        double[] r = Enumerable.Range(0, b * k).Select(_ => rng.NextDouble() * 4 - 2).ToArray();
        double[] s = Enumerable.Range(0, b * k).Select(_ => (double)rng.Next(3)).ToArray();   // many ties
        bool[] valid = Enumerable.Range(0, b * k).Select(i => i % k < 2 + i / k % 3).ToArray(); // 2, 3 or 4 responses per prompt

        // Slow reference: every (row, i, j) with s_i > s_j and both valid.
        double sum = 0, center = 0, margin = 0, correct = 0;
        int pairs = 0;
        for (int row = 0; row < b; row++)
            for (int i = 0; i < k; i++)
                for (int j = 0; j < k; j++)
                {
                    int a = row * k + i, z = row * k + j;
                    if (!valid[a] || !valid[z] || !(s[a] > s[z])) continue;
                    pairs++;
                    sum += Softplus(-(r[a] - r[z]));
                    center += (r[a] + r[z]) * (r[a] + r[z]);
                    margin += r[a] - r[z];
                    correct += r[a] > r[z] ? 1 : 0;
                }
        Assert.True(pairs > 5);
        var validRewards = r.Where((_, i) => valid[i]).ToArray();

        using (var scope = NewDisposeScope())
        {
            Tensor rewards = torch.tensor(r, [b, k]).requires_grad_();
            LossOutput output = KWiseRankingLoss.Compute(rewards, torch.tensor(s, [b, k]), torch.tensor(valid, [b, k]), c);
            Assert.Equal(sum / pairs + c * center / pairs, output.Loss.ToDouble(), 12);
            Assert.Equal(correct / pairs, output.Metrics["accuracy"], 12);
            Assert.Equal(margin / pairs, output.Metrics["margin"], 12);
            Assert.Equal(validRewards.Min(), output.Metrics["min_reward"], 12);
            Assert.Equal(validRewards.Average(), output.Metrics["mean_reward"], 12);
            Assert.Equal(validRewards.Max(), output.Metrics["max_reward"], 12);
            long counted = 0;
            for (int row = 0; row < b; row++)
                counted += KWiseRankingLoss.PairCount(Enumerable.Range(row * k, k).Where(i => valid[i]).Select(i => s[i]).ToArray());
            Assert.Equal(pairs, counted);

            // Padding slots get no gradient at all.
            output.Loss.backward();
            double[] g = rewards.grad!.data<double>().ToArray();
            for (int i = 0; i < g.Length; i++) if (!valid[i]) Assert.Equal(0.0, g[i]);
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }

    [Fact]
    public void TwoResponsesEqualBradleyTerryAndTheGradientFollowsTheRanking()
    {
        using var scope = NewDisposeScope();
        double[] w = [0.3, -0.4, 1.1], l = [0.8, -0.9, 0.0];
        var kwise = KWiseRankingLoss.Compute(torch.tensor(w.Zip(l, (a, z) => new[] { z, a }).SelectMany(x => x).ToArray(), [3, 2]),
                                             torch.tensor(new[] { 0.0, 1.0, 0.0, 1.0, 0.0, 1.0 }, [3, 2]), null, 0.01);
        var pair = BradleyTerryLoss.Compute(torch.tensor(w, [3]), torch.tensor(l, [3]), null, 0.01);
        Assert.Equal(pair.Loss.ToDouble(), kwise.Loss.ToDouble(), 12);
        foreach (var (name, value) in pair.Metrics) Assert.Equal(value, kwise.Metrics[name], 12);

        // Descent raises the best response's reward and lowers the worst one's.
        Tensor rewards = torch.tensor(new[] { 0.0, 0.0, 0.0 }, [1, 3]).requires_grad_();
        KWiseRankingLoss.Compute(rewards, torch.tensor(new[] { 1.0, 3.0, 2.0 }, [1, 3])).Loss.backward();
        double[] g = rewards.grad!.data<double>().ToArray();
        Assert.True(g[1] < 0, "best response");
        Assert.True(g[0] > 0, "worst response");
        Assert.Equal(0.0, g.Sum(), 12);   // each pair pushes its two rewards apart by equal and opposite amounts
    }

    [Fact]
    public void AllTiesIsAnError()
    {
        using var scope = NewDisposeScope();
        var ex = Assert.Throws<ArgumentException>(() => KWiseRankingLoss.Compute(torch.zeros(2, 3), torch.ones(2, 3)));
        Assert.Contains("no comparable pair", ex.Message);
    }
}
