// GRPO on the addition task with rollouts on three worker processes found through Redis; one is SIGKILLed and restarted.
using Hybrid.Algorithms.Rewards;
using Hybrid.Algorithms.Rl;
using Hybrid.Models.Decoder;
using Hybrid.Training.Online;
using Hybrid.Training.Rl;
using Hybrid.Training.Rl.Tasks;
using TorchSharp;
using Xunit.Abstractions;

namespace Hybrid.Cluster.Tests;

/// <summary>
/// The driver is this process (the trainer, on libtorch, with its own engine that the adapter sync updates and whose
/// versions are published); the three workers are `hybrid worker --cluster redis://…` processes. The run starts from the
/// SFT warm-up the RL tests use (150 steps, the policy is then sometimes right).
/// </summary>
public sealed class ClusterGrpoTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hybrid-cluster-grpo-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task GrpoOverThreeWorkersOnRedisSurvivesAKilledAndRestartedWorkerAndStillLearns()
    {
        using var redis = RedisServer.Start();
        var log = new LineLog();
        await using ClusterDriver driver = await ClusterDriver.StartAsync(ClusterMembership.Parse(redis.Membership), log);
        using var workers = new WorkerProcesses(redis.Membership, _root);
        foreach (string w in new[] { "w1", "w2", "w3" }) workers.Start(w);
        Assert.Equal(["w1", "w2", "w3"], await driver.WaitForWorkersAsync(3, TimeSpan.FromSeconds(120)));

        string tokenizer = Path.Combine(_root, "tokenizer");
        AdditionTask.WriteByteTokenizer(tokenizer);
        Hybrid.Tensors.TensorUtil.ManualSeed(1);
        using OnlinePolicy policy = OnlinePolicy.Create(new DecoderModel(AdditionTask.ByteConfig()), tokenizer, Path.Combine(_root, "work"));
        var (train, heldOut) = AdditionTask.Split();
        AdditionTask.WarmUp(policy, train, steps: 150);
        var rollouts = new ClusterRollouts(driver, policy.Engine);
        policy.Rollouts = rollouts;

        // Iteration k samples with version k (the warm-up made version 1). w1 is SIGKILLed once a shard of iteration 3
        // is back (w1 is then mid-shard or about to be), and restarted when version 4 is published (iteration 4).
        var killed = new TaskCompletionSource();
        driver.ShardCompleted += _ =>
        {
            if (driver.Current?.Version == 3 && killed.TrySetResult()) workers.Kill("w1");
        };
        var restarted = new TaskCompletionSource();
        log.OnLine = line =>
        {
            if (line.Contains("→ 4 (Adapter", StringComparison.Ordinal) && restarted.TrySetResult()) workers.Start("w1");
        };
        const int iterations = 30, prompts = 16;
        RlAxes axes = RlAxes.FromPreset(RlAxes.FitToBudget(RlPresets.Create("grpo", groupSize: 8), 4) with { MiniBatches = 4 });
        using DecoderModel reference = policy.FrozenCopy();
        var config = new RlConfig { Iterations = iterations, PromptsPerIteration = prompts, MaxNewTokens = 4, LearningRate = 5e-4, Seed = 11 };
        var trainer = new RlTrainer(policy, config, axes, train, new WeightedReward((new AccuracyReward(new LastNumberExtractor()), 1.0)), reference, log: log);
        double before = trainer.Evaluate(heldOut, 8);
        RlResult result = trainer.Train(heldOut);
        double after = trainer.Evaluate(heldOut, 8);
        output.WriteLine(log.ToString());
        output.WriteLine($"held-out expected reward {before:F3} → {after:F3}; publishes: " +
                         string.Join(", ", rollouts.PublishSeconds.Select(p => $"v{p.Version} {p.Seconds * 1000:F0} ms")));

        // Every iteration trained on all its groups, each sampled by the version the trainer had then.
        Assert.Equal(iterations, result.Iterations.Count);
        Assert.All(result.Iterations, m => Assert.Equal(prompts, m["batch/kept_groups"]));
        Assert.Equal(1 + iterations, policy.Version);     // the warm-up's push + one per iteration
        long[] published = rollouts.PublishSeconds.Select(p => p.Version).ToArray();
        Assert.Equal(Enumerable.Range(1, iterations + 1).Select(v => (long)v), published);   // versions 1 … 11, each once, in order
        string text = log.ToString();
        Assert.Contains("worker w1 failed a shard", text);                            // the killed worker's shard went elsewhere
        Assert.Matches(@"worker w1: version -1 → ([4-9]|\d\d) \(Folder", text);                 // the restarted one got the whole current version
        Assert.True(after > before, $"held-out expected reward {before:F3} → {after:F3}");
    }

    /// <summary>A synchronized log that hands each complete line to <see cref="OnLine"/>.</summary>
    private sealed class LineLog : TextWriter
    {
        private readonly System.Text.StringBuilder _all = new();
        private readonly System.Text.StringBuilder _line = new();

        public Action<string>? OnLine { get; set; }

        public override System.Text.Encoding Encoding => System.Text.Encoding.UTF8;

        public override void Write(char value)
        {
            string? complete = null;
            lock (_all)
            {
                _all.Append(value);
                if (value != '\n') _line.Append(value);
                else
                {
                    complete = _line.ToString();
                    _line.Clear();
                }
            }
            if (complete is not null) OnLine?.Invoke(complete);
        }

        public override string ToString()
        {
            lock (_all) return _all.ToString();
        }
    }
}
