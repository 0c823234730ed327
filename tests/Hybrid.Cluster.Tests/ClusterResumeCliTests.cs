// `hybrid rl --cluster … --resume-from`: a driver killed after a checkpoint and started again on the same localhost port
// finds its worker rejoined (the worker gives up the lost cluster and joins the new one) and ends as the uninterrupted run.
using System.Text.Json.Nodes;
using Hybrid.Cli.Tests;

namespace Hybrid.Cluster.Tests;

public sealed class ClusterResumeCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hybrid-cluster-resume-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void ADriverKilledAndResumedOnTheSamePortEndsAsTheUninterruptedRunWithTheSameWorker()
    {
        string model = Path.Combine(_root, "tiny"), prompts = Path.Combine(_root, "prompts.jsonl");
        var (code, _, err) = HybridProcess.Run("init-model", "--preset", "tiny", "--out", model);
        Assert.True(code == 0, err);
        File.WriteAllLines(prompts, Enumerable.Range(0, 8).Select(i => new JsonObject { ["prompt"] = $"{i}+1=", ["answer"] = $"{i + 1}" }.ToJsonString()));
        // One worker for three drivers on one port: the uninterrupted run, the killed one, the resumed one. The worker
        // outlives each driver and rejoins the next (a localhost cluster's membership lives in its driver).
        string membership = $"localhost:{RedisServer.FreePort()}";
        using var workers = new WorkerProcesses(membership, Path.Combine(_root, "workers"));
        workers.Start("w1");
        string[] Rl(string output) => ["rl", "--model", model, "--data", prompts, "--out", output, "--reward", "partial_credit", "--group-size", "4",
            "--prompts-per-iteration", "4", "--max-new-tokens", "6", "--iterations", "6", "--lr", "1e-2", "--seed", "3", "--save-steps", "2",
            "--cluster", membership, "--cluster-workers", "1", "--cluster-timeout", "60"];

        string killed = Path.Combine(_root, "killed");
        var (iteration, stdout) = KilledRun.ResumedEqualsUninterrupted(Rl, Path.Combine(_root, "whole"), killed, Path.Combine("model", "model.safetensors"),
            ["checkpoint-2", "checkpoint-4"]);
        // The resumed driver found the worker rejoined with nothing and sent it the checkpoint's version whole, then adapters.
        Assert.Contains($"[cluster] worker w1: version -1 → {iteration} (Folder", stdout);
        Assert.Contains($"[cluster] worker w1: version {iteration} → {iteration + 1} (Adapter", stdout);
    }
}
