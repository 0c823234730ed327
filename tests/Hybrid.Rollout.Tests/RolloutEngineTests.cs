// The rollout engine against the trainer, on both backends and both exports: greedy tokens, rollout log-probs, seeds,
// stop reasons, chunking.
using Hybrid.Export.Decoder;
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;

namespace Hybrid.Rollout.Tests;

public sealed class RolloutEngineTests : IDisposable
{
    private static readonly int[][] Prompts = [[104, 101, 108, 108, 111], [119], [100, 97, 116, 97, 32, 115, 101, 116], [63, 10]];

    private readonly DecoderModel _model = TinyPolicy.NewModel();
    private readonly Dictionary<AttentionKernel, TempFolder> _folders = [];

    public void Dispose()
    {
        foreach (TempFolder folder in _folders.Values) folder.Dispose();
        _model.Dispose();
    }

    /// <summary>Every backend on every export of the same weights.</summary>
    public static TheoryData<RolloutBackend, AttentionKernel> Engines()
    {
        var data = new TheoryData<RolloutBackend, AttentionKernel>();
        foreach (RolloutBackend backend in Enum.GetValues<RolloutBackend>())
            foreach (AttentionKernel kernel in Enum.GetValues<AttentionKernel>()) data.Add(backend, kernel);
        return data;
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void GreedyRolloutsEqualTheTrainerSamplerWithStopReasons(RolloutBackend backend, AttentionKernel kernel)
    {
        const int maxNew = 10;
        IReadOnlyList<GeneratedSequence> free = KvCacheSampler.Generate(_model, Prompts, SamplingParams.Greedy(maxNew), TinyPolicy.EndOfText);
        int stopId = free[2].ResponseIds[3];  // prompt 2 stops at its fourth token
        SamplingParams greedy = SamplingParams.Greedy(maxNew, stopId, TinyPolicy.EndOfText);
        IReadOnlyList<GeneratedSequence> trainer = KvCacheSampler.Generate(_model, Prompts, greedy, TinyPolicy.EndOfText);

        using RolloutEngine engine = Engine(backend, kernel);
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

    public static TheoryData<RolloutBackend, AttentionKernel, double, int, double> LogProbCases()
    {
        var data = new TheoryData<RolloutBackend, AttentionKernel, double, int, double>();
        foreach (RolloutBackend backend in Enum.GetValues<RolloutBackend>())
            foreach (AttentionKernel kernel in Enum.GetValues<AttentionKernel>())
                foreach (var (t, k, p) in new[] { (1.0, 0, 1.0), (0.8, 12, 0.9), (1.2, 0, 0.7) }) data.Add(backend, kernel, t, k, p);
        return data;
    }

    [Theory]
    [MemberData(nameof(LogProbCases))]
    public void RolloutLogProbsEqualTheTrainersRecomputedLogProbs(RolloutBackend backend, AttentionKernel kernel, double temperature, int topK, double topP)
    {
        var sampling = new SamplingParams { Temperature = temperature, TopK = topK, TopP = topP, Seed = 5, MaxNewTokens = 12, StopTokenIds = [TinyPolicy.EndOfText] };
        using RolloutEngine engine = Engine(backend, kernel);
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

    public static TheoryData<RolloutBackend, double, int, double> DrawCases()
    {
        var data = new TheoryData<RolloutBackend, double, int, double>();
        foreach (RolloutBackend backend in Enum.GetValues<RolloutBackend>())
            foreach (var (t, k, p) in new[] { (1.2, 0, 0.7), (2.0, 20, 0.5), (0.4, 0, 1.0) }) data.Add(backend, t, k, p);
        return data;
    }

    [Theory]
    [MemberData(nameof(DrawCases))]
    public void TheEngineDrawsFromTheReferenceDistribution(RolloutBackend backend, double temperature, int topK, double topP)
    {
        // 3000 first tokens of one prompt: their frequencies are within total-variation 0.06 of SamplingReference's q
        // (sampling noise here is ~0.01–0.03). This is what makes the recorded log-probs the behaviour policy's.
        int[] prompt = [104, 101, 108];
        float[] logits = TinyPolicy.Logits(_model, prompt).AsSpan(2 * TinyPolicy.Vocab, TinyPolicy.Vocab).ToArray();
        var sampling = new SamplingParams { Temperature = temperature, TopK = topK, TopP = topP, Seed = 1, MaxNewTokens = 1 };
        using RolloutEngine engine = Engine(backend, AttentionKernel.Reference);
        RolloutBatch batch = engine.Generate(new RolloutRequest { Prompts = [prompt], SamplesPerPrompt = 3000, Sampling = sampling });
        double[] q = SamplingReference.Probabilities(logits, sampling);
        var frequency = new double[TinyPolicy.Vocab];
        foreach (Rollout r in batch.Samples) frequency[r.ResponseIds[0]] += 1.0 / batch.Samples.Count;
        double totalVariation = 0.5 * q.Zip(frequency).Sum(p => Math.Abs(p.First - p.Second));
        Assert.True(totalVariation < 0.06, $"the engine's draws are {totalVariation:F3} (total variation) from the reference distribution");
    }

    [Theory]
    [MemberData(nameof(Engines))]
    public void SeededSamplingRepeatsAndAnotherSeedDiffers(RolloutBackend backend, AttentionKernel kernel)
    {
        var sampling = new SamplingParams { Seed = 17, MaxNewTokens = 10 };
        using RolloutEngine engine = Engine(backend, kernel);
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

    [Theory]
    [MemberData(nameof(Engines))]
    public void ChunkedGreedyEqualsOneBatch(RolloutBackend backend, AttentionKernel kernel)
    {
        SamplingParams greedy = SamplingParams.Greedy(9, TinyPolicy.EndOfText);
        var request = new RolloutRequest { Prompts = Prompts, SamplesPerPrompt = 3, Sampling = greedy };
        using RolloutEngine whole = Engine(backend, kernel);
        using RolloutEngine chunked = Engine(backend, kernel, new RolloutEngineOptions { MaxBatchSize = 5, IntraOpThreads = 1 });
        RolloutBatch a = whole.Generate(request), b = chunked.Generate(request);
        Assert.Equal(a.Samples.Count, b.Samples.Count);
        for (int i = 0; i < a.Samples.Count; i++)
        {
            Assert.Equal((a.Samples[i].PromptIndex, a.Samples[i].SampleIndex), (b.Samples[i].PromptIndex, b.Samples[i].SampleIndex));
            Assert.Equal(a.Samples[i].ResponseIds, b.Samples[i].ResponseIds);
            Assert.Equal(a.Samples[i].Finish, b.Samples[i].Finish);
        }
    }

    [Theory]
    [InlineData(AttentionKernel.Reference)]
    [InlineData(AttentionKernel.Optimized)]
    public void BothBackendsDrawTheSameSeededRollouts(AttentionKernel kernel)
    {
        // Same chunks and seeds, so the same uniform draws: only the logits' last bits differ between the runtimes.
        var sampling = new SamplingParams { Temperature = 0.9, Seed = 3, MaxNewTokens = 10, StopTokenIds = [TinyPolicy.EndOfText] };
        var request = new RolloutRequest { Prompts = Prompts, SamplesPerPrompt = 5, Sampling = sampling };
        var options = new RolloutEngineOptions { MaxBatchSize = 8 };
        using RolloutEngine genAI = Engine(RolloutBackend.GenAI, kernel, options), ort = Engine(RolloutBackend.Ort, kernel, options);
        RolloutBatch a = genAI.Generate(request), b = ort.Generate(request);
        for (int i = 0; i < a.Samples.Count; i++)
        {
            Assert.Equal(a.Samples[i].ResponseIds, b.Samples[i].ResponseIds);
            Assert.Equal(a.Samples[i].Finish, b.Samples[i].Finish);
            TinyPolicy.AssertClose(a.Samples[i].LogProbs, b.Samples[i].LogProbs, 1e-4, $"row {i}: GenAI vs Ort log-probs");
        }
    }

    [Theory]
    [InlineData(AttentionKernel.Reference)]
    [InlineData(AttentionKernel.Optimized)]
    public void OrtDecodesMoreRowsThanGenAIsCapInOneBatch(AttentionKernel kernel)
    {
        SamplingParams greedy = SamplingParams.Greedy(7, TinyPolicy.EndOfText);
        var request = new RolloutRequest { Prompts = Prompts, SamplesPerPrompt = 12, Sampling = greedy };  // 48 rows
        using RolloutEngine ort = Engine(RolloutBackend.Ort, kernel, new RolloutEngineOptions { MaxBatchSize = 64 }), genAI = Engine(RolloutBackend.GenAI, kernel);
        int chunks = 0;
        ort.ChunkStarting = _ => Interlocked.Increment(ref chunks);
        RolloutBatch one = ort.Generate(request), chunked = genAI.Generate(request);
        Assert.Equal(1, chunks);
        for (int i = 0; i < one.Samples.Count; i++) Assert.Equal(chunked.Samples[i].ResponseIds, one.Samples[i].ResponseIds);
    }

    [Theory]
    [InlineData(AttentionKernel.Reference)]
    [InlineData(AttentionKernel.Optimized)]
    public void OrtPrefillInRowGroupsEqualsOneGroup(AttentionKernel kernel)
    {
        // 1 byte of prompt logits: every row is prefilled alone into its slice of the shared KV buffers.
        var sampling = new SamplingParams { Seed = 9, MaxNewTokens = 8 };
        var request = new RolloutRequest { Prompts = Prompts, SamplesPerPrompt = 2, Sampling = sampling };
        using RolloutEngine grouped = Engine(RolloutBackend.Ort, kernel, new RolloutEngineOptions { PrefillLogitsBytes = 1 });
        using RolloutEngine whole = Engine(RolloutBackend.Ort, kernel);
        RolloutBatch a = grouped.Generate(request), b = whole.Generate(request);
        for (int i = 0; i < a.Samples.Count; i++)
        {
            Assert.Equal(b.Samples[i].ResponseIds, a.Samples[i].ResponseIds);
            TinyPolicy.AssertClose(b.Samples[i].LogProbs, a.Samples[i].LogProbs, 1e-5, $"row {i}");
        }
    }

    [Fact]
    public void OrtParallelChunksAndConcurrentRequestsChangeNoResult()
    {
        var sampling = new SamplingParams { Seed = 4, MaxNewTokens = 8 };
        var request = new RolloutRequest { Prompts = Prompts, SamplesPerPrompt = 4, Sampling = sampling };
        using RolloutEngine serial = Engine(RolloutBackend.Ort, AttentionKernel.Reference, new RolloutEngineOptions { MaxBatchSize = 3 });
        using RolloutEngine parallel = Engine(RolloutBackend.Ort, AttentionKernel.Reference, new RolloutEngineOptions { MaxBatchSize = 3, ParallelChunks = 2 });
        RolloutBatch expected = serial.Generate(request);
        RolloutBatch[] concurrent = new RolloutBatch[3];
        Parallel.For(0, concurrent.Length, i => concurrent[i] = parallel.Generate(request));
        foreach (RolloutBatch batch in concurrent)
        {
            for (int i = 0; i < expected.Samples.Count; i++)
            {
                Assert.Equal(expected.Samples[i].ResponseIds, batch.Samples[i].ResponseIds);
                Assert.Equal(expected.Samples[i].LogProbs, batch.Samples[i].LogProbs);
            }
        }
    }

    [Fact]
    public void OrtFreesEveryNativeBuffer()
    {
        using RolloutEngine engine = Engine(RolloutBackend.Ort, AttentionKernel.Optimized);
        long before = Decoding.NativeBuffers.Live;
        engine.Generate(new RolloutRequest { Prompts = Prompts, SamplesPerPrompt = 2, Sampling = new SamplingParams { Seed = 1, MaxNewTokens = 4 } });
        engine.Logits(Prompts[0]);
        Assert.Equal(before, Decoding.NativeBuffers.Live);

        // A batch that fails inside (appending past its capacity) frees its buffers on dispose.
        LoadedModel model = engine.CurrentModel;
        using (Decoding.IDecoderBatch batch = model.StartBatch(Prompts, Prompts.Max(p => p.Length) + 2, adapterName: null))
        {
            int[] tokens = new int[Prompts.Length];
            batch.Append(tokens);
            batch.Append(tokens);
            Assert.Throws<InvalidOperationException>(() => batch.Append(tokens));
        }
        Assert.Equal(before, Decoding.NativeBuffers.Live);
    }

    [Fact]
    public void InvalidRequestsAndOptionsNameTheField()
    {
        Assert.Contains("Prompts[1]", Assert.Throws<ArgumentException>(() => new RolloutRequest { Prompts = [[1], []], Sampling = new() }).Message);
        Assert.Contains("SamplesPerPrompt", Assert.Throws<ArgumentOutOfRangeException>(() => new RolloutRequest { Prompts = [[1]], SamplesPerPrompt = 0, Sampling = new() }).Message);
        Assert.Contains("MaxBatchSize", Assert.Throws<ArgumentOutOfRangeException>(() => new RolloutEngineOptions { MaxBatchSize = 0 }).Message);
        Assert.Contains("IntraOpThreads", Assert.Throws<ArgumentOutOfRangeException>(() => new RolloutEngineOptions { IntraOpThreads = 0 }).Message);
        Assert.Contains("PrefillLogitsBytes", Assert.Throws<ArgumentOutOfRangeException>(() => new RolloutEngineOptions { PrefillLogitsBytes = 0 }).Message);
        Assert.Contains("MaxBatchSize", Assert.Throws<ArgumentException>(() => Engine(RolloutBackend.GenAI, AttentionKernel.Reference, new RolloutEngineOptions { MaxBatchSize = 33 })).Message);
        // Defaults: the Ort backend, one batch of up to 256 rows, one chunk at a time on every core.
        var defaults = new RolloutEngineOptions();
        Assert.Equal((RolloutBackend.Ort, 256, 1, (int?)null), (defaults.Backend, defaults.MaxBatchSize, defaults.ParallelChunks, defaults.IntraOpThreads));
        Assert.Equal(Environment.ProcessorCount, defaults.SessionIntraOpThreads);
        Assert.Equal(32, new RolloutEngineOptions { Backend = RolloutBackend.GenAI }.MaxBatchSize);
        Assert.Equal(Environment.ProcessorCount, new RolloutEngineOptions { Backend = RolloutBackend.GenAI }.SessionIntraOpThreads);
        Assert.Equal(Math.Max(1, Environment.ProcessorCount / 2), new RolloutEngineOptions { ParallelChunks = 2 }.SessionIntraOpThreads);
        Assert.Equal(3, new RolloutEngineOptions { Backend = RolloutBackend.Ort, IntraOpThreads = 3 }.SessionIntraOpThreads);
        foreach (RolloutBackend backend in Enum.GetValues<RolloutBackend>())
        {
            using RolloutEngine engine = Engine(backend, AttentionKernel.Reference);
            var tooLong = new RolloutRequest { Prompts = Prompts, Sampling = new SamplingParams { MaxNewTokens = TinyPolicy.Context } };
            Assert.Contains("MaxNewTokens", Assert.Throws<ArgumentException>(() => engine.Generate(tooLong)).Message);
            var badTopK = new RolloutRequest { Prompts = Prompts, Sampling = new SamplingParams { TopK = TinyPolicy.Vocab + 1 } };
            Assert.Contains("TopK", Assert.Throws<ArgumentException>(() => engine.Generate(badTopK)).Message);
        }
    }

    private RolloutEngine Engine(RolloutBackend backend, AttentionKernel kernel, RolloutEngineOptions? options = null)
    {
        if (!_folders.TryGetValue(kernel, out TempFolder? folder)) _folders[kernel] = folder = TinyPolicy.Export(_model, kernel: kernel);
        return new RolloutEngine(folder.Path, (options ?? new RolloutEngineOptions()) with { Backend = backend });
    }
}
