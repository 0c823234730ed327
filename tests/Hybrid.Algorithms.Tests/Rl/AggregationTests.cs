// Loss aggregations: hand values with ragged and empty rows, the plain-loop references, gradients and the registry.
using Hybrid.Algorithms.Rl;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using static Hybrid.Algorithms.Tests.Rl.TestTensors;

namespace Hybrid.Algorithms.Tests.Rl;

public class AggregationTests
{
    private static double Aggregate(ILossAggregation aggregation, double[,] loss, double[,] mask)
    {
        using var scope = NewDisposeScope();
        return aggregation.Aggregate(Matrix(loss, ScalarType.Float64), Matrix(mask, ScalarType.Float64)).ToDouble();
    }

    // Loss rows (1, 2, 3) with 3 tokens, (4, 9, 9) with 1 token (the 9s are padding), (5, 5, 5) fully masked.
    private static readonly double[,] Loss = { { 1, 2, 3 }, { 4, 9, 9 }, { 5, 5, 5 } };
    private static readonly double[,] Mask = { { 1, 1, 1 }, { 1, 0, 0 }, { 0, 0, 0 } };

    [Fact]
    public void ByHand()
    {
        // token_mean: (1 + 2 + 3 + 4)/4 = 2.5.
        Assert.Equal(2.5, Aggregate(new TokenMean(), Loss, Mask), 12);
        // seq_mean_token_mean: the empty row drops out: (6/3 + 4/1)/2 = 3.
        Assert.Equal(3.0, Aggregate(new SeqMeanTokenMean(), Loss, Mask), 12);
        // seq_mean_token_sum: (6 + 4)/2 = 5.
        Assert.Equal(5.0, Aggregate(new SeqMeanTokenSum(), Loss, Mask), 12);
        // seq_mean_token_sum_norm, L = 4: all 3 rows count: (6/4 + 4/4 + 0)/3 = 2.5/3.
        Assert.Equal(2.5 / 3, Aggregate(new SeqMeanTokenSumNorm(4), Loss, Mask), 12);
        // default L = the width A = 3: (6/3 + 4/3)/3.
        Assert.Equal((2 + 4.0 / 3) / 3, Aggregate(new SeqMeanTokenSumNorm(), Loss, Mask), 12);
    }

    /// <summary>
    /// Gradient accumulation's split: rows cut into parts (one of them all padding) give Σ Sum(part) / Normaliser(all
    /// rows) = the plain loop over all rows, for every aggregation, and Aggregate = Sum / Normaliser.
    /// </summary>
    [Theory]
    [InlineData(4)]
    [InlineData(5)]
    public void PartsSumToTheWholeOverTheWholeNormaliser(int seed)
    {
        var rng = new Random(seed);
        double[,] mask = RaggedMask(rng, 9, 11, minLength: 0);
        for (int t = 0; t < 11; t++) mask[4, t] = 0;                     // a fully masked response inside a part
        double[,] loss = Uniform(rng, 9, 11, -2, 2);
        var expected = new Dictionary<string, double>
        {
            ["token_mean"] = RlReference.TokenMean(loss, mask),
            ["seq_mean_token_mean"] = RlReference.SeqMeanTokenMean(loss, mask),
            ["seq_mean_token_sum"] = RlReference.SeqMeanTokenSum(loss, mask),
            ["seq_mean_token_sum_norm"] = RlReference.SeqMeanTokenSumNorm(loss, mask, 11),   // L = the padded width, the default
        };
        int[][] parts = [[0, 1, 2, 3], [4, 5], [6, 7, 8]];
        using var scope = NewDisposeScope();
        Tensor l = Matrix(loss, ScalarType.Float64), m = Matrix(mask, ScalarType.Float64);
        foreach (var (name, want) in expected)
        {
            ILossAggregation aggregation = LossAggregations.Create(name);
            double normaliser = aggregation.Normaliser(m);
            double split = parts.Sum(rows =>
            {
                Tensor index = torch.tensor(rows.Select(r => (long)r).ToArray());
                return aggregation.Sum(l.index_select(0, index), m.index_select(0, index)).ToDouble();
            }) / normaliser;
            Assert.Equal(want, split, 12);
            Assert.Equal(want, aggregation.Sum(l, m).ToDouble() / normaliser, 12);
        }
    }

    [Fact]
    public void EmptyMaskGivesZeroNotNaN()
    {
        var empty = new double[2, 3];
        foreach (string name in LossAggregations.Registry.Names)
            Assert.Equal(0.0, Aggregate(LossAggregations.Create(name), new double[,] { { 1, 2, 3 }, { 4, 5, 6 } }, empty));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void EqualThePlainLoopsOnRaggedBatches(int seed)
    {
        var rng = new Random(seed);
        double[,] mask = RaggedMask(rng, 9, 11, minLength: 0);
        double[,] loss = Uniform(rng, 9, 11, -2, 2);
        Assert.Equal(RlReference.TokenMean(loss, mask), Aggregate(new TokenMean(), loss, mask), 12);
        Assert.Equal(RlReference.SeqMeanTokenMean(loss, mask), Aggregate(new SeqMeanTokenMean(), loss, mask), 12);
        Assert.Equal(RlReference.SeqMeanTokenSum(loss, mask), Aggregate(new SeqMeanTokenSum(), loss, mask), 12);
        Assert.Equal(RlReference.SeqMeanTokenSumNorm(loss, mask, 16), Aggregate(new SeqMeanTokenSumNorm(16), loss, mask), 12);
    }

    [Fact]
    public void GradientIsTheAggregationWeight()
    {
        // d token_mean / d ℓ_{i,t} = m_{i,t}/Σm = 1/4; d seq_mean_token_mean / d ℓ_{0,t} = 1/(2·3), d/d ℓ_{1,0} = 1/2.
        var (_, tokenMean) = Gradients.Autograd(Loss, l => new TokenMean().Aggregate(l, Matrix(Mask, ScalarType.Float64)));
        AssertClose(new double[,] { { 0.25, 0.25, 0.25 }, { 0.25, 0, 0 }, { 0, 0, 0 } }, tokenMean, 1e-12);
        var (_, seqMean) = Gradients.Autograd(Loss, l => new SeqMeanTokenMean().Aggregate(l, Matrix(Mask, ScalarType.Float64)));
        AssertClose(new double[,] { { 1 / 6.0, 1 / 6.0, 1 / 6.0 }, { 0.5, 0, 0 }, { 0, 0, 0 } }, seqMean, 1e-12);
    }

    [Fact]
    public void RegistryAndConstantLength()
    {
        Assert.Equal(["seq_mean_token_mean", "seq_mean_token_sum", "seq_mean_token_sum_norm", "token_mean"], LossAggregations.Registry.Names);
        Assert.Equal(1024, ((SeqMeanTokenSumNorm)LossAggregations.Create("seq_mean_token_sum_norm", 1024)).NormLength);
        var error = Assert.Throws<ArgumentException>(() => LossAggregations.Create("token_mean", 1024));
        Assert.Contains("only applies to seq_mean_token_sum_norm", error.Message);
        Assert.Throws<ArgumentOutOfRangeException>(() => new SeqMeanTokenSumNorm(0));
        AssertNoLeak(() =>
        {
            foreach (string name in LossAggregations.Registry.Names)
                LossAggregations.Create(name).Aggregate(Matrix(Loss), Matrix(Mask));
        });
    }
}
