// The int4 GenAI folder loads in ONNX Runtime GenAI and greedy-decodes a ragged batch exactly as the trainer does with the
// dequantized weights, logits included.
using Hybrid.Export.Decoder;
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Tensor = TorchSharp.torch.Tensor;

namespace Hybrid.Export.Tests;

public sealed class DecoderInt4GenAIParityTests
{
    private const int NewTokens = 6;

    private static readonly int[][] Prompts = [[5, 17, 3, 44, 9], [23, 8], [61, 30, 2, 77]];

    public static TheoryData<string, int, bool, bool> Cases() => new()
    {
        { "qwen2_gqa_tied", 32, false, false },    // GQA, q/k/v bias, K = 48 and 80 padded
        { "llama_bias_tied", 16, true, true },     // symmetric, int4 head from the tied embedding, q/k/v/o bias
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void RaggedGreedyBatchMatchesTheTrainerWithDequantizedWeights(string name, int blockSize, bool symmetric, bool lmHead)
    {
        long liveBefore = TensorUtil.LiveTensors;
        DecoderConfig config = DecoderTestModels.Configs[name];
        var int4 = new Int4Options { BlockSize = blockSize, Symmetric = symmetric, QuantizeLmHead = lmHead, AccuracyLevel = 0 };  // float32 activations: exact parity
        Dictionary<string, Tensor> weights = DecoderTestModels.RandomWeights(config, seed: 5);
        (DecoderConfig trainerConfig, Dictionary<string, Tensor> dequantized) = DecoderTestModels.Dequantized(config, weights, int4);
        string folder = DecoderTestModels.NewFolder("int4-genai-parity");
        try
        {
            GreedyResult[] expected;
            using (DecoderModel trainer = DecoderTestModels.Trainer(trainerConfig, dequantized))
                expected = Prompts.Select(p => DecoderGreedy.Run(trainer, p, NewTokens, config.EosTokenIds.ToHashSet())).ToArray();
            DecoderExporter.ExportGenAIFolder(folder, config, weights, DecoderTestModels.TokenizerDir,
                new DecoderExportOptions { Kernel = AttentionKernel.Optimized, Int4 = int4 });

            DecoderGenAIParityTests.AssertGenAIMatchesStepByStep(folder, Prompts, NewTokens, expected, $"{name} int4");
        }
        finally
        {
            DecoderTestModels.Dispose(weights);
            DecoderTestModels.Dispose(dequantized);
            DecoderTestModels.DeleteFolder(folder);
        }
        Assert.Equal(liveBefore, TensorUtil.LiveTensors);
    }
}
