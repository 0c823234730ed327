// Scoring 2,000 rows over three worker processes, one SIGKILLed midway: every row scored once, as one process scores it.
using System.Text.Json.Nodes;
using Hybrid.Cli.Tests;
using Hybrid.Rollout.Scoring;
using Xunit.Abstractions;

namespace Hybrid.Cluster.Tests;

/// <summary>
/// A reward model trained for one step by `hybrid reward` and exported; the reference scores come from this process's
/// own <see cref="RewardEnsemble"/> on the same export. Workers batch only their shard's texts, so a score may differ from
/// the one-process score in the last float bits (other batch compositions); the tolerance is 1e-5 on scores of order 1.
/// </summary>
public sealed class ClusterScoringTests(ITestOutputHelper output) : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hybrid-cluster-score-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task TwoThousandRowsOverThreeWorkersWithOneKilledScoreAsOneProcessDoes()
    {
        string export = RewardExport();
        string[] texts = Enumerable.Range(0, 2000).Select(i => $"question {i % 37}: how much is {i % 11} + {i % 7}? answer: {(i * 7919) % 23}").ToArray();
        float[] expected;
        using (IRewardScorer local = RewardEnsemble.Open([export])) expected = local.Score(texts).Scores;

        string membership = $"localhost:{RedisServer.FreePort()}";
        var log = new StringWriter();
        await using (ClusterDriver driver = await ClusterDriver.StartAsync(ClusterMembership.Parse(membership), TextWriter.Synchronized(log)))
        using (var workers = new WorkerProcesses(membership, Path.Combine(_root, "workers")))
        {
            foreach (string w in new[] { "w1", "w2", "w3" }) workers.Start(w);
            await driver.WaitForWorkersAsync(3, TimeSpan.FromSeconds(90));
            // w1 dies at the first shard any worker completes: 16 shards of 128 for 3 workers leave 13 queued then, so w1
            // (holding one, or about to take the next) fails a shard. Killing it after its own first shard instead left
            // nothing for it to fail when it was the slowest worker (a loaded machine): the others had taken the rest.
            int killed = 0;
            driver.ShardCompleted += worker =>
            {
                if (Interlocked.Exchange(ref killed, 1) == 0) workers.Kill("w1");
            };
            var progress = new List<int>();
            float[] scores = new ClusterScorer(driver, [export], new RewardScorerOptions()).Score(texts, done => { lock (progress) progress.Add(done); }).Scores;
            output.WriteLine(log.ToString());
            Assert.Equal(1, killed);
            Assert.Contains("worker w1 failed a shard", log.ToString());
            Assert.Equal(2000, progress.Max());                              // every row counted once: the shards add up exactly
            double maxDiff = expected.Zip(scores, (e, s) => Math.Abs(e - s)).Max();
            output.WriteLine($"max |cluster − one process| = {maxDiff:G3}");
            Assert.True(maxDiff <= 1e-5, $"max difference {maxDiff}");
        }

        // The same through the CLI: `hybrid score --cluster` writes the rows in input order with the same scores.
        string cliMembership = $"localhost:{RedisServer.FreePort()}";
        string rows = Path.Combine(_root, "rows.jsonl"), scored = Path.Combine(_root, "scored.jsonl");
        File.WriteAllLines(rows, texts.Take(300).Select((t, i) => new JsonObject { ["id"] = i, ["prompt"] = t, ["response"] = "ok" }.ToJsonString()));
        using (var workers = new WorkerProcesses(cliMembership, Path.Combine(_root, "cli-workers")))
        {
            workers.Start("c1");
            workers.Start("c2");
            var (code, stdout, stderr) = HybridProcess.Run("score", "--model", export, "--data", rows, "--out", scored, "--cluster", cliMembership, "--cluster-workers", "2");
            Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        }
        var (localCode, _, localErr) = HybridProcess.Run("score", "--model", export, "--data", rows, "--out", scored + ".local.jsonl");
        Assert.True(localCode == 0, localErr);
        JsonObject[] fromCluster = File.ReadAllLines(scored).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        JsonObject[] fromOne = File.ReadAllLines(scored + ".local.jsonl").Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        Assert.Equal(fromOne.Select(o => (int)o["id"]!), fromCluster.Select(o => (int)o["id"]!));
        Assert.All(fromOne.Zip(fromCluster), p => Assert.Equal((double)p.First["score"]!, (double)p.Second["score"]!, 1e-5));
    }

    private string RewardExport()
    {
        string model = Path.Combine(_root, "tiny"), rm = Path.Combine(_root, "rm"), export = Path.Combine(_root, "rm-export");
        string pairs = Path.Combine(_root, "pairs.jsonl");
        File.WriteAllLines(pairs, Enumerable.Range(0, 8).Select(i => new JsonObject { ["prompt"] = $"{i}+1=", ["chosen"] = $"{i + 1}", ["rejected"] = $"{i + 2}" }.ToJsonString()));
        Run("init-model", "--preset", "tiny", "--out", model);
        Run("reward", "--model", model, "--data", pairs, "--out", rm, "--max-steps", "1", "--batch-size", "2");
        Run("export", "--model", rm, "--out", export);
        return export;
    }

    private static void Run(params string[] args)
    {
        var (code, _, stderr) = HybridProcess.Run(args);
        if (code != 0) throw new InvalidOperationException($"hybrid {string.Join(' ', args)} failed ({code}): {stderr}");
    }
}
