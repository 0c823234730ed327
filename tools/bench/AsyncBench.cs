// tools/bench async: RL iteration time with rollouts overlapped (--async-rollout, staleness 1) vs the synchronous loop, interleaved A,B,A,B, with the per-phase split.
using System.Globalization;
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Models.Creation;
using Hybrid.Rollout;
using Hybrid.Training.Data;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;

namespace Hybrid.Bench;

/// <summary>
/// Dr. GRPO (G = 8, no KL so no reference pass; <c>prompts</c> prompts of 16–24 random tokens, <c>newTokens</c> new tokens,
/// one optimizer step per iteration, adapter sync) on a random model of the recipe (default small), run as pairs sync, async, sync, async, … each from a fresh
/// export of the same weights. A run is 1 untimed iteration + <c>iterations</c> timed ones; its figure is the median
/// timed iteration. Sync: engine and libtorch on every core, one after the other. Async: the CLI's split
/// (<see cref="AsyncRolloutThreads"/>: the engine's session half the cores, libtorch the rest), generation of batch
/// k+1 beside the update on batch k. Reported per mode: the median of the runs' medians (min–max over runs), async ÷
/// sync, and per phase the mean seconds per timed iteration — gen (the trainer's wait), gen_overlapped (generation's own
/// wall time beside the update), reward (and reward_overlapped), old log-probs, update, sync.
/// </summary>
internal static class AsyncBench
{
    private static readonly string[] Phases = ["gen", "gen_overlapped", "reward", "reward_overlapped", "old_log_prob", "update_actor", "sync"];

    public static int Run(string recipePath, int pairs, int iterations, int newTokens, int prompts, TextWriter log)
    {
        string root = Directory.CreateTempSubdirectory("hybrid-async-bench-").FullName;
        try
        {
            string model = Path.Combine(root, "model");
            ModelFactory.Create(ModelRecipe.Load(recipePath), model, seed: 0);
            int cores = Environment.ProcessorCount;
            log.WriteLine($"bench async: {Path.GetFileNameWithoutExtension(recipePath)}, Dr. GRPO G = 8, {prompts} prompts/iteration of 16–24 random tokens, {newTokens} new tokens, " +
                          $"1 optimizer step/iteration, adapter sync; {pairs} pairs sync/async interleaved, each 1 untimed + {iterations} timed iterations; " +
                          $"{cores} cores (async: engine {AsyncRolloutThreads.EngineThreads(cores)} intra-op thread(s), libtorch {Math.Max(1, cores - AsyncRolloutThreads.EngineThreads(cores))})");
            var runs = new Dictionary<bool, List<(double Median, Dictionary<string, double> Phases)>> { [false] = [], [true] = [] };
            for (int pair = 0; pair < pairs; pair++)
                foreach (bool async in new[] { false, true })
                {
                    var r = Once(model, Path.Combine(root, $"work-{pair}-{async}"), async, iterations, newTokens, prompts);
                    runs[async].Add(r);
                    log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  pair {pair + 1} {(async ? "async" : "sync ")}: median iteration {r.Median:F2} s"));
                }
            double Median(bool async) => MedianOf(runs[async].Select(r => r.Median));
            log.WriteLine();
            log.WriteLine("| mode | iteration (median of runs, min–max) | " + string.Join(" | ", Phases) + " |");
            log.WriteLine("| --- | --- | " + string.Join(" | ", Phases.Select(_ => "---")) + " |");
            foreach (bool async in new[] { false, true })
            {
                var r = runs[async];
                string phases = string.Join(" | ", Phases.Select(p => string.Create(CultureInfo.InvariantCulture, $"{r.Average(x => x.Phases[p]):F2}")));
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"| {(async ? "async (staleness 1)" : "sync")} | {Median(async):F2} s ({r.Min(x => x.Median):F2}–{r.Max(x => x.Median):F2}) | {phases} |"));
            }
            log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"async ÷ sync (medians): {Median(true) / Median(false):F3}"));
            return 0;
        }
        finally
        {
            try { Directory.Delete(root, recursive: true); } catch (IOException) { }
        }
    }

    private static (double Median, Dictionary<string, double> Phases) Once(string modelDir, string workDir, bool async, int iterations, int newTokens, int prompts)
    {
        var options = new OnlinePolicyOptions
        {
            Engine = new RolloutEngineOptions { IntraOpThreads = async ? AsyncRolloutThreads.EngineThreads(Environment.ProcessorCount) : null },
        };
        using OnlinePolicy policy = OnlinePolicy.Open(modelDir, workDir, options);
        var random = new Random(3);
        var rows = Enumerable.Range(0, 64).Select(i => new PromptRow(
            policy.Tokenizer.Decode(Enumerable.Range(0, 16 + random.Next(9)).Select(_ => 300 + random.Next(500)).ToArray()),
            new Dictionary<string, string> { ["answer"] = "7" }, $"row {i}")).ToList();
        RlAxes axes = RlAxes.FromPreset(RlPresets.Create("dr_grpo", groupSize: 8) with { MiniBatches = 1 });
        var config = new RlConfig
        {
            Iterations = iterations + 1, PromptsPerIteration = prompts, MaxNewTokens = newTokens, LearningRate = 1e-5, Seed = 5,
            AsyncRollout = async,
        };
        var trainer = new RlTrainer(policy, config, axes, rows, new WeightedReward((new AccuracyReward(new LastNumberExtractor()), 1.0)));
        RlResult result = trainer.Train(null);
        var timed = result.Iterations.Skip(1).ToList();
        return (MedianOf(timed.Select(m => m["timing_s/step"])),
                Phases.ToDictionary(p => p, p => timed.Average(m => m.GetValueOrDefault("timing_s/" + p))));
    }

    private static double MedianOf(IEnumerable<double> values)
    {
        double[] v = values.Order().ToArray();
        return v.Length % 2 == 1 ? v[v.Length / 2] : (v[v.Length / 2 - 1] + v[v.Length / 2]) / 2;
    }
}
