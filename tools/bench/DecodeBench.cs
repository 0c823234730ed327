// Rollout decode speed of the engine on any exported folder, at chosen numbers of parallel prompts (llama-batched-bench's npl).
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Hybrid.Models.Generation;
using Hybrid.Rollout;

namespace Hybrid.Bench;

/// <summary>
/// <c>bench decode FOLDER [npl …] [--new N] [--prompt N] [--rounds N] [--backend genai|ort] [--threads N] [--parallel N] [--max-batch N]</c>: for each npl,
/// npl random prompts of <c>--prompt</c> tokens (default 16) each get <c>--new</c> sampled tokens (default 64, no stop
/// token, T = 1, seeded) from one <see cref="RolloutEngine.Generate"/> call on the engine's defaults (or the given backend
/// and intra-op threads). tok/s = generated tokens ÷ the call's wall time (prompt prefill included). One untimed run per
/// npl first, then rounds over the npls in a rotating order; prints the median and min–max per npl.
/// </summary>
internal static class DecodeBench
{
    public static int Run(string[] args)
    {
        if (args.Length < 1) { Console.Error.WriteLine("usage: bench decode FOLDER [npl ...] [--new N] [--prompt N] [--rounds N] [--backend genai|ort] [--threads N]"); return 2; }
        string folder = args[0];
        var npls = new List<int>();
        int newTokens = 64, promptTokens = 16, rounds = 3;
        int? threads = null, parallel = null, maxBatch = null;
        RolloutBackend? backend = null;  // null: the engine's default
        for (int i = 1; i < args.Length; i++)
        {
            int Next() => int.Parse(args[++i], CultureInfo.InvariantCulture);
            switch (args[i])
            {
                case "--new": newTokens = Next(); break;
                case "--prompt": promptTokens = Next(); break;
                case "--rounds": rounds = Next(); break;
                case "--threads": threads = Next(); break;
                case "--parallel": parallel = Next(); break;
                case "--max-batch": maxBatch = Next(); break;
                case "--backend": backend = Enum.Parse<RolloutBackend>(args[++i], ignoreCase: true); break;
                default: npls.Add(int.Parse(args[i], CultureInfo.InvariantCulture)); break;
            }
        }
        if (npls.Count == 0) npls.AddRange([1, 8, 64]);
        using JsonDocument config = JsonDocument.Parse(File.ReadAllBytes(Path.Combine(folder, "genai_config.json")));
        int vocab = config.RootElement.GetProperty("model").GetProperty("vocab_size").GetInt32();

        var options = new RolloutEngineOptions { IntraOpThreads = threads };
        if (backend is RolloutBackend b) options = options with { Backend = b };
        if (parallel is int p) options = options with { ParallelChunks = p };
        if (maxBatch is int m) options = options with { MaxBatchSize = m };
        using var engine = new RolloutEngine(folder, options);
        var random = new Random(1);
        var sampling = new SamplingParams { Seed = 1, MaxNewTokens = newTokens };
        var requests = npls.Select(n => new RolloutRequest
        {
            Prompts = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, promptTokens).Select(_ => random.Next(1, vocab)).ToArray()).ToArray(),
            Sampling = sampling,
        }).ToArray();
        double Once(RolloutRequest request)
        {
            var clock = Stopwatch.StartNew();
            long tokens = engine.Generate(request).ResponseTokens;
            return tokens / clock.Elapsed.TotalSeconds;
        }
        foreach (RolloutRequest r in requests) Once(r);  // warm-up
        var speeds = new double[npls.Count][];
        for (int k = 0; k < npls.Count; k++) speeds[k] = new double[rounds];
        for (int round = 0; round < rounds; round++)
            for (int j = 0; j < npls.Count; j++)
            {
                int k = (round + j) % npls.Count;
                speeds[k][round] = Once(requests[k]);
            }
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"decode [{folder}; {options.Backend}, intra-op threads {(threads is int t ? t.ToString(CultureInfo.InvariantCulture) : "default")}, chunks of {options.MaxBatchSize}, {options.ParallelChunks} at once, prompt {promptTokens}, new {newTokens}, T = 1, {rounds} rounds]"));
        for (int k = 0; k < npls.Count; k++)
        {
            double[] s = [.. speeds[k].Order()];
            double median = s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  npl {npls[k],3}: {median,8:F0} tok/s [{s[0]:F0}–{s[^1]:F0}]"));
        }
        return 0;
    }
}
