// A worker that outlives a run serves the next one with the next run's model: under Redis membership the worker stays in
// the cluster between drivers, still holding the last run's version, whose number the new run's first version may repeat.
using System.Text.Json.Nodes;
using Hybrid.Cli.Tests;

namespace Hybrid.Cluster.Tests;

public sealed class ClusterNextRunCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hybrid-cluster-next-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void TheNextRunOnAWorkerHoldingTheSameVersionNumberSamplesTheNextRunsModel()
    {
        string first = Path.Combine(_root, "tiny-a"), second = Path.Combine(_root, "tiny-b"), prompts = Path.Combine(_root, "prompts.jsonl");
        foreach (var (dir, seed) in new[] { (first, "1"), (second, "2") })
        {
            var (code, _, err) = HybridProcess.Run("init-model", "--preset", "tiny", "--out", dir, "--seed", seed);
            Assert.True(code == 0, err);
        }
        File.WriteAllLines(prompts, Enumerable.Range(0, 8).Select(i => new JsonObject { ["prompt"] = $"{i}+1=", ["answer"] = $"{i + 1}" }.ToJsonString()));
        using var redis = RedisServer.Start();
        using var workers = new WorkerProcesses(redis.Membership, Path.Combine(_root, "workers"));
        workers.Start("w1");
        (string Stdout, double[] Mismatch) Run(string model, string output)
        {
            var (rc, stdout, stderr) = HybridProcess.Run("rl", "--model", model, "--data", prompts, "--out", output, "--reward", "partial_credit",
                "--group-size", "4", "--prompts-per-iteration", "4", "--max-new-tokens", "6", "--iterations", "1", "--seed", "3",
                "--cluster", redis.Membership, "--cluster-workers", "1", "--cluster-timeout", "60");
            Assert.True(rc == 0, $"exit {rc}\n{stdout}\n{stderr}");
            // |log-prob of the sampled tokens under the worker's engine − under the trainer|: small only if the worker sampled this run's model.
            return (stdout, File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => (double)JsonNode.Parse(l)!["rollout_corr/max_abs_diff"]!).ToArray());
        }

        var a = Run(first, Path.Combine(_root, "run-a"));
        Assert.Contains("[cluster] worker w1: version -1 → 0 (Folder", a.Stdout);
        Assert.All(a.Mismatch, d => Assert.True(d < 1e-4, $"run a: max |rollout − trainer log-prob| = {d}"));
        // Run a's one iteration sampled version 0, which the worker still holds; run b starts at its own version 0.
        var b = Run(second, Path.Combine(_root, "run-b"));
        Assert.Contains("[cluster] worker w1: version 0 → 0 (Folder", b.Stdout);
        Assert.All(b.Mismatch, d => Assert.True(d < 1e-4, $"run b sampled another model than its own: max |rollout − trainer log-prob| = {d}"));
    }
}
