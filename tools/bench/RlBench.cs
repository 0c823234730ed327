// tools/bench rl: GRPO and DAPO on the addition task end to end (GenAI rollouts, weight sync every iteration), with accuracy, wall time and the per-phase split.
using System.Globalization;
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Models.Decoder;
using Hybrid.Tensors;
using TorchSharp;
using static TorchSharp.torch;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;
using Hybrid.Training.Rl.Tasks;

namespace Hybrid.Bench;

internal static class RlBench
{
    private static readonly string[] Phases = ["gen", "reward", "old_log_prob", "ref", "adv", "update_actor", "sync"];

    public static int Run(int iterations, TextWriter log, bool bf16 = false)
    {
        log.WriteLine($"bench rl: addition task (70 train / 30 held-out facts), byte-level 2×32 Qwen2, 150-step SFT warm-up, " +
                      $"G = 8, 16 prompts/iteration, 4 mini-batches, lr 5e-4, {iterations} iterations, adapter sync every iteration, trainer in {(bf16 ? "bf16" : "fp32")}");
        foreach (string preset in new[] { "grpo", "dapo" })
        {
            string folder = Directory.CreateTempSubdirectory("hybrid-rl-bench-").FullName;
            try
            {
                string tokenizerDir = Path.Combine(folder, "tokenizer");
                AdditionTask.WriteByteTokenizer(tokenizerDir);
                TensorUtil.ManualSeed(1);
                using var policy = OnlinePolicy.Create(new DecoderModel(AdditionTask.ByteConfig()), tokenizerDir, Path.Combine(folder, "work"));
                var (train, heldOut) = AdditionTask.Split();
                AdditionTask.WarmUp(policy, train, 150);
                RlAxes axes = RlAxes.FromPreset(RlAxes.FitToBudget(RlPresets.Create(preset, 8), 4) with { MiniBatches = 4 });
                using DecoderModel? reference = axes.NeedsReference ? policy.FrozenCopy() : null;
                var config = new RlConfig { Iterations = iterations, PromptsPerIteration = 16, MaxNewTokens = 4, LearningRate = 5e-4, Seed = 11, Bf16 = bf16 };
                var reward = new WeightedReward((new AccuracyReward(new LastNumberExtractor()), 1.0));
                var trainer = new RlTrainer(policy, config, axes, train, reward, reference);
                double sampledBefore = trainer.Evaluate(train, 8);
                RlResult r = trainer.Train(heldOut);
                double sampledAfter = trainer.Evaluate(train, 8);
                var totals = Phases.ToDictionary(p => p, p => r.Iterations.Sum(m => m.GetValueOrDefault("timing_s/" + p)));
                double steps = r.Iterations.Sum(m => m.GetValueOrDefault("timing_s/step"));
                log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{preset}: held-out greedy accuracy {r.EvalBefore:F3} → {r.EvalAfter:F3}; expected train reward {sampledBefore:F3} → {sampledAfter:F3}; " +
                    $"{iterations} iterations in {r.Seconds:F1} s"));
                log.WriteLine("  phase split: " + string.Join(", ", totals.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {100 * kv.Value / steps:F1}%"))) +
                              string.Create(CultureInfo.InvariantCulture, $"; sync share {100 * totals["sync"] / steps:F1}%, rollout share {100 * totals["gen"] / steps:F1}%"));
            }
            finally
            {
                try { Directory.Delete(folder, recursive: true); } catch (IOException) { }
            }
        }
        return 0;
    }
}
