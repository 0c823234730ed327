// With OverridableWeights every learned weight is an ORT overridable initializer, and feeding a new value changes the logits as the trainer predicts.
using Hybrid.Export.Decoder;
using Hybrid.Export.Onnx;
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;
using Tensor = TorchSharp.torch.Tensor;

namespace Hybrid.Export.Tests;

public sealed class DecoderOverridableWeightsTests
{
    private static readonly long[] Ids = [5, 17, 3, 44];

    [Fact]
    public void EveryLearnedWeightIsAnOverridableInitializerAndOverridingOneActsLikeTheTrainerWithThatWeight()
    {
        DecoderConfig config = DecoderTestModels.Configs["qwen2_gqa_tied"];
        Dictionary<string, Tensor> weights = DecoderTestModels.RandomWeights(config, seed: 8);
        string folder = DecoderTestModels.NewFolder("overridable");
        try
        {
            var options = new DecoderExportOptions { OverridableWeights = true };
            OnnxModelWriter.Save(DecoderExporter.BuildCausalLM(config, weights, options), folder);
            using var session = new InferenceSession(Path.Combine(folder, "model.onnx"));

            // Every graph weight except the constant rotary tables is declared overridable, with its graph shape.
            List<(string Name, Tensor Value)> graphWeights = DecoderExporter.GraphWeights(config, weights, options);
            try
            {
                foreach ((string name, Tensor value) in graphWeights)
                {
                    bool table = name.StartsWith("model.rotary.", StringComparison.Ordinal);
                    Assert.Equal(!table, session.OverridableInitializerMetadata.ContainsKey(name));
                    if (!table) Assert.Equal(value.shape.Select(d => (int)d), session.OverridableInitializerMetadata[name].Dimensions);
                }
                Assert.DoesNotContain("model.layers.0.input_layernorm.weight", session.InputMetadata.Keys);
            }
            finally
            {
                foreach ((_, Tensor value) in graphWeights) value.Dispose();
            }

            // Override the layer-1 down projection ([F, Dm] in graph layout) by a new random matrix.
            const string graphName = "model.layers.1.mlp.down_proj.MatMul.weight", hfName = "model.layers.1.mlp.down_proj.weight";
            float[] replacement;
            using (no_grad())
            using (NewDisposeScope())
            {
                Tensor hf = torch.randn([config.HiddenSize, config.IntermediateSize]) * 0.3;   // [Dm, F] HF layout
                weights[hfName].copy_(hf);
                replacement = hf.transpose(0, 1).contiguous().data<float>().ToArray();                  // [F, Dm] graph layout
            }
            float[] before = Run(session, config, null, null);
            float[] after = Run(session, config, graphName, replacement);
            float[] expected;
            using (DecoderModel trainer = DecoderTestModels.Trainer(config, weights))
            using (no_grad())
            using (NewDisposeScope())
                expected = trainer.Forward(torch.tensor(Ids, [1, Ids.Length])).contiguous().data<float>().ToArray();

            DecoderTestModels.AssertClose(expected, after, 1e-4f, "overridden logits vs the trainer with the new weight");
            Assert.True(before.Zip(after).Max(p => MathF.Abs(p.First - p.Second)) > 1e-2f, "overriding the weight did not change the logits");
            // Not feeding it again falls back to the stored value.
            DecoderTestModels.AssertClose(before, Run(session, config, null, null), 0f, "logits after the override was dropped");
        }
        finally
        {
            DecoderTestModels.Dispose(weights);
            DecoderTestModels.DeleteFolder(folder);
        }
    }

    /// <summary>Prefill logits [1, S, V] of <see cref="Ids"/>, with <paramref name="overrideName"/> fed as an input when given.</summary>
    private static float[] Run(InferenceSession session, DecoderConfig config, string? overrideName, float[]? value)
    {
        var inputs = new Dictionary<string, OrtValue>
        {
            ["input_ids"] = OrtValue.CreateTensorValueFromMemory(Ids, [1, Ids.Length]),
            ["attention_mask"] = OrtValue.CreateTensorValueFromMemory(Ids.Select(_ => 1L).ToArray(), [1, Ids.Length]),
            ["position_ids"] = OrtValue.CreateTensorValueFromMemory(Enumerable.Range(0, Ids.Length).Select(i => (long)i).ToArray(), [1, Ids.Length]),
        };
        for (int l = 0; l < config.NumHiddenLayers; l++)
        {
            inputs[$"past_key_values.{l}.key"] = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [1, config.NumKeyValueHeads, 0, config.HeadDim]);
            inputs[$"past_key_values.{l}.value"] = OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [1, config.NumKeyValueHeads, 0, config.HeadDim]);
        }
        if (overrideName is not null)
            inputs[overrideName] = OrtValue.CreateTensorValueFromMemory(value!, [config.IntermediateSize, config.HiddenSize]);
        try
        {
            using var runOptions = new RunOptions();
            using var outputs = session.Run(runOptions, inputs, ["logits"]);
            return outputs[0].GetTensorDataAsSpan<float>().ToArray();
        }
        finally
        {
            foreach (OrtValue v in inputs.Values) v.Dispose();
        }
    }
}
