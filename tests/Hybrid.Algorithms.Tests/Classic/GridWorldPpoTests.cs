// PPO with the RL axes' gae and ppo_clip on the grid world, checked against the exact optimum; GAE's λ limits vs MC/TD.

using Hybrid.Algorithms.Rl;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Algorithms.Tests.Classic;

public class GridWorldPpoTests
{
    [Fact]
    public void PpoGreedyPolicyReachesTheValueIterationOptimum()
    {
        // Deterministic 4×4 with a pit and a wall: V*(start) = −0.04·(1 − 0.9⁶)/(1 − 0.9) + 0.9⁵ over the 6-step path.
        TabularMdp mdp = Worlds.WithPit().Mdp;
        double vStar = ValueIteration.Solve(mdp).Values[mdp.Start];
        Assert.Equal(-0.04 * (1 - Math.Pow(0.9, 6)) / 0.1 + Math.Pow(0.9, 5), vStar, 12);
        long baseline = TensorUtil.LiveTensors;
        using (var ppo = new GridWorldPpo(mdp, new GridWorldPpoOptions { Seed = 7 }))
        {
            // The untrained greedy policy does not reach the goal from the start (it is not already optimal).
            double before = PolicyEvaluation.Exact(mdp, Policies.Deterministic(mdp, ppo.GreedyPolicy()))[mdp.Start];
            Assert.True(before < vStar - 0.5);
            IReadOnlyList<PpoIterationLog> log = ppo.Train();
            Assert.Equal(60, log.Count);
            Assert.True(log[^1].MeanReturn > log[0].MeanReturn);
            double after = PolicyEvaluation.Exact(mdp, Policies.Deterministic(mdp, ppo.GreedyPolicy()))[mdp.Start];
            Assert.True(Math.Abs(after - vStar) < 1e-6, $"greedy start value {after}, V* {vStar}");
            // The critic learned the start value too (float32 MLP trained on sampled returns: a loose check).
            Assert.True(Math.Abs(ppo.Values()[mdp.Start] - vStar) < 0.05);
            double[,] pi = ppo.ActionProbabilities();
            Assert.Equal(1.0, Enumerable.Range(0, mdp.ActionCount).Sum(a => pi[mdp.Start, a]), 6);
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }

    [Theory]
    [InlineData(1.0)]
    [InlineData(0.0)]
    [InlineData(0.7)]
    public void GaeLimitsMatchMonteCarloReturnsAndTdResiduals(double lambda)
    {
        // Three episodes of the uniform policy on the slippery grid (different lengths, so rows are padded), values = the
        // exact V_π. Reference: MonteCarloEvaluation.DiscountedReturns and TemporalDifference.Residual (plain doubles).
        TabularMdp mdp = Worlds.Slippery().Mdp;
        double[,] uniform = Policies.Uniform(mdp);
        double[] v = PolicyEvaluation.Exact(mdp, uniform);
        var rng = new Random(11);
        Episode[] episodes = Enumerable.Range(0, 3).Select(_ => Episode.Sample(mdp, uniform, mdp.Start, 10_000, rng)).ToArray();
        Assert.All(episodes, e => Assert.True(e.Terminated));
        Assert.True(episodes.Select(e => e.Length).Distinct().Count() > 1);
        int n = episodes.Length, width = episodes.Max(e => e.Length);
        double gamma = mdp.Gamma;

        var mask = new double[n * width];
        var rewards = new double[n * width];
        var values = new double[n * width];
        var expectedAdvantages = new double[n * width];
        var expectedReturns = new double[n * width];
        for (int i = 0; i < n; i++)
        {
            Episode e = episodes[i];
            double[] g = MonteCarloEvaluation.DiscountedReturns(e.Rewards, gamma);
            var delta = new double[e.Length];
            for (int t = 0; t < e.Length; t++)
            {
                bool last = t == e.Length - 1;
                delta[t] = TemporalDifference.Residual(e.Rewards[t], v[e.States[t]], last ? 0 : v[e.States[t + 1]], gamma, terminal: last);
            }
            for (int t = 0; t < e.Length; t++)
            {
                int k = i * width + t;
                (mask[k], rewards[k], values[k]) = (1, e.Rewards[t], v[e.States[t]]);
                // Â_t = Σ_l (γλ)^l δ_{t+l}: λ = 1 must equal G_t − V(s_t), λ = 0 must equal δ_t.
                double sum = 0, weight = 1;
                for (int l = t; l < e.Length; l++, weight *= gamma * lambda) sum += weight * delta[l];
                expectedAdvantages[k] = sum;
                if (lambda == 1.0) Assert.Equal(g[t] - v[e.States[t]], sum, 10);
                if (lambda == 0.0) Assert.Equal(delta[t], sum, 15);
                expectedReturns[k] = sum + v[e.States[t]];
            }
        }

        long baseline = TensorUtil.LiveTensors;
        using (var scope = NewDisposeScope())
        {
            AdvantageOutput gae = AdvantageEstimators.Create("gae", new AdvantageSettings { Gamma = gamma, Lambda = lambda, Whiten = false }).Compute(new AdvantageInputs
            {
                Scores = torch.zeros([n], ScalarType.Float64),
                Mask = torch.tensor(mask, [n, width]),
                GroupSize = 1,
                TokenRewards = torch.tensor(rewards, [n, width]),
                Values = torch.tensor(values, [n, width]),
            });
            double[] advantages = gae.Advantages.data<double>().ToArray(), returns = gae.Returns.data<double>().ToArray();
            for (int k = 0; k < n * width; k++)
            {
                Assert.Equal(expectedAdvantages[k], advantages[k], 10);
                Assert.Equal(expectedReturns[k], returns[k], 10);
            }
        }
        Assert.Equal(baseline, TensorUtil.LiveTensors);
    }

    [Fact]
    public void OptionsAreValidated()
    {
        TabularMdp mdp = Worlds.Open().Mdp;
        Assert.Throws<ArgumentException>(() => new GridWorldPpo(mdp, new GridWorldPpoOptions { Epochs = 0 }));
        Assert.Throws<ArgumentException>(() => new GridWorldPpo(mdp, new GridWorldPpoOptions { LearningRate = 0 }));
        Assert.Throws<ArgumentException>(() => new GridWorldPpo(mdp, new GridWorldPpoOptions { EntropyCoefficient = -1 }));
    }
}
