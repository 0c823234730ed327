// The engine's per-row sampler against the slow SamplingReference oracle: log-probs, draw frequencies, greedy ties.
using Hybrid.Models.Generation;

namespace Hybrid.Rollout.Tests;

public sealed class RowSamplerTests
{
    /// <summary>Unfiltered (the vectorised float32 path) at three temperatures, then top-k, top-p and both (the sorted path).</summary>
    public static TheoryData<double, int, double> Settings => new()
    {
        { 1.0, 0, 1.0 }, { 0.7, 0, 1.0 }, { 1.3, 0, 1.0 }, { 1.0, 10, 1.0 }, { 0.8, 0, 0.9 }, { 1.2, 25, 0.6 },
    };

    [Theory]
    [MemberData(nameof(Settings))]
    public void LogQIsTheReferenceLogProbOfTheDrawnToken(double temperature, int topK, double topP)
    {
        var sampling = new SamplingParams { Temperature = temperature, TopK = topK, TopP = topP };
        var sampler = new RowSampler(sampling, new Random(7));
        var random = new Random(3);
        for (int row = 0; row < 50; row++)
        {
            float[] logits = RandomLogits(random, 300, scale: 2);
            double[] q = SamplingReference.Probabilities(logits, sampling);
            for (int draw = 0; draw < 4; draw++)
            {
                int token = sampler.Draw(logits, out float logQ);
                Assert.True(q[token] > 0, $"row {row}: drew token {token}, which the filters drop");
                Assert.Equal(Math.Log(q[token]), logQ, 1e-5);
            }
        }
    }

    [Theory]
    [MemberData(nameof(Settings))]
    public void DrawsFollowTheReferenceDistribution(double temperature, int topK, double topP)
    {
        // 20000 draws over 50 ids: the expected total variation from sampling noise is about 0.015.
        var sampling = new SamplingParams { Temperature = temperature, TopK = topK, TopP = topP };
        float[] logits = RandomLogits(new Random(11), 50, scale: 1.5f);
        double[] q = SamplingReference.Probabilities(logits, sampling);
        var sampler = new RowSampler(sampling, new Random(5));
        var frequency = new double[logits.Length];
        const int draws = 20000;
        for (int i = 0; i < draws; i++) frequency[sampler.Draw(logits, out _)] += 1.0 / draws;
        double totalVariation = 0.5 * q.Zip(frequency).Sum(p => Math.Abs(p.First - p.Second));
        Assert.True(totalVariation < 0.04, $"draws are {totalVariation:F3} (total variation) from SamplingReference's q");
    }

    [Fact]
    public void GreedyTakesTheLowestIdOfTiedMaxima()
    {
        float[] logits = [0.5f, 3f, -1f, 3f, 2.9f, 3f];
        double[] q = SamplingReference.Probabilities(logits, SamplingParams.Greedy(1));
        Assert.Equal(1, RowSampler.Greedy(logits));
        Assert.Equal(1.0, q[1]);
        float[] single = RandomLogits(new Random(2), 1000, scale: 3);
        Assert.Equal(Array.IndexOf(single, single.Max()), RowSampler.Greedy(single));
    }

    [Fact]
    public void TheSameSeedRepeatsTheDraws()
    {
        var sampling = new SamplingParams { Temperature = 0.9 };
        float[] logits = RandomLogits(new Random(4), 128, scale: 1);
        var a = new RowSampler(sampling, new Random(21));
        var b = new RowSampler(sampling, new Random(21));
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(a.Draw(logits, out float la), b.Draw(logits, out float lb));
            Assert.Equal(la, lb);
        }
    }

    private static float[] RandomLogits(Random random, int vocab, float scale)
    {
        var logits = new float[vocab];
        for (int i = 0; i < vocab; i++)
            logits[i] = scale * (float)(Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble()));
        return logits;
    }
}
