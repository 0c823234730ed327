// The GenAI rollout engine against the trainer: greedy tokens, rollout log-probs, seeds, stop reasons, chunking.
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;

namespace Hybrid.Rollout.Tests;

public sealed class RolloutEngineTests : IDisposable
{
    private static readonly int[][] Prompts = [[104, 101, 108, 108, 111], [119], [100, 97, 116, 97, 32, 115, 101, 116], [63, 10]];

    private readonly DecoderModel _model = TinyPolicy.NewModel();
    private readonly TempFolder _folder;

    public RolloutEngineTests() => _folder = TinyPolicy.Export(_model);

    public void Dispose()
    {
        _folder.Dispose();
        _model.Dispose();
    }

    [Fact]
    public void GreedyRolloutsEqualTheTrainerSamplerWithStopReasons()
    {
        const int maxNew = 10;
        IReadOnlyList<GeneratedSequence> free = KvCacheSampler.Generate(_model, Prompts, SamplingParams.Greedy(maxNew), TinyPolicy.EndOfText);
        int stopId = free[2].ResponseIds[3];  // prompt 2 stops at its fourth token
        SamplingParams greedy = SamplingParams.Greedy(maxNew, stopId, TinyPolicy.EndOfText);
        IReadOnlyList<GeneratedSequence> trainer = KvCacheSampler.Generate(_model, Prompts, greedy, TinyPolicy.EndOfText);

        using var engine = new RolloutEngine(_folder.Path);
        RolloutBatch batch = engine.Generate(new RolloutRequest { Prompts = Prompts, SamplesPerPrompt = 2, Sampling = greedy });
        Assert.Equal(Prompts.Length * 2, batch.Samples.Count);
        foreach (Rollout r in batch.Samples)
        {
            GeneratedSequence expected = trainer[r.PromptIndex];
            Assert.Equal(Prompts[r.PromptIndex], r.PromptIds);
            Assert.Equal(expected.ResponseIds, r.ResponseIds);
            Assert.Equal(expected.Finish, r.Finish);
            Assert.Equal(0, r.PolicyVersion);
            Assert.All(r.LogProbs, lp => Assert.Equal(0f, lp));
        }
        Rollout stopped = batch.Samples.First(r => r.PromptIndex == 2);
        Assert.Equal(FinishReason.Stop, stopped.Finish);
        Assert.Equal(stopId, stopped.ResponseIds[^1]);
        Assert.Contains(batch.Samples, r => r.Finish == FinishReason.Length && r.ResponseIds.Length == maxNew);
    }

    public static TheoryData<double, int, double> Settings => new() { { 1.0, 0, 1.0 }, { 0.8, 12, 0.9 }, { 1.2, 0, 0.7 } };

    [Theory]
    [MemberData(nameof(Settings))]
    public void RolloutLogProbsEqualTheTrainersRecomputedLogProbs(double temperature, int topK, double topP)
    {
        var sampling = new SamplingParams { Temperature = temperature, TopK = topK, TopP = topP, Seed = 5, MaxNewTokens = 12, StopTokenIds = [TinyPolicy.EndOfText] };
        using var engine = new RolloutEngine(_folder.Path);
        RolloutBatch batch = engine.Generate(new RolloutRequest { Prompts = Prompts, SamplesPerPrompt = 3, Sampling = sampling });
        foreach (Rollout r in batch.Samples)
        {
            float[] expected = TinyPolicy.RecomputedLogProbs(_model, r.PromptIds, r.ResponseIds, sampling);
            TinyPolicy.AssertClose(expected, r.LogProbs, 1e-4, $"prompt {r.PromptIndex} sample {r.SampleIndex}");
            Assert.All(r.LogProbs, lp => Assert.True(float.IsFinite(lp) && lp <= 0, $"log-prob {lp}: a sampled token must be inside the filtered distribution"));
        }
        (int[] ids, int[] mask, float[] logProbs, int length) = batch.Padded(TinyPolicy.EndOfText);
        Assert.Equal(batch.ResponseTokens, mask.Sum());
        Assert.Equal(batch.Samples.Count * length, ids.Length);
        Assert.Equal(batch.Samples.Sum(s => s.LogProbs.Sum()), logProbs.Sum(), 3);
    }

    public static TheoryData<double, int, double> DrawSettings => new() { { 1.2, 0, 0.7 }, { 2.0, 20, 0.5 }, { 0.4, 0, 1.0 } };

    [Theory]
    [MemberData(nameof(DrawSettings))]
    public void GenAIDrawsFromTheReferenceDistribution(double temperature, int topK, double topP)
    {
        // 3000 first tokens of one prompt: their frequencies are within total-variation 0.06 of SamplingReference's q
        // (sampling noise here is ~0.01–0.03). This is what makes the recorded log-probs the behaviour policy's.
        int[] prompt = [104, 101, 108];
        float[] logits = TinyPolicy.Logits(_model, prompt).AsSpan(2 * TinyPolicy.Vocab, TinyPolicy.Vocab).ToArray();
        var sampling = new SamplingParams { Temperature = temperature, TopK = topK, TopP = topP, Seed = 1, MaxNewTokens = 1 };
        using var engine = new RolloutEngine(_folder.Path);
        RolloutBatch batch = engine.Generate(new RolloutRequest { Prompts = [prompt], SamplesPerPrompt = 3000, Sampling = sampling });
        double[] q = SamplingReference.Probabilities(logits, sampling);
        var frequency = new double[TinyPolicy.Vocab];
        foreach (Rollout r in batch.Samples) frequency[r.ResponseIds[0]] += 1.0 / batch.Samples.Count;
        double totalVariation = 0.5 * q.Zip(frequency).Sum(p => Math.Abs(p.First - p.Second));
        Assert.True(totalVariation < 0.06, $"GenAI's draws are {totalVariation:F3} (total variation) from the reference distribution");
    }

    [Fact]
    public void SeededSamplingRepeatsAndAnotherSeedDiffers()
    {
        var sampling = new SamplingParams { Seed = 17, MaxNewTokens = 10 };
        using var engine = new RolloutEngine(_folder.Path);
        RolloutRequest request = new() { Prompts = Prompts, SamplesPerPrompt = 4, Sampling = sampling };
        RolloutBatch first = engine.Generate(request), second = engine.Generate(request);
        RolloutBatch other = engine.Generate(request with { Sampling = sampling with { Seed = 18 } });
        for (int i = 0; i < first.Samples.Count; i++)
        {
            Assert.Equal(first.Samples[i].ResponseIds, second.Samples[i].ResponseIds);
            Assert.Equal(first.Samples[i].LogProbs, second.Samples[i].LogProbs);
        }
        Assert.False(first.Samples.Zip(other.Samples).All(p => p.First.ResponseIds.SequenceEqual(p.Second.ResponseIds)), "seed 18 repeated seed 17");
        // The G samples of a prompt are different draws, not copies.
        Assert.False(first.Samples.Where(s => s.PromptIndex == 0).Select(s => string.Join(",", s.ResponseIds)).Distinct().Count() == 1);
    }

    [Fact]
    public void ChunkedGreedyEqualsOneBatch()
    {
        SamplingParams greedy = SamplingParams.Greedy(9, TinyPolicy.EndOfText);
        var request = new RolloutRequest { Prompts = Prompts, SamplesPerPrompt = 3, Sampling = greedy };
        using var whole = new RolloutEngine(_folder.Path);
        using var chunked = new RolloutEngine(_folder.Path, new RolloutEngineOptions { MaxBatchSize = 5 });
        RolloutBatch a = whole.Generate(request), b = chunked.Generate(request);
        Assert.Equal(a.Samples.Count, b.Samples.Count);
        for (int i = 0; i < a.Samples.Count; i++)
        {
            Assert.Equal((a.Samples[i].PromptIndex, a.Samples[i].SampleIndex), (b.Samples[i].PromptIndex, b.Samples[i].SampleIndex));
            Assert.Equal(a.Samples[i].ResponseIds, b.Samples[i].ResponseIds);
            Assert.Equal(a.Samples[i].Finish, b.Samples[i].Finish);
        }
    }

    [Fact]
    public void InvalidRequestsNameTheField()
    {
        Assert.Contains("Prompts[1]", Assert.Throws<ArgumentException>(() => new RolloutRequest { Prompts = [[1], []], Sampling = new() }).Message);
        Assert.Contains("SamplesPerPrompt", Assert.Throws<ArgumentOutOfRangeException>(() => new RolloutRequest { Prompts = [[1]], SamplesPerPrompt = 0, Sampling = new() }).Message);
        Assert.Contains("MaxBatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new RolloutEngineOptions { MaxBatchSize = 0 }).Message);
        using var engine = new RolloutEngine(_folder.Path);
        var tooLong = new RolloutRequest { Prompts = Prompts, Sampling = new SamplingParams { MaxNewTokens = TinyPolicy.Context } };
        Assert.Contains("MaxNewTokens", Assert.Throws<ArgumentException>(() => engine.Generate(tooLong)).Message);
        var badTopK = new RolloutRequest { Prompts = Prompts, Sampling = new SamplingParams { TopK = TinyPolicy.Vocab + 1 } };
        Assert.Contains("TopK", Assert.Throws<ArgumentException>(() => engine.Generate(badTopK)).Message);
    }
}
