// GAE: a hand-worked recursion, the λ = 1 (Monte Carlo − V) and λ = 0 (TD residual) limits, whitening and returns.
using Hybrid.Algorithms.Rl;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Rl.TestTensors;

namespace Hybrid.Algorithms.Tests.Rl;

public class GaeTests
{
    private static (double[,] Advantages, double[,] Returns) Run(double[] scores, double[,] values, double[,] mask,
        double gamma, double lambda, bool whiten = false, double[,]? tokenRewards = null)
    {
        using var scope = NewDisposeScope();
        AdvantageOutput output = new GaeAdvantage(new AdvantageSettings { Gamma = gamma, Lambda = lambda, Whiten = whiten }).Compute(new AdvantageInputs
        {
            Scores = Vector(scores, ScalarType.Float64), Mask = Matrix(mask, ScalarType.Float64), GroupSize = 1,
            Values = Matrix(values, ScalarType.Float64),
            TokenRewards = tokenRewards is null ? null : Matrix(tokenRewards, ScalarType.Float64),
        });
        return (Read2(output.Advantages), Read2(output.Returns));
    }

    [Fact]
    public void RecursionByHand()
    {
        // One response of 3 tokens, score 1 at the last one, V = (0.5, 0.2, 0.1), γ = 0.9, λ = 0.8 (γλ = 0.72):
        // δ_2 = 1 + 0 − 0.1 = 0.9; δ_1 = 0 + 0.9·0.1 − 0.2 = −0.11; δ_0 = 0 + 0.9·0.2 − 0.5 = −0.32.
        // Â_2 = 0.9; Â_1 = −0.11 + 0.72·0.9 = 0.538; Â_0 = −0.32 + 0.72·0.538 = 0.06736; returns = Â + V.
        var (adv, ret) = Run([1], new double[,] { { 0.5, 0.2, 0.1, 7 } }, new double[,] { { 1, 1, 1, 0 } }, 0.9, 0.8);
        double a2 = 0.9, a1 = -0.11 + 0.72 * a2, a0 = -0.32 + 0.72 * a1;
        AssertClose(new double[,] { { a0, a1, a2, 0 } }, adv, 1e-12);
        AssertClose(new double[,] { { a0 + 0.5, a1 + 0.2, a2 + 0.1, 0 } }, ret, 1e-12);
    }

    [Fact]
    public void LambdaOneIsDiscountedReturnMinusValue()
    {
        var rng = new Random(21);
        const int n = 6, width = 8;
        const double gamma = 0.93;
        double[,] mask = RaggedMask(rng, n, width);
        double[] scores = Uniform(rng, n, -1, 1);
        double[,] values = Uniform(rng, n, width, -0.5, 0.5);
        double[,] tokenRewards = Uniform(rng, n, width, -0.2, 0.2);
        var (adv, _) = Run(scores, values, mask, gamma, 1.0, tokenRewards: tokenRewards);
        double[,] returns = RlReference.ReturnToGo(RlReference.TokenRewards(scores, mask, tokenRewards), mask, gamma);
        var expected = new double[n, width];
        for (int i = 0; i < n; i++)
            for (int t = 0; t < width; t++) expected[i, t] = (returns[i, t] - values[i, t]) * mask[i, t];
        AssertClose(expected, adv, 1e-10);
    }

    [Fact]
    public void LambdaZeroIsTheTdResidual()
    {
        var rng = new Random(22);
        const int n = 5, width = 7;
        const double gamma = 0.8;
        double[,] mask = RaggedMask(rng, n, width);
        double[] scores = Uniform(rng, n, -1, 1);
        double[,] values = Uniform(rng, n, width, -0.5, 0.5);
        var (adv, _) = Run(scores, values, mask, gamma, 0.0);
        double[,] r = RlReference.TokenRewards(scores, mask, null);
        var expected = new double[n, width];
        for (int i = 0; i < n; i++)
        {
            int last = RlReference.Last(mask, i);
            for (int t = 0; t <= last; t++) expected[i, t] = r[i, t] + gamma * (t == last ? 0 : values[i, t + 1]) - values[i, t];
        }
        AssertClose(expected, adv, 1e-12);
    }

    [Theory]
    [InlineData(1.0, 0.95)]
    [InlineData(0.99, 0.9)]
    public void VectorisedEqualsTheLoopAndWhiteningLeavesReturnsAlone(double gamma, double lambda)
    {
        var rng = new Random(23);
        const int n = 7, width = 10;
        double[,] mask = RaggedMask(rng, n, width);
        double[] scores = Uniform(rng, n, -1, 1);
        double[,] values = Uniform(rng, n, width, -0.5, 0.5);
        double[,] tokenRewards = Uniform(rng, n, width, -0.05, 0.05);
        var reference = RlReference.Gae(RlReference.TokenRewards(scores, mask, tokenRewards), values, mask, gamma, lambda);

        var (raw, rawReturns) = Run(scores, values, mask, gamma, lambda, whiten: false, tokenRewards: tokenRewards);
        AssertClose(reference.Advantages, raw, 1e-10, "advantages");
        AssertClose(reference.Returns, rawReturns, 1e-10, "returns");

        var (white, whiteReturns) = Run(scores, values, mask, gamma, lambda, whiten: true, tokenRewards: tokenRewards);
        AssertClose(RlReference.Whiten(reference.Advantages, mask, 1e-6), white, 1e-10, "whitened");
        AssertClose(reference.Returns, whiteReturns, 1e-10, "returns after whitening");
        Assert.True(Math.Abs(RlReference.MaskedMean(white, mask)) < 1e-10);
    }

    [Fact]
    public void WhitenIsOnByDefault()
    {
        var rng = new Random(24);
        double[,] mask = RaggedMask(rng, 4, 6, minLength: 2);
        double[] scores = Uniform(rng, 4, 0, 1);
        double[,] values = Uniform(rng, 4, 6, 0, 1);
        using var scope = NewDisposeScope();
        AdvantageOutput output = new GaeAdvantage().Compute(new AdvantageInputs
        {
            Scores = Vector(scores, ScalarType.Float64), Mask = Matrix(mask, ScalarType.Float64), GroupSize = 1, Values = Matrix(values, ScalarType.Float64),
        });
        var reference = RlReference.Gae(RlReference.TokenRewards(scores, mask, null), values, mask, 1.0, 0.95);
        AssertClose(RlReference.Whiten(reference.Advantages, mask, 1e-6), Read2(output.Advantages), 1e-10);
    }
}
