// `tools/bench int4`: trains a recipe's model a little on its corpus, then measures its int4 export against the float32 one.
using System.Diagnostics;
using System.Text.Json;
using Hybrid.Export.Decoder;
using Hybrid.Models.Creation;
using Hybrid.Training.Sft;
using HfTokenizer = Hybrid.Models.Tokenizers.Tokenizer;

namespace Hybrid.Bench;

internal static class Int4BenchRun
{
    private const int PromptCount = 8, PromptTokens = 12, NewTokens = 32;

    /// <summary>
    /// 1. creates the recipe's random model (seed 1); 2. trains it with SFT on the recipe's corpus, one line per
    /// <c>text</c> row (all tokens trained, ≤ 64 tokens each), so its logits are peaked the way a real model's are;
    /// 3. prompts = the first <see cref="PromptTokens"/> tokens of <see cref="PromptCount"/> corpus lines spread over the
    /// file; 4. <see cref="Int4Bench.Run"/> on the trained checkpoint.
    /// </summary>
    public static int Run(string recipePath, int steps)
    {
        var clock = Stopwatch.StartNew();
        string work = Directory.CreateTempSubdirectory("hybrid-int4-bench-").FullName;
        try
        {
            ModelRecipe recipe = ModelRecipe.Load(recipePath);
            string corpus = recipe.Tokenizer.CorpusPath ?? throw new ArgumentException($"recipe '{recipePath}' copies its tokenizer; the int4 bench trains on a recipe corpus");
            CreatedModel created = ModelFactory.Create(recipe, Path.Combine(work, "base"), seed: 1);
            string[] lines = File.ReadAllLines(corpus).Where(l => l.Trim().Length > 0).ToArray();
            string train = Path.Combine(work, "train.jsonl");
            File.WriteAllLines(train, lines.Select(l => JsonSerializer.Serialize(new { text = l })));

            string sftDir = Path.Combine(work, "sft");
            SftResult sft = new SftTrainer(new SftConfig
            {
                ModelPath = created.Directory, TrainData = train, OutputDir = sftDir, MaxSteps = steps, BatchSize = 8, MaxLength = 64,
                LearningRate = 3e-3, WarmupRatio = 0.1, LoggingSteps = Math.Max(1, steps / 4),
            }, TextWriter.Null).Train();
            Console.WriteLine($"model '{recipe.Name}': {created.ParameterCount:N0} parameters, {created.Config.NumHiddenLayers} layers, D={created.Config.HiddenSize}, " +
                              $"V={created.Config.VocabSize}; SFT {sft.Steps} steps on {lines.Length} corpus lines, final train loss {sft.TrainLoss:F3} " +
                              $"({clock.Elapsed.TotalSeconds:F0} s)");

            using var tokenizer = HfTokenizer.Open(sftDir);
            int[][] candidates = lines.Select(tokenizer.Encode).Where(ids => ids.Length >= PromptTokens).ToArray();
            int[][] prompts = Enumerable.Range(0, PromptCount).Select(i => candidates[i * candidates.Length / PromptCount][..PromptTokens]).ToArray();
            Int4Bench.Run(sftDir, prompts, Path.Combine(work, "exports"), Console.Out, NewTokens);
            Console.WriteLine($"total {clock.Elapsed.TotalSeconds:F0} s");
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
