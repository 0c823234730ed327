// `hybrid rl`'s preset overrides (--beta, --epsilon-high, --loss-aggregation, --filters, --overlong-cache, …) through the real CLI:
// one preset given the other's values trains exactly as the other; a bad value is one error line naming the flag.
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class RlPresetFlagsCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "out-preset-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>
    /// partial_credit varies within a group on the tiny model's outputs, so there is something to learn and to filter; four
    /// epochs at lr 1e-2 move the ratio past both clip ranges (pg_clipfrac 0.27–0.61 here), so ε_high matters.
    /// </summary>
    private (string Weights, JsonObject[] Rows) Train(string name, params string[] flags)
    {
        string output = Out(name);
        var (code, stdout, stderr) = HybridProcess.Run(["rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--reward", "partial_credit",
            "--group-size", "4", "--prompts-per-iteration", "4", "--max-new-tokens", "4", "--iterations", "2", "--lr", "1e-2", "--epochs", "4", "--seed", "3", .. flags]);
        Assert.True(code == 0, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        JsonObject[] rows = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).ToArray();
        return (Path.Combine(output, "model", "model.safetensors"), rows);
    }

    /// <summary>The logged values that do not depend on the clock.</summary>
    private static string[] Untimed(JsonObject row) =>
        row.Where(kv => !kv.Key.StartsWith("timing_", StringComparison.Ordinal) && !kv.Key.StartsWith("perf/", StringComparison.Ordinal))
           .Select(kv => kv.Key + "=" + kv.Value!.ToJsonString()).ToArray();

    [Fact]
    public void EachPresetGivenTheOthersValuesTrainsExactlyAsTheOther()
    {
        var grpo = Train("grpo", "--preset", "grpo");
        var dapo = Train("dapo", "--preset", "dapo");
        Assert.NotEqual(File.ReadAllBytes(grpo.Weights), File.ReadAllBytes(dapo.Weights));   // the two recipes do differ here
        Assert.Contains(dapo.Rows, r => (double)r["batch/dropped_groups"]! > 0);              // and the filter had groups to drop

        var dapoAsGrpo = Train("dapo-as-grpo", "--preset", "dapo", "--beta", "0.04", "--epsilon-high", "0.2",
            "--loss-aggregation", "seq_mean_token_mean", "--filters", "none", "--overlong-cache", "0");
        Assert.True(dapoAsGrpo.Rows[0].ContainsKey("actor/kl_loss"));   // the KL term and the reference model came back with β
        Assert.Equal(grpo.Rows.Select(Untimed), dapoAsGrpo.Rows.Select(Untimed));
        Assert.Equal(File.ReadAllBytes(grpo.Weights), File.ReadAllBytes(dapoAsGrpo.Weights));

        // DAPO's overlong window fitted to 4 new tokens: L_max 4, L_cache ⌈4 · 4096 / 20480⌉ = 1.
        var grpoAsDapo = Train("grpo-as-dapo", "--preset", "grpo", "--beta", "0", "--epsilon-high", "0.28",
            "--loss-aggregation", "token_mean", "--filters", "dynamic_sampling", "--overlong-cache", "1");
        Assert.False(grpoAsDapo.Rows[0].ContainsKey("timing_s/ref"));   // β = 0: no reference model
        Assert.Equal(dapo.Rows.Select(Untimed), grpoAsDapo.Rows.Select(Untimed));
        Assert.Equal(File.ReadAllBytes(dapo.Weights), File.ReadAllBytes(grpoAsDapo.Weights));
    }

    [Fact]
    public void FiltersNoneTurnsDynamicSamplingOff()
    {
        var run = Train("no-ds", "--preset", "dapo", "--filters", "none");
        Assert.All(run.Rows, r => Assert.Equal(1.0, (double)r["batch/generation_rounds"]!));
        Assert.All(run.Rows, r => Assert.Equal(0.0, (double)r["batch/dropped_groups"]!));
        JsonObject resolved = JsonNode.Parse(File.ReadAllText(Path.Combine(Path.GetDirectoryName(Path.GetDirectoryName(run.Weights))!, "run_config.json")))!.AsObject();
        Assert.Equal(["none"], resolved["filters"]!.AsArray().Select(n => (string)n!));
    }

    [Theory]
    [InlineData("--beta -1: β must be ≥ 0 (preset grpo)", "--beta", "-1")]
    [InlineData("--loss-aggregation mean: choose one of seq_mean_token_mean, seq_mean_token_sum, seq_mean_token_sum_norm, token_mean (preset grpo)",
        "--loss-aggregation", "mean")]
    [InlineData("--filters dynamic: choose from dynamic_sampling, reinforce_rej, reward_variance (preset grpo)", "--filters", "dynamic")]
    [InlineData("--filters none dynamic_sampling: 'none' clears the preset's filters and cannot be combined with others", "--filters", "none", "dynamic_sampling")]
    [InlineData("--overlong-cache 5: must lie in [0, --max-new-tokens = 4] (0 = no overlong punishment)", "--overlong-cache", "5")]
    [InlineData("--tis-cap 0.5: the truncated-IS cap C must be ≥ 1 (default 2) (preset grpo)", "--tis-cap", "0.5")]
    [InlineData("--epsilon 0.1: policy loss 'reinforce' does not take a clip range; the losses that do: gmpo, gspo, ppo_clip, raft_pp (preset remax)",
        "--preset", "remax", "--epsilon", "0.1")]
    [InlineData("--group-size 1: group baselines, group losses and group filters need at least 2 responses per prompt (e.g. 8) (preset remax)",
        "--preset", "remax", "--filters", "dynamic_sampling")]
    [InlineData("--epochs 0: μ must be ≥ 1 (GRPO 1, PPO 4) (preset grpo)", "--epochs", "0")]
    [InlineData("--preset grpo2: unknown RL preset; known: dapo, dr_grpo, ghpo, gmpo, grpo, grpo_lambda, gspo, gvpo, ppo, raft, raft_pp, reinforce_pp, reinforce_rej, remax, rloo",
        "--preset", "grpo2")]
    public void ABadOverrideIsOneErrorLineNamingTheFlag(string expected, params string[] flags)
    {
        string output = Out("bad");
        string[] group = flags.Contains("remax") ? [] : ["--group-size", "4"];
        var (code, stdout, stderr) = HybridProcess.Run(["rl", "--model", f.Model, "--data", f.Prompts, "--out", output,
            "--max-new-tokens", "4", "--iterations", "1", .. group, .. flags]);
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        string line = Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal("error: " + expected, line);
        Assert.False(Directory.Exists(output), "a refused run created its output folder");
    }
}
