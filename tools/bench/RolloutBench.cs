// Timing runs the lead calls from tools/bench: rollout engines vs the trainer's sampler, weight-sync cost, adapter cost.
using Hybrid.Rollout.Scoring;
using Hybrid.Rollout;
using System.Diagnostics;
using System.Globalization;
using Hybrid.Export.Decoder;
using Hybrid.Models.Config;
using Hybrid.Models.Creation;
using Hybrid.Models.Decoder;
using Hybrid.Models.Generation;
using Hybrid.Models.Tokenizers;
using Hybrid.Tensors;
using Hybrid.Training.Online;
using Hybrid.Training.WeightSync;
using TorchSharp;
using static TorchSharp.torch;

namespace Hybrid.Bench;

/// <summary>
/// Three measurements on random-weight models built from a recipe (<c>models/*.json</c>, float32):
/// (a) rollout tokens/s of the engine (GenAI and Ort backends, on the Concat-KV and the GroupQueryAttention export)
/// ÷ the trainer's KV-cache sampler tokens/s at one batch size, in alternating rounds of one process, with a phase
/// profile of each; (b) milliseconds per weight push for each sync mechanism; (c) GenAI decode tokens/s with the base
/// weights vs with an adapter active (adapters make weights overridable, which turns off ORT's weight pre-packing).
/// Work files go to a temporary folder that is deleted afterwards.
/// </summary>
public static class RolloutBench
{
    /// <summary>
    /// Pause before each timed run so the previous runtime's pool threads (ORT's intra-op workers, libtorch's OpenMP workers) have
    /// stopped spinning: run back to back, the trainer run right after an engine run measured up to ~2× slower than the
    /// trainer run after it.
    /// </summary>
    public const int DefaultSettleMilliseconds = 200;

    /// <summary>(a) for tiny and small, (b)+(c) for tiny and base100m: about a minute on two cores.</summary>
    public static void RunAll(string modelsDirectory, TextWriter output, int rounds = 5)
    {
        CompareThroughput(Path.Combine(modelsDirectory, "tiny.json"), output, rounds: rounds);
        CompareThroughput(Path.Combine(modelsDirectory, "small.json"), output, rounds: rounds);
        MeasureSync(Path.Combine(modelsDirectory, "tiny.json"), output);
        MeasureSync(Path.Combine(modelsDirectory, "base100m.json"), output, pushes: 2);
    }

    /// <summary>One engine of the comparison: a backend on one export of the same weights.</summary>
    private sealed record Contender(string Name, RolloutEngine Engine) : IDisposable
    {
        public void Dispose() => Engine.Dispose();
    }

    /// <summary>
    /// (a) <paramref name="batch"/> random prompts of <paramref name="promptTokens"/> tokens, <paramref name="newTokens"/>
    /// sampled tokens each (T = 1, seeded; the model's EOS ends a row), on each engine (its default chunking) and on the
    /// trainer's <see cref="KvCacheSampler"/> (one batch). Every contender runs once untimed at full size first (JIT,
    /// allocator, pools); then <paramref name="rounds"/> rounds time each once, the order rotating by one per round so
    /// no contender always runs first or right after the same one, each run after a short pause. Ratios are taken
    /// within a round. Prints the rounds, medians with min–max, and a phase profile. Returns the median GenAI ÷ trainer
    /// and Ort ÷ trainer ratios on the default (Concat-KV) export.
    /// </summary>
    public static (double GenAI, double Ort) CompareThroughput(string recipePath, TextWriter output, int batch = 64, int promptTokens = 16, int newTokens = 32, int rounds = 5,
        int settleMilliseconds = DefaultSettleMilliseconds, bool profile = true)
    {
        ArgumentNullException.ThrowIfNull(output);
        string name = Path.GetFileNameWithoutExtension(recipePath);
        using var work = new WorkFolder();
        (DecoderConfig config, Dictionary<string, Tensor> weights) = RandomModel(recipePath);
        using var model = new DecoderModel(config);
        model.LoadStateDict(weights);
        Export(work.Path, "concat", config, weights, overridable: false);
        Export(work.Path, "gqa", config, weights, overridable: false, AttentionKernel.Optimized);
        Dispose(weights);

        var random = new Random(1);
        int[][] prompts = Enumerable.Range(0, batch).Select(_ => Enumerable.Range(0, promptTokens).Select(_ => random.Next(1, config.VocabSize)).ToArray()).ToArray();
        var sampling = new SamplingParams { Seed = 1, MaxNewTokens = newTokens };
        var request = new RolloutRequest { Prompts = prompts, Sampling = sampling };

        var contenders = new List<Contender>();
        try
        {
            foreach (var (label, folder) in new[] { ("", "concat"), ("·gqa", "gqa") })
                foreach (RolloutBackend backend in Enum.GetValues<RolloutBackend>())
                    contenders.Add(new Contender($"{backend}{label}", new RolloutEngine(Path.Combine(work.Path, folder), new RolloutEngineOptions { Backend = backend })));

            // Index 0 is the trainer, 1… the engines; each function returns tokens/s of one full request.
            var runs = new List<(string Name, Func<double> Run)> { ("trainer", () => TokensPerSecond(() => KvCacheSampler.Generate(model, prompts, sampling).Sum(s => (long)s.ResponseIds.Length))) };
            runs.AddRange(contenders.Select(c => (c.Name, (Func<double>)(() => TokensPerSecond(() => c.Engine.Generate(request).ResponseTokens)))));
            foreach (var (_, run) in runs) run();  // warm-up at full size

            var speed = new double[rounds, runs.Count];
            for (int round = 0; round < rounds; round++)
            {
                for (int k = 0; k < runs.Count; k++)
                {
                    int which = (round + k) % runs.Count;
                    Thread.Sleep(settleMilliseconds);
                    speed[round, which] = runs[which].Run();
                }
            }

            RolloutEngineOptions genAIOptions = contenders[0].Engine.Options, ortOptions = contenders[1].Engine.Options;
            output.WriteLine(Invariant($"rollout throughput [{name}, {Parameters(config) / 1e6:F2}M params, batch {batch}, prompt {promptTokens}, new {newTokens}, T = 1; ") +
                Invariant($"GenAI: chunks of {genAIOptions.MaxBatchSize}, {genAIOptions.ParallelChunks} at once; Ort: batches of {ortOptions.MaxBatchSize}, {ortOptions.ParallelChunks} at once; ") +
                Invariant($"{rounds} rounds, order rotated, {settleMilliseconds} ms pause before each run]"));
            output.WriteLine("  round " + string.Concat(runs.Select(r => $"{r.Name,12}")) + string.Concat(runs.Skip(1).Select(r => $"{r.Name + "/tr",14}")));
            for (int round = 0; round < rounds; round++)
            {
                output.Write(Invariant($"  {round + 1,5} "));
                for (int k = 0; k < runs.Count; k++) output.Write(Invariant($"{speed[round, k],12:F0}"));
                for (int k = 1; k < runs.Count; k++) output.Write(Invariant($"{speed[round, k] / speed[round, 0],13:F2}x"));
                output.WriteLine();
            }
            double[] Column(int k) => Enumerable.Range(0, rounds).Select(r => speed[r, k]).ToArray();
            double[] Ratio(int k) => Enumerable.Range(0, rounds).Select(r => speed[r, k] / speed[r, 0]).ToArray();
            output.WriteLine("  tok/s  " + string.Join(", ", runs.Select((r, k) => $"{r.Name} {Spread(Column(k), "F0")}")));
            output.WriteLine("  ratio  " + string.Join(", ", runs.Skip(1).Select((r, k) => $"{r.Name} ÷ trainer {Spread(Ratio(k + 1), "F2")}x")) + "   (target >= 3x)");

            if (!profile) return (Median(Ratio(1)), Median(Ratio(2)));
            output.WriteLine(Invariant($"  profile (median of 3 after a warm-up; model = ORT/GenAI run + logits hand-over, per decode step):"));
            output.WriteLine($"    {"trainer",-10} {TrainerSamplerProfile.Measure(model, prompts, sampling)}   [model = forward, sample = SamplingDistribution.Choose]");
            foreach (Contender c in contenders)
            {
                int rows = Math.Min(batch, c.Engine.Options.MaxBatchSize);
                string note = rows < batch ? $"   [one of {(batch + rows - 1) / rows} chunks, {ThreadsNote(c.Engine.Options)}; the engine runs {c.Engine.Options.ParallelChunks} at once]" : "";
                output.WriteLine($"    {c.Name,-10} {RolloutProfile.Engine(c.Engine, prompts.Take(rows).ToList(), sampling)}{note}");
            }
            foreach (var (label, folder) in new[] { ("", "concat"), ("·gqa", "gqa") })
            {
                // The ORT forward alone at the full batch, both cores on one run: the like-for-like of the trainer's line.
                var options = new RolloutEngineOptions { Backend = RolloutBackend.Ort, MaxBatchSize = batch, ParallelChunks = 1 };
                using var whole = new RolloutEngine(Path.Combine(work.Path, folder), options);
                output.WriteLine($"    {"Ort" + label,-10} {RolloutProfile.Engine(whole, prompts, sampling)}   [one batch, {ThreadsNote(options)}]");
            }
            return (Median(Ratio(1)), Median(Ratio(2)));
        }
        finally
        {
            foreach (Contender c in contenders) c.Dispose();
        }
    }

    private static string ThreadsNote(RolloutEngineOptions options) =>
        $"{options.SessionIntraOpThreads} intra-op thread{(options.SessionIntraOpThreads == 1 ? "" : "s")}";

    private static double TokensPerSecond(Func<long> run)
    {
        var clock = Stopwatch.StartNew();
        long tokens = run();
        return tokens / clock.Elapsed.TotalSeconds;
    }

    private static double Median(double[] xs)
    {
        double[] s = [.. xs.Order()];
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    private static string Spread(double[] xs, string format) =>
        string.Create(CultureInfo.InvariantCulture, $"{Median(xs).ToString(format, CultureInfo.InvariantCulture)} [{xs.Min().ToString(format, CultureInfo.InvariantCulture)}–{xs.Max().ToString(format, CultureInfo.InvariantCulture)}]");

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);

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

    private static void Export(string root, string folder, DecoderConfig config, Dictionary<string, Tensor> weights, bool overridable,
        AttentionKernel kernel = AttentionKernel.Reference)
    {
        string tokenizer = Path.Combine(root, "tokenizer");
        if (!Directory.Exists(tokenizer))
        {
            Directory.CreateDirectory(tokenizer);
            new ByteLevelBpeTokenizer([], ["<|endoftext|>"]).Write(tokenizer, "<|endoftext|>", "<|endoftext|>", "<|endoftext|>");
        }
        using (no_grad())
            DecoderExporter.ExportGenAIFolder(Path.Combine(root, folder), config, weights, tokenizer,
                new DecoderExportOptions { OverridableWeights = overridable, ContextLength = Context(config), Kernel = kernel });
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
