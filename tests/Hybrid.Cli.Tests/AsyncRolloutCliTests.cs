// `hybrid rl --async-rollout` through the real CLI: the run logs its staleness per iteration; a bad --max-staleness is one error line.
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class AsyncRolloutCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "out-async-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    private string[] Rl(string output, params string[] extra) =>
        ["rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--preset", "grpo", "--group-size", "2",
         "--prompts-per-iteration", "2", "--max-new-tokens", "4", "--iterations", "3", .. extra];

    [Fact]
    public void AsyncRolloutRunsAndLogsTheStalenessOfEveryIteration()
    {
        string output = Out("run");
        var (code, stdout, stderr) = HybridProcess.Run(Rl(output, "--async-rollout"));
        Assert.True(code == 0, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        JsonObject[] rows = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        Assert.Equal(3, rows.Length);
        Assert.Equal([0.0, 1.0, 1.0], rows.Select(r => (double)r["async/staleness"]!));  // the default bound 1, reached from iteration 2
        foreach (JsonObject r in rows)
            Assert.Equal((double)r["policy_version"]! - 1 - (double)r["async/staleness"]!, (double)r["policy/rollout_version"]!);
        Assert.All(rows.Skip(1), r => Assert.True(r.ContainsKey("timing_s/gen_overlapped")));
        Assert.True(File.Exists(Path.Combine(output, "model", "model.safetensors")));
    }

    [Theory]
    [InlineData("--max-staleness 1: bounds the lag of overlapped rollouts only; also set --async-rollout", "--max-staleness", "1")]
    [InlineData("--max-staleness -1: must be >= 0 (0 = no overlap, 1 = one-step off-policy)", "--async-rollout", "--max-staleness", "-1")]
    public void ABadStalenessBoundIsOneErrorLineAndNothingIsWritten(string expected, params string[] flags)
    {
        string output = Out("bad");
        var (code, stdout, stderr) = HybridProcess.Run(Rl(output, flags));
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("error: " + expected, line);
        Assert.False(Directory.Exists(output), "a refused run created its output folder");
    }
}
