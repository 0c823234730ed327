// Both exports run by ONNX Runtime GenAI (ragged batch, greedy) reproduce the trainer's logits at every step and its greedy tokens.
using TorchSharp;
using Hybrid.Export.Decoder;
using Hybrid.Models.Config;
using Hybrid.Models.Decoder;
using Hybrid.Onnx.GenAI;
using Tensor = TorchSharp.torch.Tensor;

namespace Hybrid.Export.Tests;

public sealed class DecoderGenAIParityTests
{
    private const float Tolerance = 1e-4f;
    private const int NewTokens = 6;

    private static readonly int[][] Prompts = [[5, 17, 3, 44, 9], [23, 8], [61, 30, 2, 77]];

    public static TheoryData<string, AttentionKernel> Cases()
    {
        var cases = new TheoryData<string, AttentionKernel>();
        foreach (string name in DecoderTestModels.Configs.Keys)
            foreach (AttentionKernel kernel in Enum.GetValues<AttentionKernel>())
                cases.Add(name, kernel);
        return cases;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void RaggedGreedyBatchMatchesTheTrainerStepByStep(string name, AttentionKernel kernel)
    {
        DecoderConfig config = DecoderTestModels.Configs[name];
        Dictionary<string, Tensor> weights = DecoderTestModels.RandomWeights(config, seed: 5);
        string folder = DecoderTestModels.NewFolder("genai-parity");
        try
        {
            GreedyResult[] expected;
            using (DecoderModel trainer = DecoderTestModels.Trainer(config, weights))
                expected = Prompts.Select(p => DecoderGreedy.Run(trainer, p, NewTokens, config.EosTokenIds.ToHashSet())).ToArray();
            DecoderExporter.ExportGenAIFolder(folder, config, weights, DecoderTestModels.TokenizerDir, new DecoderExportOptions { Kernel = kernel });

            AssertGenAIMatchesStepByStep(folder, Prompts, NewTokens, expected, $"{name} {kernel}");
        }
        finally
        {
            DecoderTestModels.Dispose(weights);
            DecoderTestModels.DeleteFolder(folder);
        }
    }

    /// <summary>
    /// Greedy-decodes <paramref name="prompts"/> as one ragged batch through GenAI from <paramref name="folder"/> and checks
    /// every step's logits (within 1e-4) and token against the trainer's <paramref name="expected"/> run.
    /// </summary>
    internal static void AssertGenAIMatchesStepByStep(string folder, int[][] prompts, int newTokens, GreedyResult[] expected, string label)
    {
        using var model = GenAIModel.Open(folder);
        using GenAIGenerator generator = model.CreateGenerator(prompts.Length, prompts.Max(p => p.Length) + newTokens);
        generator.AppendTokenSequences(prompts);

        int compared = 0;
        for (int step = 0; step < newTokens && !generator.IsDone; step++)
        {
            generator.GenerateNextToken();
            int[] tokens = generator.NextTokens.ToArray();
            ReadOnlySpan<float> all = generator.GetOutput("logits", out long[] shape);  // [B, S, V]
            for (int r = 0; r < prompts.Length; r++)
            {
                if (step >= expected[r].Tokens.Length) continue;  // the trainer stopped this row at EOS
                // GenAI right-pads ragged prompts, so at step 0 a row's next-token logits sit at its own last prompt position.
                int t = step == 0 ? prompts[r].Length - 1 : (int)shape[1] - 1;
                ReadOnlySpan<float> row = all.Slice((int)((r * shape[1] + t) * shape[2]), (int)shape[2]);
                DecoderTestModels.AssertClose(expected[r].StepLogits[step], row, Tolerance, $"{label} row {r} step {step}");
                Assert.Equal(expected[r].Tokens[step], tokens[r]);
                compared++;
            }
        }
        Assert.True(compared >= prompts.Length * 3, $"only {compared} row-steps compared: the trainer hit EOS too early; pick another seed");
    }
}
