// Bench: reward scoring rows/s on ORT (OnnxRewardScorer) vs libtorch (SequenceScoreModel, NoGrad) on the same batches.
using Hybrid.Rollout.Scoring;
using Hybrid.Rollout;
using System.Diagnostics;
using Hybrid.Export.Decoder;
using Hybrid.Models.Config;
using Hybrid.Models.Creation;
using Hybrid.Models.Heads;
using Hybrid.Tensors;
using Hybrid.Training.Scoring;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Bench;

/// <summary>What <see cref="ScoringBench.Run"/> measured (best of the timed rounds for each engine).</summary>
public sealed record ScoringBenchResult(int Rows, long Tokens, double OrtRowsPerSecond, double TorchRowsPerSecond, float MaxAbsDifference)
{
    /// <summary>ORT rows/s ÷ libtorch rows/s.</summary>
    public double Speedup => OrtRowsPerSecond / TorchRowsPerSecond;
}

/// <summary>
/// Scores the same random token rows with a random reward model of a preset's architecture two ways and prints rows/s:
/// <list type="bullet">
/// <item>ORT: <c>DecoderExporter.ExportScoreModel</c> → <see cref="OnnxRewardScorer.ScoreTokens"/> (length-sorted batches,
/// IOBinding, intra-op threads = ORT's default).</item>
/// <item>libtorch: <see cref="SequenceScoreModel"/> under NoGrad on exactly the same batches, right-padded with a mask
/// (libtorch threads as <see cref="TorchRuntime"/> configured them).</item>
/// </list>
/// One warm-up pass each, then <c>rounds</c> alternating timed passes; the best pass of each counts. The scores of the
/// two engines are compared too (max |Δ|), so a fast but wrong export would show.
/// </summary>
public static class ScoringBench
{
    /// <summary>
    /// Runs the bench on <paramref name="recipePath"/>'s architecture (e.g. <c>models/small.json</c>): <paramref name="rows"/>
    /// rows of <paramref name="minTokens"/>…<paramref name="maxTokens"/> random tokens, <paramref name="batchSize"/> rows
    /// per batch. Prints to <paramref name="log"/> (default stdout).
    /// </summary>
    public static ScoringBenchResult Run(string recipePath, int rows = 256, int batchSize = 16, int minTokens = 16, int maxTokens = 256,
        int rounds = 3, TextWriter? log = null)
    {
        log ??= Console.Out;
        string work = Directory.CreateTempSubdirectory("hybrid-scoring-bench-").FullName;
        try
        {
            ModelRecipe recipe = ModelRecipe.Load(recipePath);
            CreatedModel checkpoint = ModelFactory.Create(recipe, Path.Combine(work, "checkpoint"), seed: 0);  // for its tokenizer files
            DecoderConfig config = checkpoint.Config;
            string exported = Path.Combine(work, "reward-onnx");

            using var model = new SequenceScoreModel(config);
            TensorUtil.ManualSeed(1);
            using (no_grad())
            using (NewDisposeScope())
                model.Score.Weight.copy_(torch.randn([1, config.HiddenSize]));   // O(1) scores, so max |Δ| means something
            model.eval();
            DecoderExporter.ExportScoreModel(exported, config, model.state_dict(), checkpoint.Directory);

            var random = new Random(0);
            int[][] tokenRows = Enumerable.Range(0, rows)
                .Select(_ => Enumerable.Range(0, random.Next(minTokens, maxTokens + 1)).Select(_ => random.Next(checkpoint.TokenizerVocabSize)).ToArray())
                .ToArray();
            long tokens = tokenRows.Sum(r => (long)r.Length);
            long padId = config.PadTokenId ?? 0;

            using var scorer = OnnxRewardScorer.Open(exported, new RewardScorerOptions { BatchSize = batchSize, MaxLength = maxTokens });
            log.WriteLine($"scoring bench: {recipe.Name} ({model.ParameterCount():N0} parameters, {config.NumHiddenLayers} layers, D={config.HiddenSize}), " +
                          $"{rows} rows of {minTokens}–{maxTokens} tokens ({tokens:N0} tokens), batch {batchSize}, length-sorted batches; " +
                          $"ORT intra-op threads {(scorer.Options.IntraOpThreads == 0 ? "default" : scorer.Options.IntraOpThreads)}, " +
                          $"libtorch threads {TorchRuntime.Threads}");

            int[][] warmup = tokenRows.Take(Math.Min(rows, 2 * batchSize)).ToArray();
            scorer.ScoreTokens(warmup);
            LibTorchScoring.Score(model, warmup, padId, batchSize);

            double ortBest = double.MaxValue, torchBest = double.MaxValue;
            float[] ortScores = [], torchScores = [];
            for (int round = 0; round < rounds; round++)
            {
                // Alternate which engine goes first so neither always runs on a warmer cache.
                if (round % 2 == 0) { TimeOrt(); TimeTorch(); } else { TimeTorch(); TimeOrt(); }
            }
            float maxDiff = ortScores.Zip(torchScores, (a, b) => MathF.Abs(a - b)).Max();

            var result = new ScoringBenchResult(rows, tokens, rows / ortBest, rows / torchBest, maxDiff);
            log.WriteLine($"  ORT (IOBinding)          {result.OrtRowsPerSecond,8:F1} rows/s  {tokens / ortBest,9:F0} tokens/s  ({ortBest * 1000:F0} ms per pass)");
            log.WriteLine($"  libtorch (NoGrad)        {result.TorchRowsPerSecond,8:F1} rows/s  {tokens / torchBest,9:F0} tokens/s  ({torchBest * 1000:F0} ms per pass)");
            log.WriteLine($"  ORT ÷ libtorch = {result.Speedup:F2}×   max |score difference| = {maxDiff:E2}");
            return result;

            void TimeOrt()
            {
                var clock = Stopwatch.StartNew();
                ortScores = scorer.ScoreTokens(tokenRows);
                ortBest = Math.Min(ortBest, clock.Elapsed.TotalSeconds);
            }

            void TimeTorch()
            {
                var clock = Stopwatch.StartNew();
                torchScores = LibTorchScoring.Score(model, tokenRows, padId, batchSize);
                torchBest = Math.Min(torchBest, clock.Elapsed.TotalSeconds);
            }
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
