// Policy losses: clip behaviour at the edges by hand, plain-loop references, finite-difference gradients, metrics, leaks.
using Hybrid.Algorithms.Rl;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Rl.TestTensors;

namespace Hybrid.Algorithms.Tests.Rl;

public class PolicyLossTests
{
    /// <summary>One token with log π_old = 0 and log π_θ = log ratio: (loss, d loss / d log π_θ, metrics).</summary>
    private static (double Loss, double Gradient, IReadOnlyDictionary<string, double> Metrics) OneToken(
        IPolicyLoss loss, double ratio, double advantage, double? low = null, double? high = null, double? dual = null)
    {
        loss = With(loss, low, high, dual);
        using var scope = NewDisposeScope();
        Tensor logp = Matrix(new double[,] { { Math.Log(ratio) } }, ScalarType.Float64).requires_grad_();
        PolicyLossOutput output = loss.Compute(new PolicyLossInputs
        {
            LogProbs = logp, OldLogProbs = Matrix(new double[,] { { 0 } }, ScalarType.Float64),
            Advantages = Matrix(new double[,] { { advantage } }, ScalarType.Float64), Mask = Matrix(new double[,] { { 1 } }, ScalarType.Float64),
        });
        Tensor total = output.TokenLoss.sum();
        total.backward();
        return (total.ToDouble(), Read(logp.grad!)[0], output.Metrics);
    }

    [Theory]
    // ε = 0.2. Â > 0: ratio 1.19 is inside → −1.19 with gradient −Â·ρ; 1.21 is above 1 + ε → −1.2, no gradient, clipped;
    // 0.79 is below 1 − ε but min(ρÂ, clip(ρ)Â) keeps ρÂ → −0.79, gradient −0.79, not clipped.
    [InlineData(1.19, 1.0, -1.19, -1.19, 0.0)]
    [InlineData(1.21, 1.0, -1.20, 0.0, 1.0)]
    [InlineData(0.79, 1.0, -0.79, -0.79, 0.0)]
    // Â < 0: 0.81 inside → 0.81 (gradient +0.81); 0.79 below 1 − ε → 0.8, clipped; 1.5 above keeps ρÂ → 1.5, not clipped.
    [InlineData(0.81, -1.0, 0.81, 0.81, 0.0)]
    [InlineData(0.79, -1.0, 0.80, 0.0, 1.0)]
    [InlineData(1.50, -1.0, 1.50, 1.50, 0.0)]
    // |Â| = 2 scales everything: Â = 2, ρ = 1.3 → −2·1.2 = −2.4.
    [InlineData(1.30, 2.0, -2.4, 0.0, 1.0)]
    public void PpoClipEdges(double ratio, double advantage, double expectedLoss, double expectedGradient, double expectedClipFrac)
    {
        var (loss, gradient, metrics) = OneToken(new PpoClipLoss(), ratio, advantage);
        Assert.Equal(expectedLoss, loss, 12);
        Assert.Equal(expectedGradient, gradient, 12);
        Assert.Equal(expectedClipFrac, metrics["actor/pg_clipfrac"]);
        Assert.Equal(-Math.Log(ratio), metrics["actor/ppo_kl"], 12);
    }

    [Fact]
    public void ClipHigherDecouplesTheBounds()
    {
        // DAPO ε_low = 0.2, ε_high = 0.28: ρ = 1.25 is now inside (−1.25), ρ = 1.3 clips at 1.28; the lower bound is unchanged.
        Assert.Equal(-1.25, OneToken(new PpoClipLoss(), 1.25, 1, 0.2, 0.28).Loss, 12);
        Assert.Equal(-1.28, OneToken(new PpoClipLoss(), 1.30, 1, 0.2, 0.28).Loss, 12);
        Assert.Equal(0.80, OneToken(new PpoClipLoss(), 0.70, -1, 0.2, 0.28).Loss, 12);
    }

    [Fact]
    public void DualClipCapsNegativeAdvantagesOnly()
    {
        // c = 3, Â = −1: ρ = 3.5 → the loss 3.5 is capped at −Â·c = 3 (no gradient, counted in clipfrac_lower); ρ = 2.9 passes.
        var capped = OneToken(new PpoClipLoss(), 3.5, -1, dual: 3);
        Assert.Equal(3.0, capped.Loss, 12);
        Assert.Equal(0.0, capped.Gradient);
        Assert.Equal(1.0, capped.Metrics["actor/pg_clipfrac_lower"]);
        var passing = OneToken(new PpoClipLoss(), 2.9, -1, dual: 3);
        Assert.Equal(2.9, passing.Loss, 12);
        Assert.Equal(2.9, passing.Gradient, 12);
        Assert.Equal(0.0, passing.Metrics["actor/pg_clipfrac_lower"]);
        // Â > 0 is untouched by the dual clip: ρ = 3.5 is clipped at 1.2 as usual.
        Assert.Equal(-1.2, OneToken(new PpoClipLoss(), 3.5, 1, dual: 3).Loss, 12);
        Assert.Throws<ArgumentException>(() => OneToken(new PpoClipLoss(), 1, -1, dual: 0.5));
    }

    [Theory]
    // GSPO, ε = (3e-4, 4e-4), two tokens with equal log ratios so s = ρ. Â = +1: s = 1.0003 is inside → −s on each token and
    // under seq_mean_token_mean a gradient of −s/2 per token; s = 1.0005 clips at 1.0004 with no gradient. Â = −1:
    // s = 0.9998 inside → +s, gradient +s/2; s = 0.9996 clips at 0.9997.
    [InlineData(1.0003, 1.0, -1.0003, -1.0003 / 2, 0.0)]
    [InlineData(1.0005, 1.0, -1.0004, 0.0, 1.0)]
    [InlineData(0.9998, -1.0, 0.9998, 0.9998 / 2, 0.0)]
    [InlineData(0.9996, -1.0, 0.9997, 0.0, 1.0)]
    public void GspoSequenceClipEdges(double s, double advantage, double expectedLoss, double expectedGradient, double expectedClipFrac)
    {
        using var scope = NewDisposeScope();
        Tensor logp = Matrix(new double[,] { { Math.Log(s) - 1, Math.Log(s) - 2 } }, ScalarType.Float64).requires_grad_();
        Tensor mask = Matrix(new double[,] { { 1, 1 } }, ScalarType.Float64);
        PolicyLossOutput output = new GspoLoss().Compute(new PolicyLossInputs
        {
            LogProbs = logp, OldLogProbs = Matrix(new double[,] { { -1, -2 } }, ScalarType.Float64),
            Advantages = Matrix(new double[,] { { advantage, advantage } }, ScalarType.Float64), Mask = mask,
        });
        AssertClose(new double[,] { { expectedLoss, expectedLoss } }, Read2(output.TokenLoss), 1e-12);
        Tensor total = new SeqMeanTokenMean().Aggregate(output.TokenLoss, mask);
        total.backward();
        AssertClose(new[] { expectedGradient, expectedGradient }, Read(logp.grad!), 1e-12);
        Assert.Equal(expectedClipFrac, output.Metrics["actor/pg_clipfrac"]);
    }

    [Fact]
    public void ReinforceRaftAndRaftPlusPlusByHand()
    {
        // reinforce: −Â·log π; gradient −Â. log π = log 0.5.
        var reinforce = OneToken(new ReinforceLoss(), 0.5, 2.0);
        Assert.Equal(-2.0 * Math.Log(0.5), reinforce.Loss, 12);
        Assert.Equal(-2.0, reinforce.Gradient, 12);
        // raft: −log π on Â > 0, nothing on Â ≤ 0.
        Assert.Equal(-Math.Log(0.5), OneToken(new RaftLoss(), 0.5, 0.3).Loss, 12);
        Assert.Equal(-1.0, OneToken(new RaftLoss(), 0.5, 0.3).Gradient, 12);
        Assert.Equal(0.0, OneToken(new RaftLoss(), 0.5, -0.3).Loss);
        Assert.Equal(0.0, OneToken(new RaftLoss(), 0.5, -0.3).Gradient);
        // raft_pp: the PPO clip on positives (ρ = 1.5 → −1.2), zero on negatives.
        Assert.Equal(-1.2, OneToken(new RaftPlusPlusLoss(), 1.5, 1).Loss, 12);
        Assert.Equal(-1.1, OneToken(new RaftPlusPlusLoss(), 1.1, 1).Loss, 12);
        Assert.Equal(0.0, OneToken(new RaftPlusPlusLoss(), 1.1, -1).Loss);
    }

    [Fact]
    public void GmpoByHand()
    {
        // Two tokens with log ratios 0.1 and 0.5, clip (−0.4, 0.4) in log space.
        // Â = +1: ℓ = min(d, clip d) = (0.1, 0.4) → J = exp(0.25), loss −exp(0.25) on both tokens, clipfrac 1/2.
        // Â = −1: ℓ = max(d, clip d) = (0.1, 0.5) → J = −exp(0.3), loss exp(0.3), clipfrac 0.
        foreach ((double a, double expected, double clipFrac) in new[] { (1.0, -Math.Exp(0.25), 0.5), (-1.0, Math.Exp(0.3), 0.0) })
        {
            using var scope = NewDisposeScope();
            PolicyLossOutput output = new GmpoLoss().Compute(new PolicyLossInputs
            {
                LogProbs = Matrix(new double[,] { { 0.1, 0.5 } }, ScalarType.Float64), OldLogProbs = Matrix(new double[,] { { 0, 0 } }, ScalarType.Float64),
                Advantages = Matrix(new double[,] { { a, a } }, ScalarType.Float64), Mask = Matrix(new double[,] { { 1, 1 } }, ScalarType.Float64),
            });
            AssertClose(new double[,] { { expected, expected } }, Read2(output.TokenLoss), 1e-12);
            Assert.Equal(clipFrac, output.Metrics["actor/pg_clipfrac"]);
        }
    }

    [Fact]
    public void GvpoByHand()
    {
        // One prompt, G = 2, one token each: log π − log π_ref = (0.5, −0.5), β = 0.1 → R_θ = (0.05, −0.05), centred the same;
        // R = (1, 0) → centred (0.5, −0.5); e = (−0.45, 0.45); L = ½(0.2025 + 0.2025) = 0.2025, and each token carries
        // (G/2)·e² = 0.2025, so seq_mean_token_mean gives L. The better response's implicit reward is too small, so the
        // gradient pushes its log-prob up (negative derivative) and the worse one's down.
        using var scope = NewDisposeScope();
        Tensor logp = Matrix(new double[,] { { 0.5 }, { -0.5 } }, ScalarType.Float64).requires_grad_();
        Tensor mask = Matrix(new double[,] { { 1 }, { 1 } }, ScalarType.Float64);
        PolicyLossOutput output = new GvpoLoss(beta: 0.1).Compute(new PolicyLossInputs
        {
            LogProbs = logp, OldLogProbs = Matrix(new double[,] { { 0 }, { 0 } }, ScalarType.Float64),
            Advantages = Matrix(new double[,] { { 0 }, { 0 } }, ScalarType.Float64), Mask = mask,
            RefLogProbs = Matrix(new double[,] { { 0 }, { 0 } }, ScalarType.Float64), Scores = Vector([1, 0], ScalarType.Float64), GroupSize = 2,
        });
        AssertClose(new double[,] { { 0.2025 }, { 0.2025 } }, Read2(output.TokenLoss), 1e-12);
        Tensor total = new SeqMeanTokenMean().Aggregate(output.TokenLoss, mask);
        Assert.Equal(0.2025, total.ToDouble(), 12);
        total.backward();
        double[] grad = Read(logp.grad!);
        Assert.True(grad[0] < 0 && grad[1] > 0, $"gradient {grad[0]}, {grad[1]}");
    }

    private sealed record Batch(double[,] LogProbs, double[,] Old, double[,] Advantages, double[,] Mask, double[,] Ref, double[] Scores, int GroupSize);

    /// <summary>Random ragged batch; log ratios kept ≥ 0.01 away from 1 ± 0.2 so finite differences never straddle a kink.</summary>
    private static Batch RandomBatch(int seed, bool sequenceAdvantages)
    {
        var rng = new Random(seed);
        const int g = 3, n = 6, width = 7;
        double[,] mask = RaggedMask(rng, n, width);
        double[,] old = Uniform(rng, n, width, -3, -0.5);
        double[,] logp = new double[n, width];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < width; t++)
            {
                double ratio;
                do ratio = Math.Exp(rng.NextDouble() * 0.8 - 0.4);
                while (Math.Abs(ratio - 0.8) < 0.01 || Math.Abs(ratio - 1.2) < 0.01 || Math.Abs(Math.Log(ratio)) > 0.39 && Math.Abs(Math.Log(ratio)) < 0.41);
                logp[i, t] = old[i, t] + Math.Log(ratio);
            }
        double[] scores = Uniform(rng, n, 0, 1);
        double[,] advantages = sequenceAdvantages ? RlReference.Broadcast(Uniform(rng, n, -1, 1), Ones(n, width)) : Uniform(rng, n, width, -1, 1);
        return new Batch(logp, old, advantages, mask, Uniform(rng, n, width, -3, -0.5), scores, g);
    }

    private static double[,] Ones(int rows, int width)
    {
        var m = new double[rows, width];
        for (int i = 0; i < rows; i++) for (int t = 0; t < width; t++) m[i, t] = 1;
        return m;
    }

    /// <summary>
    /// <paramref name="loss"/> rebuilt through the registry with the hyperparameters it takes (those it does not take are
    /// dropped, as a preset would not give them): ε_low, ε_high, dual clip c, and β = 0.5 for a loss with its own β.
    /// </summary>
    private static IPolicyLoss With(IPolicyLoss loss, double? low, double? high, double? dual, double? beta = 0.5) =>
        PolicyLosses.Create(loss.Name, new PolicyLossSettings
        {
            ClipLow = loss.ReadsClipRange ? low : null, ClipHigh = loss.ReadsClipRange ? high : null,
            DualClip = loss.SupportsDualClip ? dual : null, Beta = loss.TakesBeta ? beta : null,
        });

    private static Func<Tensor, Tensor> Objective(IPolicyLoss loss, ILossAggregation aggregation, Batch b, double? low = null, double? high = null, double? dual = null) =>
        logp =>
        {
            loss = With(loss, low, high, dual);
            Tensor mask = Matrix(b.Mask, ScalarType.Float64);
            PolicyLossOutput output = loss.Compute(new PolicyLossInputs
            {
                LogProbs = logp, OldLogProbs = Matrix(b.Old, ScalarType.Float64), Advantages = Matrix(b.Advantages, ScalarType.Float64), Mask = mask,
                RefLogProbs = Matrix(b.Ref, ScalarType.Float64), Scores = Vector(b.Scores, ScalarType.Float64), GroupSize = b.GroupSize,
            });
            return aggregation.Aggregate(output.TokenLoss, mask);
        };

    [Theory]
    [InlineData("ppo_clip", "token_mean", null)]
    [InlineData("ppo_clip", "seq_mean_token_mean", 1.1)]
    [InlineData("reinforce", "seq_mean_token_sum", null)]
    [InlineData("raft", "token_mean", null)]
    [InlineData("raft_pp", "seq_mean_token_sum_norm", null)]
    [InlineData("gspo", "seq_mean_token_mean", null)]
    [InlineData("gmpo", "seq_mean_token_mean", null)]
    [InlineData("gvpo", "seq_mean_token_mean", null)]
    public void GradientsMatchFiniteDifferences(string lossName, string aggregationName, double? dual)
    {
        Batch b = RandomBatch(100 + lossName.Length, sequenceAdvantages: lossName is "gspo" or "gmpo");
        // gspo's paper clip (3e-4) would clip nearly every sequence and zero the gradient: use ε = 0.2 so both branches show.
        double? clip = lossName == "gspo" ? 0.2 : null;
        Gradients.AssertMatchesFiniteDifference(b.LogProbs,
            Objective(PolicyLosses.Create(lossName), LossAggregations.Create(aggregationName), b, clip, clip, dual), $"{lossName}/{aggregationName}");
    }

    [Fact]
    public void PpoClipEqualsThePlainLoopIncludingMetrics()
    {
        Batch b = RandomBatch(7, sequenceAdvantages: false);
        using var scope = NewDisposeScope();
        PolicyLossOutput output = new PpoClipLoss(0.2, 0.28, 1.05).Compute(new PolicyLossInputs
        {
            LogProbs = Matrix(b.LogProbs, ScalarType.Float64), OldLogProbs = Matrix(b.Old, ScalarType.Float64),
            Advantages = Matrix(b.Advantages, ScalarType.Float64), Mask = Matrix(b.Mask, ScalarType.Float64),
        });
        var reference = RlReference.PpoClip(b.LogProbs, b.Old, b.Advantages, b.Mask, 0.2, 0.28, 1.05);
        AssertClose(reference.Loss, Read2(output.TokenLoss), 1e-12);
        Assert.Equal(reference.ClipFrac, output.Metrics["actor/pg_clipfrac"], 12);
        Assert.Equal(reference.ClipFracLower, output.Metrics["actor/pg_clipfrac_lower"], 12);
        Assert.True(reference.ClipFrac > 0 && reference.ClipFracLower > 0, "the batch should exercise both clips");
        var diff = new double[b.Mask.GetLength(0), b.Mask.GetLength(1)];
        for (int i = 0; i < diff.GetLength(0); i++) for (int t = 0; t < diff.GetLength(1); t++) diff[i, t] = b.Old[i, t] - b.LogProbs[i, t];
        Assert.Equal(RlReference.MaskedMean(diff, b.Mask), output.Metrics["actor/ppo_kl"], 12);
    }

    [Theory]
    [InlineData("gspo", 3e-4, 4e-4)]
    [InlineData("gspo", 0.2, 0.2)]
    [InlineData("gmpo", 0.4, 0.4)]
    public void SequenceLossesPutTheSequenceLossOnEveryToken(string name, double low, double high)
    {
        Batch b = RandomBatch(8, sequenceAdvantages: true);
        double[] advantage = Enumerable.Range(0, b.Mask.GetLength(0)).Select(i => b.Advantages[i, 0]).ToArray();
        double[] expected = name == "gspo"
            ? RlReference.GspoSequenceLoss(b.LogProbs, b.Old, advantage, b.Mask, low, high)
            : RlReference.GmpoSequenceLoss(b.LogProbs, b.Old, advantage, b.Mask, low, high);
        using var scope = NewDisposeScope();
        PolicyLossOutput output = PolicyLosses.Create(name, new PolicyLossSettings { ClipLow = low, ClipHigh = high }).Compute(new PolicyLossInputs
        {
            LogProbs = Matrix(b.LogProbs, ScalarType.Float64), OldLogProbs = Matrix(b.Old, ScalarType.Float64),
            Advantages = Matrix(b.Advantages, ScalarType.Float64), Mask = Matrix(b.Mask, ScalarType.Float64),
        });
        AssertClose(RlReference.Broadcast(expected, b.Mask), Read2(output.TokenLoss), 1e-12, name);
    }

    [Fact]
    public void GvpoAggregatesToTheMeanOfTheCardsGroupLoss()
    {
        Batch b = RandomBatch(9, sequenceAdvantages: false);
        double expected = RlReference.Gvpo(b.LogProbs, b.Ref, b.Scores, b.Mask, b.GroupSize, 0.5);
        double actual = Gradients.Value(b.LogProbs, Objective(new GvpoLoss(), new SeqMeanTokenMean(), b));
        Assert.Equal(expected, actual, 12);
    }

    [Fact]
    public void PaddingCarriesNoLossAndNoGradient()
    {
        Batch b = RandomBatch(10, sequenceAdvantages: true);
        foreach (string name in PolicyLosses.Registry.Names)
        {
            var (_, gradient) = Gradients.Autograd(b.LogProbs, Objective(PolicyLosses.Create(name), new TokenMean(), b, 0.2, 0.2));
            for (int i = 0; i < gradient.GetLength(0); i++)
                for (int t = 0; t < gradient.GetLength(1); t++)
                    if (b.Mask[i, t] == 0) Assert.Equal(0.0, gradient[i, t]);
        }
    }

    [Fact]
    public void GvpoNeedsItsInputs()
    {
        using var scope = NewDisposeScope();
        Tensor one = Matrix(new double[,] { { 0 }, { 0 } });
        var error = Assert.Throws<ArgumentException>(() => new GvpoLoss().Compute(new PolicyLossInputs
            { LogProbs = one, OldLogProbs = one, Advantages = one, Mask = one }));
        Assert.Contains("RefLogProbs", error.Message);
        Assert.True(new GvpoLoss().NeedsReference);
        Assert.Throws<ArgumentException>(() => new PpoClipLoss().Compute(new PolicyLossInputs
            { LogProbs = one, OldLogProbs = Matrix(new double[,] { { 0, 0 } }), Advantages = one, Mask = one }));
    }

    [Fact]
    public void EveryLossFreesItsIntermediates()
    {
        Batch b = RandomBatch(11, sequenceAdvantages: true);
        foreach (string name in PolicyLosses.Registry.Names)
            AssertNoLeak(() =>
            {
                Tensor logp = Matrix(b.LogProbs).requires_grad_();
                Tensor mask = Matrix(b.Mask);
                IPolicyLoss loss = PolicyLosses.Create(name);
                PolicyLossOutput output = With(loss, null, null, 3).Compute(new PolicyLossInputs
                {
                    LogProbs = logp, OldLogProbs = Matrix(b.Old), Advantages = Matrix(b.Advantages), Mask = mask,
                    RefLogProbs = Matrix(b.Ref), Scores = Vector(b.Scores), GroupSize = b.GroupSize,
                });
                new TokenMean().Aggregate(output.TokenLoss, mask).backward();
                Assert.NotNull(logp.grad);
            });
    }
}
