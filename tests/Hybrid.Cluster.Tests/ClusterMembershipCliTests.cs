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

    private string Out(string name) => Path.Combine(_root, "out-" + name);

    private static void Refused(string[] args, string expected)
    {
        var (code, stdout, stderr) = HybridProcess.Run(args);
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.StartsWith(expected, line);
    }
}
