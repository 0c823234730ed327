// LoRA runs on --cluster workers: the whole base export travels once, then each version is the adapters' A/B alone.
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Hybrid.Cli.Tests;
using Hybrid.Tensors.Serialization;
using static TorchSharp.torch;

namespace Hybrid.Cluster.Tests;

public sealed partial class ClusterLoraCliTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hybrid-cluster-lora-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public void RlAndOnlineDpoWithLoraPublishTheBaseOnceThenOnlyTheAdapters()
    {
        string model = Path.Combine(_root, "tiny"), prompts = Path.Combine(_root, "prompts.jsonl");
        var (code, _, err) = HybridProcess.Run("init-model", "--preset", "tiny", "--out", model);
        Assert.True(code == 0, err);
        File.WriteAllLines(prompts, Enumerable.Range(0, 8).Select(i => new JsonObject { ["prompt"] = $"{i}+1=", ["answer"] = $"{i + 1}" }.ToJsonString()));
        string[] lora = ["--lora-r", "4", "--lora-target-modules", "all-linear", "--lr", "1e-2"];
        // A localhost cluster's primary silo is its driver: each run gets its own membership and worker.
        string membership = $"localhost:{RedisServer.FreePort()}";
        using var workers = new WorkerProcesses(membership, Path.Combine(_root, "workers"));
        workers.Start("w1");
        string[] cluster = ["--cluster", membership, "--cluster-workers", "1"];

        string rl = Path.Combine(_root, "out-rl");
        var (rc, stdout, stderr) = HybridProcess.Run(["rl", "--model", model, "--data", prompts, "--out", rl, "--group-size", "4",
            "--prompts-per-iteration", "4", "--max-new-tokens", "4", "--iterations", "3", .. lora, .. cluster]);
        Assert.True(rc == 0, $"exit {rc}\n{stdout}\n{stderr}");
        long adapterBytes = AdapterFloatBytes(Path.Combine(rl, "model"));
        AssertPublishes(stdout, lastSampled: 2, adapterBytes);   // iteration k samples version k
        // The worker sampled with base + s·B·A of each version: its log-probs are the trainer's own for the same tokens.
        double[] corr = File.ReadAllLines(Path.Combine(rl, "metrics.jsonl")).Select(l => (double)JsonNode.Parse(l)!["rollout_corr/max_abs_diff"]!).ToArray();
        Assert.Equal(3, corr.Length);
        Assert.All(corr, d => Assert.True(d < 1e-4, $"max |rollout − trainer log-prob| = {d}"));

        string dpo = Path.Combine(_root, "out-odpo");
        membership = $"localhost:{RedisServer.FreePort()}";
        using var dpoWorkers = new WorkerProcesses(membership, Path.Combine(_root, "dpo-workers"));
        dpoWorkers.Start("w1");
        cluster = ["--cluster", membership, "--cluster-workers", "1"];
        (rc, stdout, stderr) = HybridProcess.Run(["online-dpo", "--model", model, "--data", prompts, "--out", dpo, "--iterations", "4",
            "--prompts-per-iteration", "8", "--samples-per-prompt", "8", "--max-new-tokens", "4", .. lora, .. cluster]);
        Assert.True(rc == 0, $"exit {rc}\n{stdout}\n{stderr}");
        // A version is pushed after each iteration that formed pairs; the last iteration's is never sampled.
        int pushes = File.ReadAllLines(Path.Combine(dpo, "metrics.jsonl")).SkipLast(1).Count(l => (double)JsonNode.Parse(l)!["pairs/count"]! > 0);
        Assert.True(pushes > 0, $"no pairs formed before the last iteration: nothing to publish\n{stdout}");
        AssertPublishes(stdout, lastSampled: pushes, AdapterFloatBytes(dpo));
    }

    /// <summary>
    /// Version 0 reaches the worker as the whole folder; versions 1…<paramref name="lastSampled"/> as one adapter each,
    /// whose bytes hold at least every A/B float (the packed q/k/v's B spans three outputs, so it may hold more) and are a
    /// small part of the folder's.
    /// </summary>
    private static void AssertPublishes(string stdout, int lastSampled, long adapterFloatBytes)
    {
        Match folder = Publish().Match(stdout);
        Assert.True(folder.Success && folder.Groups["from"].Value == "-1" && folder.Groups["to"].Value == "0" && folder.Groups["kind"].Value == "Folder", stdout);
        long folderBytes = Bytes(folder);
        Match[] adapters = Publish().Matches(stdout).Skip(1).ToArray();
        Assert.Equal(Enumerable.Range(1, lastSampled).Select(v => $"{v - 1} → {v} (Adapter"),
                     adapters.Select(m => $"{m.Groups["from"].Value} → {m.Groups["to"].Value} ({m.Groups["kind"].Value}"));
        Assert.All(adapters, m => Assert.InRange(Bytes(m), adapterFloatBytes, Math.Min(3 * adapterFloatBytes + 16_384, folderBytes / 10)));
    }

    /// <summary>4 bytes per element of the saved PEFT adapter's lora_A/lora_B tensors.</summary>
    private static long AdapterFloatBytes(string adapterFolder)
    {
        Dictionary<string, Tensor> adapter = SafeTensors.Load(Path.Combine(adapterFolder, "adapter_model.safetensors"));
        try
        {
            Assert.NotEmpty(adapter);
            return 4 * adapter.Values.Sum(t => t.numel());
        }
        finally { foreach (Tensor t in adapter.Values) t.Dispose(); }
    }

    private static long Bytes(Match m) => long.Parse(m.Groups["bytes"].Value.Replace(",", ""), System.Globalization.CultureInfo.InvariantCulture);

    [GeneratedRegex(@"worker w1: version (?<from>-?\d+) → (?<to>\d+) \((?<kind>\w+), (?<bytes>[\d,]+) bytes\)")]
    private static partial Regex Publish();
}
