// Rollouts over worker processes: every prompt exactly once, from the requested version, identical whoever ran it, after a SIGKILL too.
using System.Diagnostics;
using Hybrid.Cli.Tests;
using Hybrid.Models.Generation;
using Hybrid.Rollout;
using RolloutSample = Hybrid.Rollout.Rollout;

namespace Hybrid.Cluster.Tests;

/// <summary>
/// A `tiny` model made and exported by the CLI; the driver's silo in this process on localhost clustering; workers are
/// `hybrid worker` processes. The reference for every rollout is this process's own engine on the same export, asked for
/// one prompt at a time with that prompt's seed (<see cref="PromptSeeds"/>): what any worker must return for it.
/// </summary>
public sealed class ClusterRolloutTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("hybrid-cluster-").FullName;

    private static readonly SamplingParams Sampling = new() { Temperature = 1.0, MaxNewTokens = 24, Seed = 1234 };

    public void Dispose() => Directory.Delete(_root, recursive: true);

    [Fact]
    public async Task WorkersSampleEveryPromptOnceAsTheLocalEngineWouldAndSurviveAKilledWorker()
    {
        string export = Export();
        string membership = $"localhost:{RedisServer.FreePort()}";
        var log = new StringWriter();
        await using ClusterDriver driver = await ClusterDriver.StartAsync(ClusterMembership.Parse(membership), TextWriter.Synchronized(log));
        using var workers = new WorkerProcesses(membership, _root);
        workers.Start("w1");
        workers.Start("w2");
        Assert.Equal(["w1", "w2"], await driver.WaitForWorkersAsync(2, TimeSpan.FromSeconds(90)));

        // Version 0 travels as the whole folder, in chunks checked by SHA-256.
        await driver.PublishAsync(export, 0, VersionKind.Folder, []);
        var random = new Random(5);
        int[][] prompts = Enumerable.Range(0, 24).Select(_ => Enumerable.Range(0, 1 + random.Next(6)).Select(_ => 3 + random.Next(60)).ToArray()).ToArray();
        var request = new RolloutRequest { Prompts = prompts, SamplesPerPrompt = 3, Sampling = Sampling };
        using var local = new RolloutEngine(export);
        RolloutBatch expected = Reference(local, request);

        RolloutBatch both = await driver.GenerateAsync(request, promptsPerShard: 1);
        AssertSame(expected, both, version: 0);

        // A worker holding version 0 refuses a request for another version.
        var stale = await Assert.ThrowsAnyAsync<Exception>(() => driver.GenerateOnAsync("w1", request, version: 7));
        Assert.Contains("holds policy version 0", stale.Message);

        // SIGKILL w1 once it has finished a shard: its outstanding shard goes to w2, and the result is the same.
        var killed = new TaskCompletionSource();
        driver.ShardCompleted += worker =>
        {
            if (worker == "w1" && killed.TrySetResult()) workers.Kill("w1");
        };
        RolloutBatch afterKill = await driver.GenerateAsync(request, promptsPerShard: 1);
        Assert.True(killed.Task.IsCompleted, "w1 completed no shard before the batch ended");
        AssertSame(expected, afterKill, version: 0);
        Assert.Contains("worker w1 failed a shard", log.ToString());

        // A restarted worker joins late: it receives the current version (1, the whole folder) before its first shard.
        workers.Start("w3");
        await WaitUntil(async () => (await driver.LiveWorkersAsync()).SequenceEqual(["w2", "w3"]), TimeSpan.FromSeconds(90));
        await driver.PublishAsync(export, 1, VersionKind.Folder, []);
        RolloutBatch restarted = await driver.GenerateAsync(request, promptsPerShard: 2);
        AssertSame(expected, restarted, version: 1);
    }

    /// <summary>The rollouts the local engine gives prompt by prompt with each prompt's own seed.</summary>
    private static RolloutBatch Reference(RolloutEngine engine, RolloutRequest request)
    {
        var samples = new List<RolloutSample>();
        for (int p = 0; p < request.Prompts.Count; p++)
        {
            RolloutBatch one = engine.Generate(request with
            {
                Prompts = [request.Prompts[p]],
                Sampling = request.Sampling with { Seed = PromptSeeds.For(request.Sampling.Seed!.Value, p) },
            });
            samples.AddRange(one.Samples.Select(s => s with { PromptIndex = p }));
        }
        return new RolloutBatch { Samples = samples, SamplesPerPrompt = request.SamplesPerPrompt, PolicyVersion = 0 };
    }

    private static void AssertSame(RolloutBatch expected, RolloutBatch actual, long version)
    {
        Assert.Equal(version, actual.PolicyVersion);
        Assert.Equal(expected.Samples.Count, actual.Samples.Count);
        Assert.Equal(expected.Samples.Select(s => (s.PromptIndex, s.SampleIndex)), actual.Samples.Select(s => (s.PromptIndex, s.SampleIndex)));
        for (int i = 0; i < expected.Samples.Count; i++)
        {
            RolloutSample e = expected.Samples[i], a = actual.Samples[i];
            Assert.Equal(version, a.PolicyVersion);
            Assert.Equal(e.PromptIds, a.PromptIds);
            Assert.Equal(e.ResponseIds, a.ResponseIds);
            Assert.Equal(e.LogProbs, a.LogProbs);
            Assert.Equal(e.Finish, a.Finish);
        }
    }

    private string Export()
    {
        string model = Path.Combine(_root, "model"), export = Path.Combine(_root, "export");
        Run("init-model", "--preset", "tiny", "--out", model);
        Run("export", "--model", model, "--out", export);
        return export;
    }

    private static void Run(params string[] args)
    {
        var (code, _, stderr) = HybridProcess.Run(args);
        if (code != 0) throw new InvalidOperationException($"hybrid {string.Join(' ', args)} failed ({code}): {stderr}");
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > timeout) throw new TimeoutException($"condition not met within {timeout.TotalSeconds:F0} s");
            await Task.Delay(200);
        }
    }
}
