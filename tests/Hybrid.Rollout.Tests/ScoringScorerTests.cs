// The ORT scorer on a hand-checkable score model: IOBinding writes into our buffers, batching and order never change a score.
using Hybrid.Models.Creation;
using Hybrid.Rollout.Scoring;
using Microsoft.ML.OnnxRuntime;

namespace Hybrid.Rollout.Tests;

public sealed class ScoringScorerTests : IDisposable
{
    private readonly ScoringTempDir _tmp = new();
    private readonly string _model;
    private readonly float[] _values;

    public ScoringScorerTests()
    {
        CreatedModel created = ScoringTestKit.CreateCheckpoint(_tmp.Path);
        _model = created.Directory;
        _values = ScoringTestKit.TokenValues(created.Config.VocabSize);
        ScoringTestKit.WriteMeanTokenScoreModel(_model, _values);
    }

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void TheBindingRunsThroughIoBindingAndOrtWritesIntoItsOwnPinnedOutputBuffer()
    {
        using var session = new InferenceSession(Path.Combine(_model, "model.onnx"));
        using var binding = new OrtScoreBinding(session, padTokenId: 0);
        int[][] rows = [[5, 9, 3, 7], [11], [2, 4]];

        ReadOnlySpan<float> first = binding.Run(rows);
        float[] expected = rows.Select(r => ScoringTestKit.MeanTokenScore(_values, r)).ToArray();
        Assert.Equal(1, binding.Runs);
        Assert.Equal(3 * 4, binding.Capacity);
        for (int i = 0; i < rows.Length; i++) Assert.Equal(expected[i], first[i], 1e-6f);

        // The returned span is a view of the bound output buffer: the next run (same capacity, no reallocation) overwrites
        // it in place — ORT wrote there itself, there was no output OrtValue to copy from.
        unsafe
        {
            fixed (float* before = first)
            {
                ReadOnlySpan<float> second = binding.Run([[7, 3]]);
                fixed (float* after = second) Assert.True(before == after, "the output was not written into the bound buffer");
                Assert.Equal(ScoringTestKit.MeanTokenScore(_values, [7, 3]), first[0], 1e-6f);
            }
        }
        Assert.Equal(2, binding.Runs);
        Assert.Equal(12, binding.Capacity);   // a smaller batch reuses the buffers
        binding.Run([[1, 2, 3, 4, 5, 6, 7], [8, 9, 10, 11, 12, 13, 14]]);
        Assert.Equal(14, binding.Capacity);   // a larger one grows them
    }

    [Fact]
    public void TheBindingRejectsAModelWithoutTheScoreInterface()
    {
        string dir = _tmp["wrong"];
        Directory.CreateDirectory(dir);
        var g = new Hybrid.Export.Onnx.OnnxGraphBuilder("wrong");
        g.AddInput("input_ids", Hybrid.Export.Onnx.TensorProto.Types.DataType.Int64, "b", "t");
        g.AddNode("Identity", "/id", ["input_ids"], ["logits"]);
        g.AddOutput("logits", Hybrid.Export.Onnx.TensorProto.Types.DataType.Int64, "b", "t");
        Hybrid.Export.Onnx.OnnxModelWriter.Save(g.Build(), dir);
        using var session = new InferenceSession(Path.Combine(dir, "model.onnx"));
        var ex = Assert.Throws<ArgumentException>(() => new OrtScoreBinding(session, 0));
        Assert.Contains("no input 'attention_mask'", ex.Message);
    }

    [Fact]
    public void ScoresMatchTheReferenceInInputOrderForEveryBatchSize()
    {
        string[] texts =
        [
            "What is 2+3? The answer is 5.",
            "Hi",
            "Question 7: what is 9+9? The answer is 18, said the assistant. Question 8: what is 1+1?",
            "The answer is 4",
            "said the assistant",
            "Question 1: what is 1+2? The answer is 3.",
            "x",
            "what is 5+5? 10",
            "The answer is 7, said the assistant.",
        ];
        float[]? previous = null;
        foreach (int batchSize in new[] { 1, 3, 7, 64 })
        {
            using var scorer = OnnxRewardScorer.Open(_model, new RewardScorerOptions { BatchSize = batchSize, IntraOpThreads = 1 });
            var progress = new List<int>();
            RewardScores result = scorer.Score(texts, progress.Add);
            int[][] ids = scorer.Tokenizer.EncodeBatch(texts);
            for (int i = 0; i < texts.Length; i++)
                Assert.Equal(ScoringTestKit.MeanTokenScore(_values, ids[i]), result.Scores[i], 1e-6f);
            Assert.Equal((texts.Length + batchSize - 1) / batchSize, scorer.Binding.Runs);
            Assert.Equal(texts.Length, progress[^1]);
            Assert.Equal(ids.Sum(r => (long)r.Length), result.Tokens);
            Assert.True(result.PaddedTokens >= result.Tokens);
            Assert.Equal(0, result.TruncatedRows);
            if (previous is not null)                                          // batch composition changes nothing but rounding
                for (int i = 0; i < texts.Length; i++) Assert.Equal(previous[i], result.Scores[i], 1e-6f);
            previous = result.Scores;
        }
    }

    [Fact]
    public void LengthSortedBatchesKeepSimilarLengthsTogether()
    {
        int[] lengths = [3, 9, 1, 9, 5, 2, 8];
        IReadOnlyList<int[]> plan = LengthBatches.Plan(lengths, 3);
        Assert.Equal([[1, 3, 6], [4, 0, 5], [2]], plan);                    // descending; ties in input order
        Assert.Equal(Enumerable.Range(0, 7), plan.SelectMany(b => b).Order());
    }

    [Fact]
    public void ALongRowKeepsItsLastTokens()
    {
        using var scorer = OnnxRewardScorer.Open(_model, new RewardScorerOptions { MaxLength = 4, IntraOpThreads = 1 });
        string text = "Question 3: what is 4+4? The answer is 8.";
        int[] ids = scorer.Tokenizer.Encode(text);
        Assert.True(ids.Length > 4);
        RewardScores result = scorer.Score([text, "Hi"]);
        Assert.Equal(1, result.TruncatedRows);
        Assert.Equal(ScoringTestKit.MeanTokenScore(_values, ids[^4..]), result.Scores[0], 1e-6f);
    }

    [Fact]
    public void AnEnsembleAveragesItsMembers()
    {
        string second = _tmp["second"];
        Directory.CreateDirectory(second);
        foreach (string file in new[] { "config.json", "tokenizer.json", "tokenizer_config.json" })
            File.Copy(Path.Combine(_model, file), Path.Combine(second, file));
        float[] doubled = _values.Select(v => 3 * v + 1).ToArray();
        ScoringTestKit.WriteMeanTokenScoreModel(second, doubled);

        string[] texts = ["The answer is 5", "Hi", "said the assistant."];
        using IRewardScorer ensemble = RewardEnsemble.Open([_model, second], new RewardScorerOptions { BatchSize = 2, IntraOpThreads = 1 });
        using var single = OnnxRewardScorer.Open(_model, new RewardScorerOptions { IntraOpThreads = 1 });
        var progress = new List<int>();
        RewardScores mean = ensemble.Score(texts, progress.Add);
        float[] one = single.Score(texts).Scores;
        for (int i = 0; i < texts.Length; i++)
            Assert.Equal((one[i] + (3 * one[i] + 1)) / 2, mean.Scores[i], 1e-5f);   // mean of r and 3r + 1
        Assert.Equal(texts.Length, progress[^1]);
        Assert.True(progress.SequenceEqual(progress.Order()));
    }
}
