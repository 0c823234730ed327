// The exported reward model scored on ORT equals libtorch's SequenceScoreModel on the same weights, for any batching.
using Hybrid.Export.Decoder;
using Hybrid.Models.Config;
using Hybrid.Models.Creation;
using Hybrid.Models.Heads;
using Hybrid.Rollout.Scoring;
using Hybrid.Tensors;
using Hybrid.Training.Scoring;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Rollout.Tests;

public sealed class ScoringParityTests : IDisposable
{
    private readonly ScoringTempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    /// <summary>Ragged rows: 1 to ~60 tokens, so every batch size mixes lengths and pads.</summary>
    private static readonly string[] Texts =
    [
        "Question 1: what is 1+2? The answer is 3.",
        "Hi",
        "The answer is 8, said the assistant. Question 9: what is 4+5? The answer is 9, said the assistant. Question 2: what is 7+7?",
        "x",
        "what is 6+1? 7",
        "The answer is 12.",
        "Question 4: what is 2+2? The answer is 4, said the assistant.",
        "9+9=18",
        "said the assistant",
        "Question 11: what is 3+8? The answer is 11, said the assistant. Question 12:",
        "a",
    ];

    [Fact]
    public void OrtScoresEqualLibTorchSequenceScoreModelWithinOneInTenThousandForEveryBatchSize()
    {
        CreatedModel created = ScoringTestKit.CreateCheckpoint(_tmp.Path, seed: 5);
        DecoderConfig config = created.Config;
        string exported = _tmp["reward-onnx"];
        float[] reference;
        using (var model = new SequenceScoreModel(config))
        {
            // A score head of std 1 (not the 0.02 of a fresh head) makes scores O(1), so 1e-4 is a real check.
            TensorUtil.ManualSeed(17);
            using (no_grad())
            using (NewDisposeScope())
                model.Score.Weight.copy_(torch.randn([1, config.HiddenSize]));
            model.eval();
            DecoderExporter.ExportScoreModel(exported, config, model.StateDict(), created.Directory);

            // The reference: each row alone, unpadded, no mask.
            using var tokenizer = Hybrid.Models.Tokenizers.Tokenizer.Open(created.Directory);
            reference = Texts.Select(text =>
            {
                int[] ids = tokenizer.Encode(text);
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                Tensor input = torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length]);   // [1, T]
                return (float)model.Forward(input).ToDouble();                                          // [1]
            }).ToArray();
        }
        Assert.Contains(reference, r => MathF.Abs(r) > 0.5f);

        float[]? batchOne = null;
        foreach (int batchSize in new[] { 1, 3, 7, 16 })
        {
            using var scorer = OnnxRewardScorer.Open(exported, new RewardScorerOptions { BatchSize = batchSize, IntraOpThreads = 1 });
            float[] scores = scorer.Score(Texts).Scores;
            for (int i = 0; i < Texts.Length; i++)
                Assert.True(MathF.Abs(scores[i] - reference[i]) <= 1e-4f,
                    $"batch {batchSize}, row {i} (\"{Texts[i]}\"): ORT {scores[i]:R} vs libtorch {reference[i]:R} (diff {MathF.Abs(scores[i] - reference[i]):E2})");
            batchOne ??= scores;
            for (int i = 0; i < Texts.Length; i++)
                Assert.True(MathF.Abs(scores[i] - batchOne[i]) <= 1e-5f, $"batch {batchSize} vs batch 1, row {i}: {scores[i]:R} vs {batchOne[i]:R}");
        }
    }

    [Fact]
    public void LibTorchScoresOfRightPaddedBatchesMatchTheUnpaddedRows()
    {
        // The bench compares ORT with libtorch on the same padded batches; that is only fair if LibTorchScoring (the bench's libtorch path)
        // (right padding + mask) gives each row its unpadded score.
        CreatedModel created = ScoringTestKit.CreateCheckpoint(_tmp.Path, seed: 6);
        using var model = new SequenceScoreModel(created.Config);
        model.eval();
        int[][] rows = [[5, 9, 3, 7, 2], [11], [4, 4, 8]];
        float[] batched = LibTorchScoring.Score(model, rows, padTokenId: 0);
        for (int i = 0; i < rows.Length; i++)
        {
            using var scope = NewDisposeScope();
            using var noGrad = no_grad();
            float alone = (float)model.Forward(torch.tensor(rows[i].Select(t => (long)t).ToArray(), [1, rows[i].Length])).ToDouble();
            Assert.True(MathF.Abs(alone - batched[i]) <= 1e-5f, $"row {i}: alone {alone:R}, padded {batched[i]:R}");
        }
    }
}
