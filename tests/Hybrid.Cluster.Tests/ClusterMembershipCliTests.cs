// A bad, unreachable or empty --cluster is one clear line, exit 2, and nothing written.
using System.Text.Json.Nodes;
using Hybrid.Cli.Tests;

namespace Hybrid.Cluster.Tests;

public sealed class ClusterMembershipCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hybrid-cluster-cli-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void BadUnreachableOrWorkerlessClustersAreOneLineAndLeaveNoOutput()
    {
        string model = Path.Combine(_root, "tiny"), prompts = Path.Combine(_root, "prompts.jsonl");
        var (code, _, err) = HybridProcess.Run("init-model", "--preset", "tiny", "--out", model);
        Assert.True(code == 0, err);
        File.WriteAllLines(prompts, Enumerable.Range(0, 4).Select(i => new JsonObject { ["prompt"] = $"{i}+1=", ["answer"] = $"{i + 1}" }.ToJsonString()));
        int free = RedisServer.FreePort();

        Refused(["worker", "--cluster", "bogus"], "error: --cluster bogus: expected localhost, localhost:PORT or redis://HOST:PORT");
        Refused(["rl", "--model", model, "--data", prompts, "--out", Out("rl-redis"), "--group-size", "2", "--cluster", $"redis://127.0.0.1:{free}"],
                $"error: --cluster redis://127.0.0.1:{free}: the driver could not start its silo (UnableToConnect on 127.0.0.1:{free}");
        Refused(["online-dpo", "--model", model, "--data", prompts, "--out", Out("odpo-empty"), "--cluster", $"localhost:{free}", "--cluster-timeout", "3"],
                $"error: --cluster localhost:{free}: 0 of 1 workers joined within 3 s (start them with `hybrid worker --cluster localhost:{free}`)");
        Assert.Empty(Directory.GetDirectories(_root, "out-*"));
    }

    [Fact]
    public void RlWithReExportSyncPublishesEachVersionAsANewDataFileAndModel()
    {
        string model = Path.Combine(_root, "tiny"), prompts = Path.Combine(_root, "prompts.jsonl"), output = Out("rl-reexport");
        var (code, _, err) = HybridProcess.Run("init-model", "--preset", "tiny", "--out", model);
        Assert.True(code == 0, err);
        File.WriteAllLines(prompts, Enumerable.Range(0, 8).Select(i => new JsonObject { ["prompt"] = $"{i}+1=", ["answer"] = $"{i + 1}" }.ToJsonString()));
        string membership = $"localhost:{RedisServer.FreePort()}";
        using var workers = new WorkerProcesses(membership, Path.Combine(_root, "workers"));
        workers.Start("w1");
        var (rc, stdout, stderr) = HybridProcess.Run("rl", "--model", model, "--data", prompts, "--out", output, "--group-size", "4", "--prompts-per-iteration", "4",
            "--max-new-tokens", "4", "--iterations", "3", "--sync", "ReExport", "--cluster", membership, "--cluster-workers", "1");
        Assert.True(rc == 0, $"exit {rc}\n{stdout}\n{stderr}");
        Assert.Contains("worker w1: version -1 → 0 (Folder", stdout);
        Assert.Contains("worker w1: version 0 → 1 (Reexport", stdout);
        Assert.Contains("worker w1: version 1 → 2 (Reexport", stdout);
        // The worker's rollout log-probs are the trainer's own log-probs of the same tokens: it sampled with the synced weights.
        double[] corr = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => (double)JsonNode.Parse(l)!["rollout_corr/max_abs_diff"]!).ToArray();
        Assert.Equal(3, corr.Length);
        Assert.All(corr, d => Assert.True(d < 1e-4, $"max |rollout − trainer log-prob| = {d}"));
    }

    private string Out(string name) => Path.Combine(_root, "out-" + name);

    private static void Refused(string[] args, string expected)
    {
        var (code, stdout, stderr) = HybridProcess.Run(args);
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(expected, line);
    }
}
