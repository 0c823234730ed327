// Timing runs the lead calls from tools/bench: GenAI rollouts vs the trainer's sampler, weight-sync cost, adapter cost.
using System.Diagnostics;
using Hybrid.Export.Decoder;
using Hybrid.Models.Config;
using Hybrid.Models.Creation;
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Models.Tokenizers;
using Hybrid.Rollout.WeightSync;
using Hybrid.Torch;

namespace Hybrid.Rollout;

/// <summary>
/// Three measurements on random-weight models built from a recipe (<c>models/*.json</c>, float32):
/// (a) GenAI rollout tokens/s ÷ trainer KV-cache sampler tokens/s at one batch size; (b) milliseconds per weight push for
/// each sync mechanism; (c) GenAI decode tokens/s with the base weights vs with an adapter active (adapters make weights
/// overridable, which turns off ORT's weight pre-packing). Every number is printed with its ratio. Work files go to a
/// temporary folder that is deleted afterwards.
/// </summary>
public static class RolloutBench
{
    /// <summary>(a) for tiny, (b)+(c) for tiny and base100m: about 2–4 minutes on two cores.</summary>
    public static void RunAll(string modelsDirectory, TextWriter output)
    {
        CompareThroughput(Path.Combine(modelsDirectory, "tiny.json"), output);
        MeasureSync(Path.Combine(modelsDirectory, "tiny.json"), output);
        MeasureSync(Path.Combine(modelsDirectory, "base100m.json"), output, pushes: 2);
    }

    /// <summary>
    /// (a) <paramref name="batch"/> random prompts of <paramref name="promptTokens"/> tokens, <paramref name="newTokens"/>
    /// sampled tokens each (T = 1, no stop ids), on GenAI (chunks of <see cref="RolloutEngineOptions.MaxBatchSize"/>) and
    /// on the trainer's <see cref="KvCacheSampler"/> (one batch). Returns GenAI tokens/s ÷ trainer tokens/s.
    /// </summary>
    public static double CompareThroughput(string recipePath, TextWriter output, int batch = 64, int promptTokens = 16, int newTokens = 32)
    {
        using var work = new WorkFolder();
        (DecoderConfig config, Dictionary<string, Tensor> weights) = RandomModel(recipePath);
        using var model = new DecoderModel(config);
        model.LoadStateDict(weights);
        Export(work.Path, "plain", config, weights, overridable: false);
        Dispose(weights);

        var random = new Random(1);
        int[][] prompts = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, promptTokens).Select(_ => random.Next(1, config.VocabSize)).ToArray()).ToArray();
        var sampling = new SamplingParams { Seed = 1, MaxNewTokens = newTokens };

        using var engine = new RolloutEngine(Path.Combine(work.Path, "plain"));
        engine.Generate(new RolloutRequest { Prompts = prompts.Take(2).ToArray(), Sampling = sampling with { MaxNewTokens = 2 } });  // warm-up
        var clock = Stopwatch.StartNew();
        long genAITokens = engine.Generate(new RolloutRequest { Prompts = prompts, Sampling = sampling }).ResponseTokens;
        double genAISeconds = clock.Elapsed.TotalSeconds;

        KvCacheSampler.Generate(model, prompts.Take(2).ToArray(), sampling with { MaxNewTokens = 2 });  // warm-up
        clock.Restart();
        long trainerTokens = KvCacheSampler.Generate(model, prompts, sampling).Sum(s => (long)s.ResponseIds.Length);
        double trainerSeconds = clock.Elapsed.TotalSeconds;

        double ratio = genAITokens / genAISeconds / (trainerTokens / trainerSeconds);
        output.WriteLine($"rollout throughput [{Path.GetFileNameWithoutExtension(recipePath)}, {Parameters(config) / 1e6:F2}M params, batch {batch}, prompt {promptTokens}, new {newTokens}]: " +
            $"GenAI {genAITokens / genAISeconds:F0} tok/s (chunks of {engine.Options.MaxBatchSize}, {engine.Options.ParallelChunks} at once), trainer KV-cache sampler {trainerTokens / trainerSeconds:F0} tok/s, ratio {ratio:F2}x (target >= 3x)");
        return ratio;
    }

    /// <summary>
    /// (b) milliseconds per push for re-export and adapter sync (mean of <paramref name="pushes"/>, after one warm-up
    /// push), and (c) greedy decode tokens/s of a batch of 8 with the base weights vs with an adapter active.
    /// </summary>
    public static void MeasureSync(string recipePath, TextWriter output, int pushes = 3, int decodeBatch = 8, int decodeTokens = 16)
    {
        using var work = new WorkFolder();
        string name = Path.GetFileNameWithoutExtension(recipePath);
        (DecoderConfig config, Dictionary<string, Tensor> weights) = RandomModel(recipePath);
        try
        {
            Export(work.Path, "plain", config, weights, overridable: false);
            Export(work.Path, "overridable", config, weights, overridable: true);
            var random = new Random(2);
            int[][] prompts = Enumerable.Range(0, decodeBatch).Select(_ => Enumerable.Range(0, 16).Select(_ => random.Next(1, config.VocabSize)).ToArray()).ToArray();
            var decode = new RolloutRequest { Prompts = prompts, Sampling = SamplingParams.Greedy(decodeTokens) };

            double DecodeTokensPerSecond(RolloutEngine engine)
            {
                engine.Generate(decode with { Sampling = SamplingParams.Greedy(2) });  // warm-up
                var clock = Stopwatch.StartNew();
                long tokens = engine.Generate(decode).ResponseTokens;
                return tokens / clock.Elapsed.TotalSeconds;
            }

            double PushMilliseconds(IWeightSync sync)
            {
                sync.Push(weights);  // warm-up (first push also pays one-time costs)
                var clock = Stopwatch.StartNew();
                for (int i = 0; i < pushes; i++) sync.Push(weights);
                return clock.Elapsed.TotalMilliseconds / pushes;
            }

            DecoderExportOptions Options(bool overridable) => new() { OverridableWeights = overridable, ContextLength = Context(config) };
            double reexportMs, adapterMs, baseTokens, adapterTokens;
            using (var engine = new RolloutEngine(Path.Combine(work.Path, "plain")))
            {
                baseTokens = DecodeTokensPerSecond(engine);
                reexportMs = PushMilliseconds(new ReExportWeightSync(engine, config, Options(false)));
            }
            using (var engine = new RolloutEngine(Path.Combine(work.Path, "overridable")))
            {
                adapterMs = PushMilliseconds(new AdapterWeightSync(engine, config, Options(true)));
                adapterTokens = DecodeTokensPerSecond(engine);
            }
            output.WriteLine($"weight sync [{name}, {Parameters(config) / 1e6:F2}M params, {Parameters(config) * 4 / 1e6:F0} MB fp32]: " +
                $"re-export {reexportMs:F1} ms/push, adapter {adapterMs:F1} ms/push, re-export/adapter {reexportMs / adapterMs:F2}x");
            output.WriteLine($"adapter decode cost [{name}, greedy batch {decodeBatch}, {decodeTokens} new]: base weights {baseTokens:F0} tok/s, " +
                $"adapter active {adapterTokens:F0} tok/s, adapter/base {adapterTokens / baseTokens:F2}x");
        }
        finally
        {
            Dispose(weights);
        }
    }

    private static (DecoderConfig, Dictionary<string, Tensor>) RandomModel(string recipePath)
    {
        ModelRecipe recipe = ModelRecipe.Load(recipePath);
        DecoderConfig config = recipe.ConfigFor(recipe.Tokenizer.VocabSize) with { EosTokenIds = [0], PadTokenId = 0, BosTokenId = 0 };
        return (config, ModelFactory.RandomWeights(config.Validate(), seed: 1));
    }

    private static int Context(DecoderConfig config) => Math.Min(config.MaxPositionEmbeddings, 256);

    private static void Export(string root, string folder, DecoderConfig config, Dictionary<string, Tensor> weights, bool overridable)
    {
        string tokenizer = Path.Combine(root, "tokenizer");
        if (!Directory.Exists(tokenizer))
        {
            Directory.CreateDirectory(tokenizer);
            new ByteLevelBpeTokenizer([], ["<|endoftext|>"]).Write(tokenizer, "<|endoftext|>", "<|endoftext|>", "<|endoftext|>");
        }
        using (LibTorch.NoGrad())
            DecoderExporter.ExportGenAIFolder(Path.Combine(root, folder), config, weights, tokenizer,
                new DecoderExportOptions { OverridableWeights = overridable, ContextLength = Context(config) });
    }

    private static long Parameters(DecoderConfig config) => config.ParameterShapes().Sum(p => p.Shape.Aggregate(1L, (a, b) => a * b));

    private static void Dispose(Dictionary<string, Tensor> weights)
    {
        foreach (Tensor t in weights.Values) t.Dispose();
        weights.Clear();
    }

    private sealed class WorkFolder : IDisposable
    {
        public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), $"hybrid-rollout-bench-{Guid.NewGuid():N}");

        public void Dispose()
        {
            try { Directory.Delete(Path, recursive: true); }
            catch (IOException) { /* a file still mapped; the OS temp cleaner takes it */ }
        }
    }
}
