// `hybrid rl --eval-steps N --load-best-model-at-end`: the held-out greedy reward every N iterations (and after the last)
// is logged as eval/reward, and the saved model is the one of the best evaluation — byte for byte the checkpoint of the
// iteration the test finds best in metrics.jsonl — also after a kill and a resume; incomplete settings are one error line.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class RlBestModelCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "out-best-rl-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Six held-out prompts unlike the training ones ("i+2=").</summary>
    private string EvalPrompts()
    {
        string path = Path.Combine(f.Dir, "eval-best-rl.jsonl");
        if (!File.Exists(path))
            File.WriteAllLines(path, Enumerable.Range(0, 6).Select(i => JsonSerializer.Serialize(new { prompt = $"{i}+2=", answer = $"{i + 2}" })));
        return path;
    }

    private string[] Rl(string output, params string[] extra) =>
        ["rl", "--model", f.Model, "--data", f.Prompts, "--eval-data", EvalPrompts(), "--out", output, "--reward", "partial_credit", "--group-size", "4",
         "--prompts-per-iteration", "4", "--max-new-tokens", "6", "--iterations", "6", "--lr", "1e-2", "--eval-steps", "1",
         "--load-best-model-at-end", .. extra, .. extra.Contains("--seed") ? Array.Empty<string>() : ["--seed", "3"]];

    /// <summary>Each iteration's eval/reward from metrics.jsonl, in order, and the row naming the kept evaluation.</summary>
    private static (List<(int Step, double Reward)> Evaluations, JsonNode Best) Read(string output)
    {
        var rows = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        var evaluations = rows.Where(r => r["eval/reward"] is not null).Select(r => ((int)r["step"]!, (double)r["eval/reward"]!)).ToList();
        return (evaluations, Assert.Single(rows, r => r["best_global_step"] is not null));
    }

    /// <summary>The first iteration with the highest eval/reward (a tie keeps the earlier model), found here from the log.</summary>
    private static (int Step, double Reward) Best(List<(int Step, double Reward)> evaluations)
    {
        var best = evaluations[0];
        foreach (var e in evaluations.Skip(1)) if (e.Reward > best.Reward) best = e;
        return best;
    }

    private void KeepsTheBestEvaluatedModel(string name, string weights, params string[] extra)
    {
        string output = Out(name);
        var (code, stdout, stderr) = HybridProcess.Run(Rl(output, ["--save-steps", "1", .. extra]));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var (evaluations, row) = Read(output);
        Assert.Equal([1, 2, 3, 4, 5, 6], evaluations.Select(e => e.Step));
        var (step, reward) = Best(evaluations);
        // The setting is chosen so that the comparison means something: the rewards differ and the last is not the best.
        Assert.True(step < 6, $"the last evaluation is the best ({string.Join(", ", evaluations)}): nothing to choose");
        Assert.Equal(step, (int)row["best_global_step"]!);
        Assert.Equal(reward, (double)row["best_metric"]!);
        Assert.Equal(File.ReadAllBytes(Path.Combine(output, $"checkpoint-{step}", weights)), File.ReadAllBytes(Path.Combine(output, "model", weights)));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(output, "checkpoint-5", weights)), File.ReadAllBytes(Path.Combine(output, "model", weights)));
        Assert.Contains($"kept the best eval/reward {reward:F3} (iteration {step})", stdout);
        Assert.Empty(Directory.GetDirectories(output, "best-model-*"));
        Assert.Empty(Directory.GetDirectories(output, ".*"));
    }

    [Fact]
    public void TheSavedModelIsTheBestEvaluatedOne() => KeepsTheBestEvaluatedModel("full", "model.safetensors");

    [Fact]
    public void UnderLoraTheSavedAdapterIsTheBestEvaluatedOne() =>
        KeepsTheBestEvaluatedModel("lora", "adapter_model.safetensors", "--lora-r", "4", "--lora-alpha", "8", "--lora-target-modules", "all-linear");

    [Fact]
    public void AKilledAndResumedRunKeepsTheSameBestModel()
    {
        // The best evaluation up to the checkpoint carries over in its best-model folder; later ones are evaluated again.
        // At seed 8 the best is iteration 2's and every later one is worse, so a resumed run that lost it would keep another.
        string whole = Out("whole");
        _ = KilledRun.ResumedEqualsUninterrupted(output => Rl(output, "--save-steps", "2", "--seed", "8"), whole, Out("killed"),
            Path.Combine("model", "model.safetensors"), ["checkpoint-2", "checkpoint-4"]);
        var (evaluations, row) = Read(whole);
        Assert.Equal(2, Best(evaluations).Step);
        Assert.Equal(2, (int)row["best_global_step"]!);
        Assert.True(evaluations.Skip(2).All(e => e.Reward < evaluations[1].Reward), string.Join(", ", evaluations));
    }

    [Fact]
    public void IncompleteEvaluationSettingsAreOneErrorLine()
    {
        string output = Out("refused");
        string[] all = Rl(output);
        int at = Array.IndexOf(all, "--eval-steps");
        string[] noEvalSteps = [.. all[..at], .. all[(at + 2)..]];
        KilledRun.Refused(output, "--load-best-model-at-end: needs --eval-data and --eval-steps N, the evaluations whose best model is kept", noEvalSteps);
        KilledRun.Refused(output, "--eval-steps 2: needs --eval-data, the held-out prompts to evaluate",
            ["rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--eval-steps", "2"]);
        KilledRun.Refused(output, "--eval-steps -1: must be >= 0 (0: evaluate before and after only)",
            ["rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--eval-steps", "-1"]);
    }
}
