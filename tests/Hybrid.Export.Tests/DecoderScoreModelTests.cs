// The exported reward model scores left- and right-padded batches exactly as the trainer's SequenceScoreModel does.
using Hybrid.Export.Decoder;
using Hybrid.Models.Config;
using Hybrid.Models.Heads;
using Hybrid.Torch;
using Microsoft.ML.OnnxRuntime;
using Tensor = Hybrid.Torch.Tensor;

namespace Hybrid.Export.Tests;

public sealed class DecoderScoreModelTests
{
    [Theory]
    [InlineData("qwen2_gqa_tied")]
    [InlineData("llama_bias_tied")]
    public void ScoresMatchTheTrainerWithLeftAndRightPadding(string name)
    {
        DecoderConfig config = DecoderTestModels.Configs[name];
        Dictionary<string, Tensor> weights = DecoderTestModels.RandomWeights(config, seed: 13);
        using (LibTorch.NoGrad())
            weights["score.weight"] = (LibTorch.Randn([1, config.HiddenSize]) * 0.5).DetachFromScope();
        string folder = DecoderTestModels.NewFolder("score");
        try
        {
            // B = 4, T = 5: full, left-padded, right-padded, and a one-token row padded on both sides.
            long[] ids = [5, 17, 3, 44, 9, 1, 1, 23, 8, 61, 30, 2, 77, 1, 1, 1, 1, 40, 1, 1];
            long[] mask = [1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 1, 0, 0];
            float[] expected;
            using (var trainer = new SequenceScoreModel(config))
            {
                trainer.LoadStateDict(weights);
                using var noGrad = LibTorch.NoGrad();
                using var scope = LibTorch.NewScope();
                expected = trainer.Forward(LibTorch.Tensor(ids, 4, 5), LibTorch.Tensor(mask, 4, 5)).Contiguous().ToArray<float>();
            }

            DecoderExporter.ExportScoreModel(folder, config, weights, DecoderTestModels.TokenizerDir);
            Assert.True(File.Exists(Path.Combine(folder, "config.json")) && File.Exists(Path.Combine(folder, "tokenizer.json")));
            using var session = new InferenceSession(Path.Combine(folder, "model.onnx"));
            using var idsValue = OrtValue.CreateTensorValueFromMemory(ids, [4, 5]);
            using var maskValue = OrtValue.CreateTensorValueFromMemory(mask, [4, 5]);
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, ["input_ids", "attention_mask"], [idsValue, maskValue], ["score"]);

            Assert.Equal([4L], outputs[0].GetTensorTypeAndShape().Shape);
            DecoderTestModels.AssertClose(expected, outputs[0].GetTensorDataAsSpan<float>(), 1e-4f, $"{name} scores");
            Assert.True(expected.Distinct().Count() == 4, "rows should score differently");
        }
        finally
        {
            DecoderTestModels.Dispose(weights);
            DecoderTestModels.DeleteFolder(folder);
        }
    }
}
