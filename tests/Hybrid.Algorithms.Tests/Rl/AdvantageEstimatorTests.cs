// Advantage estimators: hand-worked values, the plain-loop references on random ragged batches, errors and leaks.
using Hybrid.Algorithms.Rl;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Rl.TestTensors;

namespace Hybrid.Algorithms.Tests.Rl;

public class AdvantageEstimatorTests
{
    private static double[,] Run(string name, double[] scores, double[,] mask, int g, double[,]? tokenRewards = null,
        double[]? baseline = null, double gamma = 1, bool? whiten = null, double eps = 1e-6)
    {
        using var scope = NewDisposeScope();
        AdvantageOutput output = AdvantageEstimators.Create(name, new AdvantageSettings { Gamma = gamma, Whiten = whiten, Epsilon = eps }).Compute(new AdvantageInputs
        {
            Scores = Vector(scores, ScalarType.Float64), Mask = Matrix(mask, ScalarType.Float64), GroupSize = g,
            TokenRewards = tokenRewards is null ? null : Matrix(tokenRewards, ScalarType.Float64),
            BaselineScores = baseline is null ? null : Vector(baseline, ScalarType.Float64),
        });
        return Read2(output.Advantages);
    }

    private static double[,] Ones(int rows, int width)
    {
        var m = new double[rows, width];
        for (int i = 0; i < rows; i++) for (int t = 0; t < width; t++) m[i, t] = 1;
        return m;
    }

    [Fact]
    public void GrpoSeedExampleWithUnbiasedStdGivesZeroMinusOnePlusOne()
    {
        // Rewards 1, 0, 2: mean 1; unbiased variance ((0)² + (−1)² + (1)²)/(3 − 1) = 1, std 1 → (r − 1)/(1 + ε).
        const double eps = 1e-6;
        double[,] a = Run("grpo", [1, 0, 2], Ones(3, 2), 3, eps: eps);
        double[] expected = [0 / (1 + eps), -1 / (1 + eps), 1 / (1 + eps)];
        for (int i = 0; i < 3; i++)
            for (int t = 0; t < 2; t++) Assert.Equal(expected[i], a[i, t], 12);
    }

    [Fact]
    public void GroupEstimatorsByHand()
    {
        double[,] mask = { { 1, 1 }, { 1, 0 }, { 1, 1 } };
        // dr_grpo: r − mean = (0, −1, 1), padding stays 0.
        double[,] dr = Run("dr_grpo", [1, 0, 2], mask, 3);
        AssertClose(new double[,] { { 0, 0 }, { -1, 0 }, { 1, 1 } }, dr, 1e-12);
        // rloo: others' means (0+2)/2 = 1, (1+2)/2 = 1.5, (1+0)/2 = 0.5 → (0, −1.5, 1.5).
        double[,] rloo = Run("rloo", [1, 0, 2], mask, 3);
        AssertClose(new double[,] { { 0, 0 }, { -1.5, 0 }, { 1.5, 1.5 } }, rloo, 1e-12);
        // reinforce_baseline: batch mean of (1, 0, 2, 3) is 1.5 → (−0.5, −1.5, 0.5, 1.5); G = 1 is fine.
        double[,] rb = Run("reinforce_baseline", [1, 0, 2, 3], Ones(4, 1), 1);
        AssertClose(new double[,] { { -0.5 }, { -1.5 }, { 0.5 }, { 1.5 } }, rb, 1e-12);
        // remax: 1 − 0.25 on every token.
        double[,] remax = Run("remax", [1], new double[,] { { 1, 1, 0 } }, 1, baseline: [0.25]);
        AssertClose(new double[,] { { 0.75, 0.75, 0 } }, remax, 1e-12);
    }

    [Fact]
    public void ZeroVarianceGroupGetsZeroAdvantage()
    {
        double[,] a = Run("grpo", [1, 1, 1, 0, 1, 0], Ones(6, 2), 3);
        for (int t = 0; t < 2; t++)
            for (int i = 0; i < 3; i++) Assert.Equal(0.0, a[i, t]);
        Assert.True(a[4, 0] > 0 && a[3, 0] < 0);
    }

    [Fact]
    public void ReinforceReturnToGoByHand()
    {
        // mask [1,1,1,0], score 2, token rewards (0.1, 0.2, 0.3, 9 on padding) → r = (0.1, 0.2, 2.3, 0); γ = 0.5:
        // G_2 = 2.3, G_1 = 0.2 + 0.5·2.3 = 1.35, G_0 = 0.1 + 0.5·1.35 = 0.775.
        double[,] a = Run("reinforce", [2], new double[,] { { 1, 1, 1, 0 } }, 1,
            tokenRewards: new double[,] { { 0.1, 0.2, 0.3, 9 } }, gamma: 0.5);
        AssertClose(new double[,] { { 0.1 + 0.5 * (0.2 + 0.5 * 2.3), 0.2 + 0.5 * 2.3, 2.3, 0 } }, a, 1e-12);
    }

    [Fact]
    public void ReinforcePlusPlusWhitensOverAllMaskedTokens()
    {
        // Rows: score 1 on 2 tokens, score 0 on 1 token → returns (1, 1 | 0). Masked values 1, 1, 0:
        // mean 2/3, unbiased var ((1/3)²·2 + (2/3)²)/2 = 1/3 → (1 − 2/3)/√(1/3), (0 − 2/3)/√(1/3).
        const double eps = 1e-6;
        double[,] a = Run("reinforce_pp", [1, 0], new double[,] { { 1, 1 }, { 1, 0 } }, 1, eps: eps);
        double std = Math.Sqrt(1.0 / 3);
        AssertClose(new double[,] { { (1 / 3.0) / (std + eps), (1 / 3.0) / (std + eps) }, { (-2 / 3.0) / (std + eps), 0 } }, a, 1e-12);
    }

    [Theory]
    [InlineData("grpo", 1.0)]
    [InlineData("dr_grpo", 1.0)]
    [InlineData("rloo", 1.0)]
    [InlineData("reinforce", 1.0)]
    [InlineData("reinforce", 0.9)]
    [InlineData("reinforce_baseline", 1.0)]
    [InlineData("reinforce_pp", 1.0)]
    [InlineData("reinforce_pp", 0.95)]
    [InlineData("remax", 0.97)]
    public void VectorisedEqualsPlainLoopOnRaggedBatches(string name, double gamma)
    {
        var rng = new Random(1234 + name.Length);
        const int g = 4, prompts = 3, n = g * prompts, width = 9;
        const double eps = 1e-6;
        double[,] mask = RaggedMask(rng, n, width);
        double[] scores = Uniform(rng, n, -1, 2);
        scores[1] = scores[0]; // a tie inside a group
        IAdvantageEstimator estimator = AdvantageEstimators.Create(name);
        double[,]? tokenRewards = estimator.AcceptsTokenRewards ? Uniform(rng, n, width, -0.1, 0.1) : null;
        double[]? baseline = name == "remax" ? Uniform(rng, n, 0, 1) : null;

        double[,] expected = name switch
        {
            "grpo" => RlReference.Broadcast(RlReference.Grpo(scores, g, eps), mask),
            "dr_grpo" => RlReference.Broadcast(RlReference.Grpo(scores, g, eps, divideByStd: false), mask),
            "rloo" => RlReference.Broadcast(RlReference.Rloo(SequenceRewards(scores, tokenRewards!, mask), g), mask),
            "reinforce_baseline" => RlReference.Broadcast(scores.Select(s => s - scores.Average()).ToArray(), mask),
            "reinforce" => RlReference.ReturnToGo(RlReference.TokenRewards(scores, mask, tokenRewards), mask, gamma),
            "reinforce_pp" => RlReference.Whiten(RlReference.ReturnToGo(RlReference.TokenRewards(scores, mask, tokenRewards), mask, gamma), mask, eps),
            "remax" => Subtract(RlReference.ReturnToGo(RlReference.TokenRewards(scores, mask, tokenRewards), mask, gamma), baseline!, mask),
            _ => throw new InvalidOperationException(name),
        };
        double[,] actual = Run(name, scores, mask, g, tokenRewards, baseline, gamma, eps: eps);
        AssertClose(expected, actual, 1e-10, name);
    }

    /// <summary>RLOO's sequence reward: score + Σ_t tokenRewards·m.</summary>
    private static double[] SequenceRewards(double[] scores, double[,] tokenRewards, double[,] mask)
    {
        var r = (double[])scores.Clone();
        for (int i = 0; i < r.Length; i++)
            for (int t = 0; t < mask.GetLength(1); t++) r[i] += tokenRewards[i, t] * mask[i, t];
        return r;
    }

    private static double[,] Subtract(double[,] x, double[] perRow, double[,] mask)
    {
        var y = new double[x.GetLength(0), x.GetLength(1)];
        for (int i = 0; i < x.GetLength(0); i++)
            for (int t = 0; t < x.GetLength(1); t++) y[i, t] = (x[i, t] - perRow[i]) * mask[i, t];
        return y;
    }

    [Fact]
    public void Float32MatchesTheFloat64Reference()
    {
        var rng = new Random(7);
        double[,] mask = RaggedMask(rng, 8, 6);
        double[] scores = Uniform(rng, 8, 0, 1);
        using var scope = NewDisposeScope();
        AdvantageOutput output = new GrpoAdvantage().Compute(new AdvantageInputs { Scores = Vector(scores), Mask = Matrix(mask), GroupSize = 4 });
        Assert.Equal(ScalarType.Float32, output.Advantages.dtype);
        AssertClose(RlReference.Broadcast(RlReference.Grpo(scores, 4, 1e-6), mask), Read2(output.Advantages), 1e-5);
    }

    [Fact]
    public void WhitenFlagOverridesTheDefault()
    {
        var rng = new Random(11);
        double[,] mask = RaggedMask(rng, 6, 5, minLength: 2);
        double[] scores = Uniform(rng, 6, -1, 1);
        double[,] plain = Run("dr_grpo", scores, mask, 3);
        AssertClose(RlReference.Whiten(plain, mask, 1e-6), Run("dr_grpo", scores, mask, 3, whiten: true), 1e-10);
        // reinforce_pp without whitening is reinforce.
        AssertClose(Run("reinforce", scores, mask, 3), Run("reinforce_pp", scores, mask, 3, whiten: false), 1e-12);
    }

    [Fact]
    public void MisuseFailsWithTheFix()
    {
        using var scope = NewDisposeScope();
        Tensor mask = Matrix(new double[,] { { 1 }, { 1 }, { 1 } });
        Tensor scores = Vector([1, 0, 1]);
        var e1 = Assert.Throws<ArgumentException>(() => new GrpoAdvantage().Compute(new AdvantageInputs
            { Scores = scores, Mask = mask, GroupSize = 3, TokenRewards = Matrix(new double[,] { { 0 }, { 0 }, { 0 } }) }));
        Assert.Contains("KlPlacement.InLoss", e1.Message);
        var e2 = Assert.Throws<ArgumentException>(() => new GrpoAdvantage().Compute(new AdvantageInputs { Scores = scores, Mask = mask, GroupSize = 2 }));
        Assert.Contains("not a whole number of groups", e2.Message);
        Assert.Throws<ArgumentException>(() => new RlooAdvantage().Compute(new AdvantageInputs { Scores = scores, Mask = mask, GroupSize = 1 }));
        Assert.Throws<ArgumentException>(() => new RemaxAdvantage().Compute(new AdvantageInputs { Scores = scores, Mask = mask, GroupSize = 1 }));
        Assert.Throws<ArgumentException>(() => new GaeAdvantage().Compute(new AdvantageInputs { Scores = scores, Mask = mask, GroupSize = 1 }));
        var e3 = Assert.Throws<ArgumentException>(() => AdvantageEstimators.Create("ppo"));
        Assert.Contains("known: dr_grpo, gae, grpo", e3.Message);
    }

    [Fact]
    public void EveryEstimatorFreesItsIntermediates()
    {
        var rng = new Random(3);
        double[,] mask = RaggedMask(rng, 4, 5);
        foreach (string name in AdvantageEstimators.Registry.Names)
            AssertNoLeak(() =>
            {
                IAdvantageEstimator estimator = AdvantageEstimators.Create(name, new AdvantageSettings { Gamma = 0.9 });
                var output = estimator.Compute(new AdvantageInputs
                {
                    Scores = Vector(Uniform(rng, 4, 0, 1)), Mask = Matrix(mask), GroupSize = 2,
                    Values = Matrix(Uniform(rng, 4, 5, 0, 1)), BaselineScores = Vector(Uniform(rng, 4, 0, 1)),
                    TokenRewards = estimator.AcceptsTokenRewards ? Matrix(Uniform(rng, 4, 5, 0, 1)) : null,
                });
                Assert.Equal(new long[] { 4, 5 }, output.Advantages.shape);
                Assert.Equal(new long[] { 4, 5 }, output.Returns.shape);
            });
    }
}
