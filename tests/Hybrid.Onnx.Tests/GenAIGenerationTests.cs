// ONNX Runtime GenAI loads the exported tiny decoder and generates exactly what the plain-loop reference predicts.
using Hybrid.Export.Tests.TinyDecoder;
using Hybrid.Onnx.GenAI;
using Microsoft.ML.OnnxRuntimeGenAI;

namespace Hybrid.Onnx.Tests;

public sealed class GenAIGenerationTests(TinyDecoderFolder tiny) : IClassFixture<TinyDecoderFolder>
{
    private const float LogitTolerance = 1e-4f;

    [Fact]
    public void FolderContainsWhatGenAINeedsWithTheWeightsExternal()
    {
        foreach (string file in new[] { "model.onnx", "model.onnx.data", "genai_config.json", "tokenizer.json", "tokenizer_config.json" })
            Assert.True(File.Exists(System.IO.Path.Combine(tiny.Path, file)), $"{file} missing from the export");
        // The weights (~36k floats) are in the data file; model.onnx keeps only the graph and the small constants.
        Assert.True(new FileInfo(System.IO.Path.Combine(tiny.Path, "model.onnx.data")).Length > 4 * 30_000);
        Assert.True(new FileInfo(System.IO.Path.Combine(tiny.Path, "model.onnx")).Length < 64 * 1024);
    }

    [Fact]
    public void GreedyBatchOfOneMatchesTheReferenceTokensAndLogitsAtEveryStep()
    {
        const int newTokens = 10;
        int[] prompt;
        OnnxNative.EnsureLoaded();
        using (var tokenizer = new Microsoft.ML.OnnxRuntimeGenAI.Tokenizer(tiny.Path))
        using (Sequences encoded = tokenizer.Encode("hello world"))
            prompt = encoded[0].ToArray();
        Assert.Equal([SampleTokenizer.Hello, SampleTokenizer.SpaceWorld], prompt);
        int[] expected = tiny.Reference.Greedy(prompt, newTokens);
        Assert.True(expected.Length == newTokens, "the reference hit EOS early; pick another seed or prompt for this test");

        using var model = new Model(tiny.Path);
        using var parameters = new GeneratorParams(model);
        parameters.SetSearchOption("max_length", prompt.Length + newTokens);
        using var generator = new Generator(model, parameters);
        generator.AppendTokens(prompt);

        var sequence = new List<int>(prompt);
        for (int step = 0; step < newTokens; step++)
        {
            generator.GenerateNextToken();
            // logits of the run that chose this token: [1, S, V] (S = prompt length at step 0, then 1)
            float[] next = LastPosition(generator, row: 0, position: -1);
            Tolerance.AssertClose(tiny.Reference.NextTokenLogits(sequence), next, LogitTolerance, $"step {step}");
            int token = generator.GetNextTokens()[0];
            Assert.Equal(expected[step], token);
            sequence.Add(token);
        }
        Assert.True(generator.IsDone());
        Assert.Equal(sequence, generator.GetSequence(0).ToArray());
    }

    [Fact]
    public void RaggedBatchMatchesTheReferenceOfEachPromptAlone()
    {
        const int newTokens = 8;
        int[][] prompts =
        [
            [SampleTokenizer.Hello, ' ', SampleTokenizer.SpaceWorld, '!', '\n'],
            ['w', 'o'],
            [SampleTokenizer.Hell, ' ', SampleTokenizer.SpaceWor, 'd'],
        ];
        int longest = prompts.Max(p => p.Length);
        int[][] expected = prompts.Select(p => tiny.Reference.Greedy(p, newTokens)).ToArray();
        Assert.All(expected, e => Assert.True(e.Length == newTokens, "the reference hit EOS early; pick another seed or prompt"));

        // Ragged batches need GenAI's Sequences, whose constructor the managed package keeps internal: our C-API binding.
        using var model = GenAIModel.Open(tiny.Path);
        using GenAIGenerator generator = model.CreateGenerator(prompts.Length, longest + newTokens);
        generator.AppendTokenSequences(prompts);

        var sequences = prompts.Select(p => new List<int>(p)).ToArray();
        for (int step = 0; step < newTokens; step++)
        {
            generator.GenerateNextToken();
            int[] tokens = generator.NextTokens.ToArray();
            for (int r = 0; r < prompts.Length; r++)
            {
                // GenAI pads ragged prompts on the right (pad id, attention_mask 0, position 0), so at step 0 a row's
                // next-token logits sit at its own last prompt position; afterwards S = 1.
                float[] all = generator.GetOutput("logits", out long[] shape);  // [B, S, V]
                int t = step == 0 ? prompts[r].Length - 1 : (int)shape[1] - 1;
                float[] next = all.AsSpan((int)((r * shape[1] + t) * shape[2]), (int)shape[2]).ToArray();
                Tolerance.AssertClose(tiny.Reference.NextTokenLogits(sequences[r]), next, LogitTolerance, $"row {r} step {step}");
                Assert.Equal(expected[r][step], tokens[r]);
                sequences[r].Add(tokens[r]);
            }
        }

        for (int r = 0; r < prompts.Length; r++)
        {
            // GetSequence: the prompt, the padding up to the longest prompt, then the generated tokens.
            int[] padding = Enumerable.Repeat(tiny.Config.PadTokenId, longest - prompts[r].Length).ToArray();
            Assert.Equal([.. prompts[r], .. padding, .. expected[r]], generator.GetSequence(r));
        }
    }

    // Pins GenAI's cap on the rows of one generator, which the rollout engine works around by decoding in chunks of at most
    // GenAIGenerator.MaxBatchSize rows. If a later package lifts it, this test fails: raise the constant and the chunk size.
    [Fact]
    public void AGeneratorTakesThirtyTwoRowsAndRefusesThirtyThree()
    {
        using var model = GenAIModel.Open(tiny.Path);
        int[][] prompts = Enumerable.Range(0, GenAIGenerator.MaxBatchSize).Select(i => new[] { 'a' + i % 26, 'b' }).ToArray();
        using (GenAIGenerator full = model.CreateGenerator(GenAIGenerator.MaxBatchSize, maxLength: 4))
        {
            full.AppendTokenSequences(prompts);
            full.GenerateNextToken();
            Assert.Equal(32, full.NextTokens.Length);
        }

        var error = Assert.ThrowsAny<Exception>(() =>
        {
            using GenAIGenerator over = model.CreateGenerator(GenAIGenerator.MaxBatchSize + 1, maxLength: 4);
            over.AppendTokenSequences([.. prompts, [1, 2]]);
        });
        Assert.Contains("batch_size (33) must be in [1, 32]", error.Message);
    }

    /// <summary>Logits [V] of <paramref name="row"/> at <paramref name="position"/> (-1 = last) of the raw model output [B,S,V].</summary>
    private float[] LastPosition(Generator generator, int row, int position)
    {
        using Microsoft.ML.OnnxRuntimeGenAI.Tensor logits = generator.GetOutput("logits");
        long[] shape = logits.Shape();
        int s = (int)shape[1], v = (int)shape[2];
        Assert.Equal(tiny.Config.VocabSize, v);
        int t = position < 0 ? s - 1 : position;
        return logits.GetData<float>().Slice((row * s + t) * v, v).ToArray();
    }
}
