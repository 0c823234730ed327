// `hybrid rl --micro-batch-size` through the real CLI: a micro-batched run trains and records the setting; a bad size is one error line.
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class MicroBatchCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "out-micro-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    private string[] Rl(string output, string preset, params string[] extra) =>
        ["rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--preset", preset, "--group-size", "4",
         "--prompts-per-iteration", "2", "--max-new-tokens", "4", "--iterations", "2", .. extra];

    [Fact]
    public void AMicroBatchedRunTrainsAndRecordsTheSize()
    {
        string output = Out("run");
        var (code, stdout, stderr) = HybridProcess.Run(Rl(output, "grpo", "--micro-batch-size", "3"));  // 8 samples → 3 + 3 + 2
        Assert.True(code == 0, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        JsonObject[] rows = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        Assert.Equal(2, rows.Length);
        Assert.All(rows, r => Assert.True(double.IsFinite((double)r["actor/pg_loss"]!) && (double)r["actor/grad_norm"]! > 0));
        JsonObject resolved = JsonNode.Parse(File.ReadAllText(Path.Combine(output, "run_config.json")))!.AsObject();
        Assert.Equal(3, (int)resolved["micro-batch-size"]!);
    }

    [Theory]
    [InlineData("grpo", "0", "--micro-batch-size 0: must be >= 1 (sequences per forward/backward pass)")]
    [InlineData("gvpo", "6", "--micro-batch-size 6: gvpo centres each prompt's group of 4 responses inside its loss, so a micro-batch must hold whole groups; use a multiple of 4")]
    public void ABadSizeIsOneErrorLineAndNothingIsWritten(string preset, string size, string expected)
    {
        string output = Out("bad");
        var (code, stdout, stderr) = HybridProcess.Run(Rl(output, preset, "--micro-batch-size", size));
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("error: " + expected, line);
        Assert.False(Directory.Exists(output), "a refused run created its output folder");
    }
}
