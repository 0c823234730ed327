// Rollout/trainer mismatch: the metrics by hand, truncated-IS weights and sequence-level masking.
using Hybrid.Algorithms.Rl;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Rl.TestTensors;

namespace Hybrid.Algorithms.Tests.Rl;

public class MismatchTests
{
    // Row 0: trainer − rollout log ratios (0.1, −0.3 | pad); row 1: (1.0 | pads); row 2: empty.
    private static readonly double[,] Rollout = { { -1.0, -2.0, -5 }, { -3.0, 0, 0 }, { -1, -1, -1 } };
    private static readonly double[,] Old = { { -0.9, -2.3, 9 }, { -2.0, 7, 7 }, { 4, 4, 4 } };
    private static readonly double[,] Mask = { { 1, 1, 0 }, { 1, 0, 0 }, { 0, 0, 0 } };

    [Fact]
    public void MetricsByHand()
    {
        AssertNoLeak(() =>
        {
            var metrics = RolloutMismatch.Measure(Matrix(Rollout, ScalarType.Float64), Matrix(Old, ScalarType.Float64), Matrix(Mask, ScalarType.Float64));
            // |d| = 0.1, 0.3, 1.0 → mean 1.4/3, max 1.0; k3 with ρ = π_old/π_rollout: e^d − d − 1 averaged.
            Assert.Equal(1.4 / 3, metrics["rollout_corr/mean_abs_diff"], 12);
            Assert.Equal(1.0, metrics["rollout_corr/max_abs_diff"], 12);
            double k3(double d) => Math.Exp(d) - d - 1;
            Assert.Equal((k3(0.1) + k3(-0.3) + k3(1.0)) / 3, metrics["rollout_corr/kl"], 12);
        });
    }

    [Fact]
    public void TruncatedImportanceWeights()
    {
        AssertNoLeak(() =>
        {
            var (weights, metrics) = new TruncatedImportanceSampling(2).Weights(Matrix(Rollout, ScalarType.Float64), Matrix(Old, ScalarType.Float64), Matrix(Mask, ScalarType.Float64));
            // exp(0.1), exp(−0.3), min(e ≈ 2.718, 2) = 2; padding 0. One of three tokens capped.
            AssertClose(new double[,] { { Math.Exp(0.1), Math.Exp(-0.3), 0 }, { 2, 0, 0 }, { 0, 0, 0 } }, Read2(weights), 1e-12);
            Assert.Equal(1.0 / 3, metrics["rollout_corr/tis_clipfrac"], 12);
            Assert.Equal((Math.Exp(0.1) + Math.Exp(-0.3) + 2) / 3, metrics["rollout_corr/tis_mean"], 12);
            Assert.False(weights.requires_grad);
        });
        Assert.Throws<ArgumentOutOfRangeException>(() => new TruncatedImportanceSampling(0.5));
    }

    [Fact]
    public void SequenceMaskingDropsWholeResponses()
    {
        AssertNoLeak(() =>
        {
            Tensor rollout = Matrix(Rollout, ScalarType.Float64), old = Matrix(Old, ScalarType.Float64), mask = Matrix(Mask, ScalarType.Float64);
            // Mean |d|: row 0 (0.1 + 0.3)/2 = 0.2, row 1 1.0. Threshold 0.5 drops row 1 only; the empty row is not counted.
            var (kept, metrics) = new SequenceMismatchMask(SequenceMismatchMode.MeanAbsLogRatio, threshold: 0.5).Apply(rollout, old, mask);
            AssertClose(new double[,] { { 1, 1, 0 }, { 0, 0, 0 }, { 0, 0, 0 } }, Read2(kept), 0);
            Assert.Equal(0.5, metrics["rollout_corr/seq_masked_frac"]);
            // Geometric mean ratio: row 0 exp(−0.1) ≈ 0.905, row 1 e ≈ 2.72. Bounds [0.5, 2] drop row 1; [0.95, 3] drop row 0.
            var (geometric, _) = new SequenceMismatchMask(SequenceMismatchMode.GeometricMeanRatio).Apply(rollout, old, mask);
            AssertClose(new double[,] { { 1, 1, 0 }, { 0, 0, 0 }, { 0, 0, 0 } }, Read2(geometric), 0);
            var (tight, _) = new SequenceMismatchMask(SequenceMismatchMode.GeometricMeanRatio, lower: 0.95, upper: 3).Apply(rollout, old, mask);
            AssertClose(new double[,] { { 0, 0, 0 }, { 1, 0, 0 }, { 0, 0, 0 } }, Read2(tight), 0);
        });
    }

    [Fact]
    public void WeightsMultiplyThePerTokenLoss()
    {
        // The documented use: aggregate(loss.TokenLoss · w, mask). With reinforce (ℓ = −Â·log π) and Â = 1 the gradient on
        // each token is −w_t/Σm under token_mean.
        var (_, gradient) = Gradients.Autograd(Old, logp =>
        {
            Tensor mask = Matrix(Mask, ScalarType.Float64);
            var (weights, _) = new TruncatedImportanceSampling().Weights(Matrix(Rollout, ScalarType.Float64), logp.detach(), mask);
            PolicyLossOutput output = new ReinforceLoss().Compute(new PolicyLossInputs
            {
                LogProbs = logp, OldLogProbs = logp.detach(), Advantages = torch.ones([3, 3], ScalarType.Float64), Mask = mask,
            });
            return new TokenMean().Aggregate(output.TokenLoss * weights, mask);
        });
        AssertClose(new double[,] { { -Math.Exp(0.1) / 3, -Math.Exp(-0.3) / 3, 0 }, { -2.0 / 3, 0, 0 }, { 0, 0, 0 } }, gradient, 1e-12);
    }
}
