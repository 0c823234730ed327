// The exported reward model scores left- and right-padded batches exactly as the trainer's SequenceScoreModel does.
using Hybrid.Export.Decoder;
using Hybrid.Models.Config;
using Hybrid.Models.Heads;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Microsoft.ML.OnnxRuntime;
using Tensor = TorchSharp.torch.Tensor;

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
        using (no_grad())
            weights["score.weight"] = (torch.randn([1, config.HiddenSize]) * 0.5).DetachFromDisposeScope();
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
                using var noGrad = no_grad();
                using var scope = NewDisposeScope();
                expected = trainer.Forward(torch.tensor(ids, [4, 5]), torch.tensor(mask, [4, 5])).contiguous().data<float>().ToArray();
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
