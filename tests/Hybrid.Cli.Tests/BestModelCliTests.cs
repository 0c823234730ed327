// --load-best-model-at-end through the real CLI: the model a run leaves is the checkpoint of its best evaluation (found here
// from metrics.jsonl), for sft, LoRA sft, dpo and reward; a killed run resumes to the same result; bad settings are one line.
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class BestModelCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "out-best-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>
    /// Held-out rows that training works against, so the held-out figures get worse as it goes on and the best evaluation is
    /// an early one: completions of signs where training puts digits (eval_loss 4.0 at the first evaluation, 5.8 at the
    /// last, measured), and pairs with chosen and rejected swapped.
    /// </summary>
    private string SftEval => Write("sft-eval.jsonl", Enumerable.Range(0, 16).Select(i => new JsonObject { ["prompt"] = $"{i}+1=", ["completion"] = "+=+=" }));

    private string PreferenceEval => Write("pref-eval.jsonl",
        Enumerable.Range(0, 16).Select(i => new JsonObject { ["prompt"] = $"{i}+1=", ["chosen"] = $"{i + 2}", ["rejected"] = $"{i + 1}" }));

    private string Write(string name, IEnumerable<JsonObject> rows)
    {
        string path = Path.Combine(f.Dir, name);
        if (!File.Exists(path)) File.WriteAllLines(path, rows.Select(r => r.ToJsonString()));
        return path;
    }

    private static void Ok((int ExitCode, string Stdout, string Stderr) r) => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\nstdout: {r.Stdout}\nstderr: {r.Stderr}");

    /// <summary>The step of the best value of <paramref name="metric"/> over the run's evaluation rows; the earliest of ties.</summary>
    private static (long Step, double Value, long LastStep) BestOf(string output, string metric, bool greater)
    {
        var rows = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject())
            .Where(r => r.ContainsKey(metric)).Select(r => ((long)r["step"]!, (double)r[metric]!)).ToList();
        (long step, double value) = rows[0];
        foreach (var (s, v) in rows.Skip(1))
            if (greater ? v > value : v < value) (step, value) = (s, v);
        return (step, value, rows[^1].Item1);
    }

    private static void AssertKeptTheBest(string output, string metric, bool greater, string weights, string stdout)
    {
        var (step, value, last) = BestOf(output, metric, greater);
        Assert.True(step < last, $"the best {metric} is the last evaluation's (step {step}), so this run cannot tell best from last");
        Assert.Equal(File.ReadAllBytes(Path.Combine(output, $"checkpoint-{step}", weights)), File.ReadAllBytes(Path.Combine(output, weights)));
        JsonObject final = JsonNode.Parse(File.ReadAllLines(Path.Combine(output, "metrics.jsonl"))[^1])!.AsObject();
        Assert.Equal(step, (long)final["best_global_step"]!);
        Assert.Equal(value, (double)final["best_metric"]!);
        Assert.Contains($"the model saved is step {step}'s, the best {metric}", stdout);
        Assert.Empty(Directory.GetDirectories(output, "best-model-*"));                                    // removed once published
        Assert.DoesNotContain(Directory.GetFileSystemEntries(output, ".*"), e => !e.EndsWith(".hybrid.lock", StringComparison.Ordinal)); // no staging left
    }

    [Theory]
    [InlineData("full", "model.safetensors")]
    [InlineData("lora", "adapter_model.safetensors")]
    public void SftKeepsTheCheckpointOfItsLowestEvalLoss(string kind, string weights)
    {
        string output = Out("sft-" + kind);
        string[] lora = kind == "lora" ? ["--lora-r", "4", "--lora-alpha", "16", "--lora-target-modules", "all-linear"] : [];
        var run = HybridProcess.Run(["sft", "--model", f.Model, "--data", f.SftData, "--eval-data", SftEval, "--out", output, "--lr", "1e-2",
            "--max-steps", "48", "--batch-size", "4", "--eval-steps", "4", "--save-steps", "4", "--load-best-model-at-end", "--seed", "1", .. lora]);
        Ok(run);
        AssertKeptTheBest(output, "eval_loss", greater: false, weights, run.Stdout);
    }

    [Fact]
    public void DpoKeepsTheCheckpointOfItsLowestEvalLoss()
    {
        string output = Out("dpo");
        var run = HybridProcess.Run("dpo", "--model", f.Model, "--data", f.PreferenceData, "--eval-data", PreferenceEval, "--out", output, "--lr", "1e-2",
            "--max-steps", "30", "--batch-size", "4", "--eval-steps", "3", "--save-steps", "3", "--load-best-model-at-end", "--seed", "1");
        Ok(run);
        AssertKeptTheBest(output, "eval_loss", greater: false, "model.safetensors", run.Stdout);
    }

    [Fact]
    public void RewardWithAnAccuracyMetricKeepsTheCheckpointOfItsHighest()
    {
        string output = Out("reward");
        var run = HybridProcess.Run("reward", "--model", f.Model, "--data", f.PreferenceData, "--eval-data", PreferenceEval, "--out", output, "--lr", "1e-2",
            "--max-steps", "30", "--batch-size", "4", "--eval-steps", "3", "--save-steps", "3", "--load-best-model-at-end",
            "--metric-for-best-model", "margin", "--seed", "1");   // "eval_" may be left out; not a loss, so larger is better
        Ok(run);
        AssertKeptTheBest(output, "eval_margin", greater: true, "model.safetensors", run.Stdout);
    }

    [Fact]
    public void ARunKilledAfterItsBestEvaluationResumesToTheSameModel()
    {
        string[] Sft(string output, params string[] extra) =>
            ["sft", "--model", f.Model, "--data", f.SftData, "--eval-data", SftEval, "--out", output, "--lr", "1e-2", "--max-steps", "48",
             "--batch-size", "4", "--eval-steps", "4", "--save-steps", "4", "--load-best-model-at-end", "--seed", "1", .. extra];
        string whole = Out("whole");
        Ok(HybridProcess.Run(Sft(whole)));
        var (best, _, last) = BestOf(whole, "eval_loss", greater: false);
        Assert.True(best + 4 < last, $"the best evaluation is at step {best} of {last}: too late to kill the run after it");

        // Killed once a checkpoint after the best evaluation exists, then resumed from its latest checkpoint.
        string killed = Out("killed");
        Assert.True(HybridProcess.RunAndKillWhen(() => Directory.Exists(Path.Combine(killed, $"checkpoint-{best + 4}")), TimeSpan.Zero, Sft(killed)),
            "the run finished before the kill");
        Assert.NotEmpty(Directory.GetDirectories(killed, "best-model-*"));
        long latest = Directory.GetDirectories(killed, "checkpoint-*").Select(d => Path.GetFileName(d)["checkpoint-".Length..])
            .Where(s => s.All(char.IsDigit)).Select(long.Parse).Max();
        Assert.True(latest >= best);
        var resumed = HybridProcess.Run(Sft(killed, "--resume-from", Path.Combine(killed, $"checkpoint-{latest}")));
        Ok(resumed);

        Assert.Equal(File.ReadAllBytes(Path.Combine(whole, "model.safetensors")), File.ReadAllBytes(Path.Combine(killed, "model.safetensors")));
        Assert.Contains($"the model saved is step {best}'s", resumed.Stdout);
    }

    [Theory]
    [InlineData("error: --load-best-model-at-end True: needs --eval-data (held-out rows) and --eval-steps > 0 (how often to evaluate) to have evaluations to choose from",
        "sft", "--eval-steps", "2")]
    [InlineData("error: --load-best-model-at-end True: needs --eval-data (held-out rows) and --eval-steps > 0 (how often to evaluate) to have evaluations to choose from",
        "sft", "--eval-data", "SFT")]
    [InlineData("error: --metric-for-best-model accuracy: this trainer's evaluations log eval_loss, eval_mean_token_accuracy",
        "sft", "--eval-data", "SFT", "--eval-steps", "2", "--metric-for-best-model", "accuracy")]
    [InlineData("error: --metric-for-best-model eval_mean_token_accuracy: this trainer's evaluations log eval_loss, eval_accuracy, eval_margin, eval_min_reward, eval_mean_reward, eval_max_reward",
        "reward", "--eval-data", "PREF", "--eval-steps", "2", "--metric-for-best-model", "eval_mean_token_accuracy")]
    [InlineData("error: --metric-for-best-model accuracy: this run's evaluations log eval_logps/chosen, eval_logps/rejected, eval_loss, eval_preference_accuracy, " +
                "eval_preference_margin, eval_rewards/accuracies, eval_rewards/chosen, eval_rewards/margins, eval_rewards/rejected",
        "dpo", "--eval-data", "PREF", "--eval-steps", "2", "--metric-for-best-model", "accuracy")]
    public void ABadSettingIsOneErrorLineAndNothingIsWritten(string expected, string command, params string[] flags)
    {
        string output = Out("bad");
        string data = command == "sft" ? f.SftData : f.PreferenceData;
        string[] resolved = flags.Select(a => a == "SFT" ? SftEval : a == "PREF" ? PreferenceEval : a).ToArray();
        var (code, stdout, stderr) = HybridProcess.Run([command, "--model", f.Model, "--data", data, "--out", output, "--max-steps", "4",
            "--load-best-model-at-end", .. resolved]);
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Equal(expected, Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(Directory.Exists(output), "a refused run created its output folder");
    }
}
