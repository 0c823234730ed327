// The int4 (MatMulNBits) export run by ONNX Runtime equals the trainer holding the dequantized weights, prefill and decode.
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

public sealed class DecoderInt4OrtParityTests
{
    private const float Tolerance = 1e-4f;

    // B = 2 unpadded rows of S = 5 (GroupQueryAttention wants right padding; padding is GenAI's test), then 3 decode steps.
    private static readonly long[] PromptIds = [5, 17, 3, 44, 9, 23, 8, 61, 30, 2];
    private static readonly long[][] DecodeIds = [[11, 4], [6, 50], [88, 2]];

    /// <summary>
    /// Shapes × quantizer settings. The test configs have K = 48 (hidden, GQA model), 64 and 80 (intermediate): K not a
    /// multiple of the block size (padded last block), an odd number of blocks (half-used zero-point byte), a single
    /// block larger than K, tied and untied heads, with and without biases.
    /// </summary>
    public static TheoryData<string, int, bool, bool> Cases() => new()
    {
        { "qwen2_gqa_tied", 32, false, false },    // K 48 → 2 blocks (16 padded), K 80 → 3 blocks; q/k/v bias
        { "llama_bias_tied", 16, true, true },     // symmetric; tied head quantized from the embedding; q/k/v/o bias
        { "qwen2_mha_untied", 64, false, true },   // untied head quantized; K 80 → 2 blocks of 64 (48 padded)
        { "llama_mqa_nobias", 128, false, false }, // one block of 128 holding K = 64 or 80
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void LogitsMatchTheTrainerWithDequantizedWeightsForPrefillAndEveryDecodeStep(string name, int blockSize, bool symmetric, bool lmHead)
    {
        long liveBefore = TensorUtil.LiveTensors;
        DecoderConfig config = DecoderTestModels.Configs[name];
        var int4 = new Int4Options { BlockSize = blockSize, Symmetric = symmetric, QuantizeLmHead = lmHead, AccuracyLevel = 0 };  // float32 activations: exact parity
        Dictionary<string, Tensor> weights = DecoderTestModels.RandomWeights(config, seed: 33);
        (DecoderConfig trainerConfig, Dictionary<string, Tensor> dequantized) = DecoderTestModels.Dequantized(config, weights, int4);
        string folder = DecoderTestModels.NewFolder("int4-ort-parity");
        try
        {
            ModelProto proto = DecoderExporter.BuildCausalLM(config, weights, new DecoderExportOptions { Kernel = AttentionKernel.Optimized, Int4 = int4 });
            var ops = proto.Graph.Node.GroupBy(n => n.OpType).ToDictionary(g => g.Key, g => g.Count());
            Assert.Equal(5 * config.NumHiddenLayers + (lmHead ? 1 : 0), ops["MatMulNBits"]);  // qkv, o, gate, up, down (+ head)
            Assert.Equal(lmHead ? 0 : 1, ops.GetValueOrDefault("MatMul"));                     // only the float head, if any
            OnnxModelWriter.Save(proto, folder);

            using DecoderModel trainer = DecoderTestModels.Trainer(trainerConfig, dequantized);
            using var session = new InferenceSession(Path.Combine(folder, "model.onnx"));
            using var cache = trainer.NewCache();
            using var noGrad = no_grad();
            int b = 2, length = PromptIds.Length / b, total = length;
            var pastValues = new List<OrtValue>();
            for (int l = 0; l < config.NumHiddenLayers * 2; l++)
                pastValues.Add(OrtValue.CreateAllocatedTensorValue(OrtAllocator.DefaultInstance, TensorElementType.Float, [b, config.NumKeyValueHeads, 0, config.HeadDim]));

            long[] ids = PromptIds;
            for (int step = 0; step <= DecodeIds.Length; step++)
            {
                float[] expected;  // [B, S, V]
                using (NewDisposeScope())
                    expected = trainer.Forward(torch.tensor(ids, [b, length]), cache: cache).contiguous().data<float>().ToArray();

                var inputs = new Dictionary<string, OrtValue>
                {
                    ["input_ids"] = OrtValue.CreateTensorValueFromMemory(ids, [b, length]),
                    ["attention_mask"] = OrtValue.CreateTensorValueFromMemory(Enumerable.Repeat(1L, b * total).ToArray(), [b, total]),
                };
                for (int l = 0; l < config.NumHiddenLayers; l++)
                {
                    inputs[$"past_key_values.{l}.key"] = pastValues[2 * l];
                    inputs[$"past_key_values.{l}.value"] = pastValues[2 * l + 1];
                }
                string[] outputNames = ["logits", .. Enumerable.Range(0, config.NumHiddenLayers).SelectMany(l => new[] { $"present.{l}.key", $"present.{l}.value" })];
                using var runOptions = new RunOptions();
                IDisposableReadOnlyCollection<OrtValue> outputs = session.Run(runOptions, inputs, outputNames);
                float[] actual = outputs[0].GetTensorDataAsSpan<float>().ToArray();  // [B, S, V]
                for (int r = 0; r < b; r++)
                    for (int t = 0; t < length; t++)
                    {
                        int at = (r * length + t) * config.VocabSize;
                        DecoderTestModels.AssertClose(expected.AsSpan(at, config.VocabSize), actual.AsSpan(at, config.VocabSize), Tolerance,
                            $"{name} int4 block {blockSize} step {step} row {r} token {t}");
                    }

                inputs["input_ids"].Dispose();
                inputs["attention_mask"].Dispose();
                foreach (OrtValue old in pastValues) old.Dispose();
                pastValues = outputs.Skip(1).ToList();
                outputs[0].Dispose();
                if (step == DecodeIds.Length) break;
                ids = DecodeIds[step];
                length = 1;
                total++;
            }
            foreach (OrtValue old in pastValues) old.Dispose();
        }
        finally
        {
            DecoderTestModels.Dispose(weights);
            DecoderTestModels.Dispose(dequantized);
            DecoderTestModels.DeleteFolder(folder);
        }
        Assert.Equal(liveBefore, TensorUtil.LiveTensors);
    }

    [Fact]
    public void TheDequantizedOracleIsNotTheFloatModel()
    {
        // Guards the test above against a vacuous pass: int4 rounding must move the logits by far more than its tolerance.
        long liveBefore = TensorUtil.LiveTensors;
        DecoderConfig config = DecoderTestModels.Configs["qwen2_gqa_tied"];
        Dictionary<string, Tensor> weights = DecoderTestModels.RandomWeights(config, seed: 33);
        (DecoderConfig _, Dictionary<string, Tensor> dequantized) = DecoderTestModels.Dequantized(config, weights, new Int4Options());
        try
        {
            using DecoderModel exact = DecoderTestModels.Trainer(config, weights);
            using DecoderModel rounded = DecoderTestModels.Trainer(config, dequantized);
            using var noGrad = no_grad();
            using var scope = NewDisposeScope();
            Tensor ids = torch.tensor(PromptIds, [2, PromptIds.Length / 2]);
            double maxDiff = (exact.Forward(ids) - rounded.Forward(ids)).abs().max().ToDouble();
            Assert.True(maxDiff > 100 * Tolerance, $"int4 rounding moved the logits by only {maxDiff:G3}");
        }
        finally
        {
            DecoderTestModels.Dispose(weights);
            DecoderTestModels.Dispose(dequantized);
        }
        Assert.Equal(liveBefore, TensorUtil.LiveTensors);
    }

    [Fact]
    public void Int4NeedsTheOptimizedKernelFixedWeightsAndAValidBlockSize()
    {
        DecoderConfig config = DecoderTestModels.Configs["qwen2_gqa_tied"];
        Dictionary<string, Tensor> weights = DecoderTestModels.RandomWeights(config, seed: 1);
        try
        {
            string Error(DecoderExportOptions options) => Assert.ThrowsAny<ArgumentException>(() => DecoderExporter.BuildCausalLM(config, weights, options)).Message;
            Assert.Contains("needs Kernel = Optimized (got Reference)", Error(new DecoderExportOptions { Kernel = AttentionKernel.Reference, Int4 = new Int4Options() }));
            Assert.Contains("cannot be combined with OverridableWeights", Error(new DecoderExportOptions { Kernel = AttentionKernel.Optimized, OverridableWeights = true, Int4 = new Int4Options() }));
            Assert.Contains("Int4Options.BlockSize = 24", Error(new DecoderExportOptions { Kernel = AttentionKernel.Optimized, Int4 = new Int4Options { BlockSize = 24 } }));
            Assert.Contains("Int4Options.AccuracyLevel = 5", Error(new DecoderExportOptions { Kernel = AttentionKernel.Optimized, Int4 = new Int4Options { AccuracyLevel = 5 } }));
        }
        finally
        {
            DecoderTestModels.Dispose(weights);
        }
    }
}
