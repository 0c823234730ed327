// The int4 GenAI folder loads in ONNX Runtime GenAI and greedy-decodes a ragged batch exactly as the trainer does with the
// dequantized weights, logits included.
using Hybrid.Export.Decoder;
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Onnx.GenAI;
using Hybrid.Torch;
using Microsoft.ML.OnnxRuntimeGenAI;
using Tensor = Hybrid.Torch.Tensor;

namespace Hybrid.Export.Tests;

public sealed class DecoderInt4GenAIParityTests
{
    private const float Tolerance = 1e-4f;
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
        long liveBefore = LibTorch.LiveTensors;
        DecoderConfig config = DecoderTestModels.Configs[name];
        var int4 = new Int4Options { BlockSize = blockSize, Symmetric = symmetric, QuantizeLmHead = lmHead };
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

            using var model = new Model(folder);
            using var parameters = new GeneratorParams(model);
            parameters.SetSearchOption("batch_size", Prompts.Length);
            parameters.SetSearchOption("max_length", Prompts.Max(p => p.Length) + NewTokens);
            using var generator = new Generator(model, parameters);
            using (Sequences batch = TokenSequences.Create(Prompts))
                generator.AppendTokenSequences(batch);

            int compared = 0;
            for (int step = 0; step < NewTokens && !generator.IsDone(); step++)
            {
                generator.GenerateNextToken();
                int[] tokens = generator.GetNextTokens().ToArray();
                using Microsoft.ML.OnnxRuntimeGenAI.Tensor logits = generator.GetOutput("logits");  // [B, S, V]
                long[] shape = logits.Shape();
                ReadOnlySpan<float> all = logits.GetData<float>();
                for (int r = 0; r < Prompts.Length; r++)
                {
                    if (step >= expected[r].Tokens.Length) continue;  // the trainer stopped this row at EOS
                    // GenAI right-pads ragged prompts: at step 0 a row's next-token logits sit at its own last prompt position.
                    int t = step == 0 ? Prompts[r].Length - 1 : (int)shape[1] - 1;
                    ReadOnlySpan<float> row = all.Slice((int)((r * shape[1] + t) * shape[2]), (int)shape[2]);
                    DecoderTestModels.AssertClose(expected[r].StepLogits[step], row, Tolerance, $"{name} int4 row {r} step {step}");
                    Assert.Equal(expected[r].Tokens[step], tokens[r]);
                    compared++;
                }
            }
            Assert.True(compared >= Prompts.Length * 3, $"only {compared} row-steps compared: the trainer hit EOS too early; pick another seed");
        }
        finally
        {
            DecoderTestModels.Dispose(weights);
            DecoderTestModels.Dispose(dequantized);
            DecoderTestModels.DeleteFolder(folder);
        }
        Assert.Equal(liveBefore, LibTorch.LiveTensors);
    }
}
