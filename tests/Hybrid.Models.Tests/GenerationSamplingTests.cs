// The sampling distribution: the slow reference against hand-worked values, the tensor path against the reference.
using Hybrid.Models.Generation;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Models.Tests;

public sealed class GenerationSamplingTests
{
    // Logits in shuffled id order so the mapping back to ids is exercised: sorted they are z = [2, 1, 0, −1] at ids 1, 3, 0, 2.
    private static readonly float[] Logits = [0f, 2f, -1f, 1f];

    [Fact]
    public void TemperatureOneNoFiltersIsTheSoftmax()
    {
        // e^z / Σ e^z with Σ = e² + e + 1 + e⁻¹ = 11.4752: 0.643914, 0.236883, 0.087144, 0.032059 for z = 2, 1, 0, −1.
        double[] q = SamplingReference.Probabilities(Logits, new SamplingParams());
        Close.Assert([0.087144, 0.643914, 0.032059, 0.236883], q, 1e-6, "softmax");
    }

    [Fact]
    public void TopKTwoKeepsTheTwoLargestRenormalised()
    {
        // e² / (e² + e) = 1 / (1 + e⁻¹) = 0.731059, e / (e² + e) = 0.268941; ids 0 and 2 dropped.
        double[] q = SamplingReference.Probabilities(Logits, new SamplingParams { TopK = 2 });
        Close.Assert([0, 0.731059, 0, 0.268941], q, 1e-6, "top-k 2");
    }

    [Fact]
    public void TopPKeepsTheTokenThatCrossesTheMass()
    {
        // T = 2: z/T = [1, .5, 0, −.5] → p = 0.455054, 0.276004, 0.167405, 0.101536. Running sums 0.455, 0.731 < 0.8,
        // 0.898 ≥ 0.8, so three ids stay; ÷ 0.898464 → 0.506480, 0.307196, 0.186324.
        double[] q = SamplingReference.Probabilities(Logits, new SamplingParams { Temperature = 2, TopP = 0.8 });
        Close.Assert([0.186324, 0.506480, 0, 0.307196], q, 1e-6, "T 2, top-p 0.8");
    }

    [Fact]
    public void TopKThenTemperatureThenTopP()
    {
        // top-k 3 keeps z = 2, 1, 0; T = 0.5 → [4, 2, 0] → p = 0.866813, 0.117310, 0.015876; 0.867 < 0.9 ≤ 0.984 → two
        // stay: e⁴ / (e⁴ + e²) = 0.880797 and 0.119203.
        var sampling = new SamplingParams { TopK = 3, Temperature = 0.5, TopP = 0.9 };
        double[] q = SamplingReference.Probabilities(Logits, sampling);
        Close.Assert([0, 0.880797, 0, 0.119203], q, 1e-6, "top-k 3, T 0.5, top-p 0.9");
        Assert.Equal(Math.Log(0.880797), SamplingReference.LogProb(Logits, 1, sampling), 5);
        Assert.Equal(double.NegativeInfinity, SamplingReference.LogProb(Logits, 0, sampling));
    }

    [Theory]
    [InlineData(false, 1.0, 0)]
    [InlineData(true, 0.0, 0)]
    [InlineData(true, 1.0, 1)]
    public void GreedySettingsAreAPointMassOnTheArgmax(bool doSample, double temperature, int topK)
    {
        var sampling = new SamplingParams { DoSample = doSample, Temperature = temperature, TopK = topK };
        Assert.True(sampling.IsGreedy);
        Assert.Equal(new double[] { 0, 1, 0, 0 }, SamplingReference.Probabilities(Logits, sampling));
        Assert.Equal(new double[] { 1, 0, 0, 0 }, SamplingReference.Probabilities([3f, 3f, 1f, 0f], sampling));  // tie → lower id
    }

    public static TheoryData<double, int, double> Settings => new()
    {
        { 1.0, 0, 1.0 }, { 0.7, 0, 1.0 }, { 1.0, 5, 1.0 }, { 1.3, 0, 0.9 }, { 0.8, 7, 0.75 }, { 1.0, 50, 0.5 },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void TensorLogProbsEqualTheReference(double temperature, int topK, double topP)
    {
        var sampling = new SamplingParams { Temperature = temperature, TopK = topK, TopP = topP };
        const int b = 3, v = 50;
        var random = new Random(5);
        float[] logits = Enumerable.Range(0, b * v).Select(_ => (float)(random.NextDouble() * 6 - 3)).ToArray();
        using var scope = NewDisposeScope();
        double[] fast = SamplingDistribution.LogProbs(torch.tensor(logits, [b, v]), sampling).to(ScalarType.Float64).data<double>().ToArray();  // [B, V]
        for (int r = 0; r < b; r++)
        {
            double[] expected = SamplingReference.Probabilities(logits.AsSpan(r * v, v), sampling).Select(p => Math.Log(p)).ToArray();
            for (int i = 0; i < v; i++)
            {
                double got = fast[r * v + i];
                if (double.IsNegativeInfinity(expected[i])) Assert.True(double.IsNegativeInfinity(got), $"row {r} id {i}: expected dropped, got {got}");
                else Assert.True(Math.Abs(expected[i] - got) < 1e-5, $"row {r} id {i}: expected {expected[i]}, got {got}");
            }
        }
    }

    [Fact]
    public void SeededDrawsFollowTheDistribution()
    {
        // 4000 draws from the T 2 / top-p 0.8 distribution above: frequencies within 3 standard errors, never a dropped id.
        var sampling = new SamplingParams { Temperature = 2, TopP = 0.8 };
        TensorUtil.ManualSeed(3);
        using var scope = NewDisposeScope();
        const int n = 4000;
        Tensor logits = torch.tensor(Logits, [1, 4]).expand(n, 4).contiguous();
        var (tokens, logProbs) = SamplingDistribution.Choose(logits, sampling);
        long[] ids = tokens.data<long>().ToArray();
        float[] lp = logProbs.data<float>().ToArray();
        double[] q = [0.186324, 0.506480, 0, 0.307196];
        for (int id = 0; id < 4; id++)
        {
            double freq = ids.Count(t => t == id) / (double)n;
            Assert.True(Math.Abs(freq - q[id]) <= 3 * Math.Sqrt(q[id] * (1 - q[id]) / n) + 1e-12, $"id {id}: frequency {freq}, expected {q[id]}");
        }
        for (int i = 0; i < n; i++) Assert.Equal(Math.Log(q[ids[i]]), lp[i], 4);
    }

    [Fact]
    public void UnfilteredDrawsFollowTheSoftmaxWithoutSorting()
    {
        // No top-k/top-p: Choose draws from softmax(z / T) over the unsorted vocabulary; 4000 draws against the slow oracle.
        var sampling = new SamplingParams { Temperature = 1.5 };
        double[] q = SamplingReference.Probabilities(Logits, sampling);
        TensorUtil.ManualSeed(4);
        using var scope = NewDisposeScope();
        const int n = 4000;
        var (tokens, logProbs) = SamplingDistribution.Choose(torch.tensor(Logits, [1, 4]).expand(n, 4).contiguous(), sampling);
        long[] ids = tokens.data<long>().ToArray();
        float[] lp = logProbs.data<float>().ToArray();
        for (int id = 0; id < 4; id++)
        {
            double freq = ids.Count(t => t == id) / (double)n;
            Assert.True(Math.Abs(freq - q[id]) <= 3 * Math.Sqrt(q[id] * (1 - q[id]) / n), $"id {id}: frequency {freq}, expected {q[id]}");
        }
        for (int i = 0; i < n; i++) Assert.Equal(Math.Log(q[ids[i]]), lp[i], 4);
    }

    [Fact]
    public void InvalidSettingsNameTheField()
    {
        Assert.Contains("TopP", Assert.Throws<ArgumentOutOfRangeException>(() => new SamplingParams { TopP = 0 }).Message);
        Assert.Contains("Temperature", Assert.Throws<ArgumentOutOfRangeException>(() => new SamplingParams { Temperature = -1 }).Message);
        Assert.Contains("TopK", Assert.Throws<ArgumentOutOfRangeException>(() => new SamplingParams { TopK = -2 }).Message);
        Assert.Contains("MaxNewTokens", Assert.Throws<ArgumentOutOfRangeException>(() => new SamplingParams { MaxNewTokens = 0 }).Message);
        Assert.Contains("TopK", Assert.Throws<ArgumentException>(() => new SamplingParams { TopK = 9 }.CheckVocabulary(4)).Message);
    }
}
