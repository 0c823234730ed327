// A reward model saved as a Hugging Face *ForSequenceClassification checkpoint loads by name, exports through
// ExportCheckpoint (what `hybrid export` runs) and scores on ORT as libtorch scores it.
using Hybrid.Export.Decoder;
using Hybrid.Models.Checkpoints;
using Hybrid.Models.Config;
using Hybrid.Models.Creation;
using Hybrid.Models.Heads;
using Hybrid.Rollout.Scoring;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Rollout.Tests;

public sealed class ScoringCheckpointTests : IDisposable
{
    private readonly ScoringTempDir _tmp = new();

    public void Dispose() => _tmp.Dispose();

    [Fact]
    public void RewardCheckpointRoundTripsAndExportsToAnOrtScorerWithTheSameScores()
    {
        CreatedModel created = ScoringTestKit.CreateCheckpoint(_tmp.Path, seed: 9);                // supplies the tokenizer files
        DecoderConfig config = created.Config with { Architectures = ["Qwen2ForSequenceClassification"] };
        Assert.True(config.IsSequenceClassifier);
        Assert.Equal("score.weight", config.ParameterShapes().Last().Name);
        Assert.DoesNotContain(config.ParameterShapes(), p => p.Name == "lm_head.weight");

        string rewardDir = _tmp["reward-hf"], exported = _tmp["reward-onnx"];
        string[] texts = ["Question 1: what is 1+2? The answer is 3.", "Hi", "9+9=18 said the assistant", "x"];
        float[] reference;
        using (var model = new SequenceScoreModel(config))
        {
            TensorUtil.ManualSeed(23);
            using (no_grad())
            using (NewDisposeScope())
                model.Score.Weight.copy_(torch.randn([1, config.HiddenSize]));  // std 1: scores O(1)
            HfCheckpoint.Save(rewardDir, config, model.StateDict(), new SaveOptions { TokenizerSourceDir = created.Directory });

            // The saved folder is a complete reward checkpoint: it loads by name into a fresh SequenceScoreModel.
            using LoadedCheckpoint loaded = HfCheckpoint.Load(rewardDir);
            Assert.True(loaded.Config.IsSequenceClassifier);
            using var again = new SequenceScoreModel(loaded.Config);
            again.LoadStateDict(loaded.Tensors);

            using var tokenizer = Hybrid.Models.Tokenizers.Tokenizer.Open(rewardDir);
            reference = texts.Select(text =>
            {
                int[] ids = tokenizer.Encode(text);
                using var scope = NewDisposeScope();
                using var noGrad = no_grad();
                return (float)again.Forward(torch.tensor(ids.Select(i => (long)i).ToArray(), [1, ids.Length])).ToDouble();  // [1]
            }).ToArray();
        }

        DecoderExporter.ExportCheckpoint(rewardDir, exported, new DecoderExportOptions());
        Assert.True(File.Exists(Path.Combine(exported, "model.onnx")));
        Assert.False(File.Exists(Path.Combine(exported, "genai_config.json")));  // a scoring folder, not a GenAI folder
        using var scorer = OnnxRewardScorer.Open(exported, new RewardScorerOptions { BatchSize = 3, IntraOpThreads = 1 });
        float[] scores = scorer.Score(texts).Scores;
        for (int i = 0; i < texts.Length; i++)
            Assert.True(MathF.Abs(scores[i] - reference[i]) <= 1e-4f, $"row {i}: ORT {scores[i]:R} vs libtorch {reference[i]:R}");
        Assert.Contains(reference, r => MathF.Abs(r) > 0.3f);
    }
}
