// `hybrid online-dpo --load-best-model-at-end`: of the evaluations after each iteration, the best eval/reward's model is
// the one saved — byte for byte the checkpoint of the iteration the test finds best in metrics.jsonl — also after a kill
// and a resume; without --eval-data it is one error line.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class OnlineDpoBestModelCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "out-best-odpo-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    private string EvalPrompts()
    {
        string path = Path.Combine(f.Dir, "eval-best-odpo.jsonl");
        if (!File.Exists(path))
            File.WriteAllLines(path, Enumerable.Range(20, 3).Select(i => JsonSerializer.Serialize(new { prompt = $"{i}+1=", answer = $"{i + 1}" })));
        return path;
    }

    /// <summary>
    /// At seed 5 the evaluations after iterations 1–6 peak at iteration 3 and every later one is lower, so keeping the
    /// last weights, or losing the best across a resume from checkpoint-3, would save another model.
    /// </summary>
    private string[] OnlineDpo(string output, string saveSteps) =>
        ["online-dpo", "--model", f.Model, "--data", f.Prompts, "--eval-data", EvalPrompts(), "--out", output, "--reward", "partial_credit",
         "--samples-per-prompt", "4", "--prompts-per-iteration", "3", "--max-new-tokens", "6", "--iterations", "6", "--batch-size", "2", "--lr", "1e-2",
         "--seed", "5", "--save-steps", saveSteps, "--load-best-model-at-end"];

    /// <summary>The best evaluation after an iteration (step 0, the initial policy's, is no candidate), found here from metrics.jsonl, and the logged best row.</summary>
    private static ((int Step, double Reward) Best, List<(int Step, double Reward)> Evaluations, JsonNode Row) Read(string output)
    {
        var rows = File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        List<(int Step, double Reward)> evaluations = rows.Where(r => r["eval/reward"] is not null && (int)r["step"]! > 0).Select(r => ((int)r["step"]!, (double)r["eval/reward"]!)).ToList();
        var best = evaluations[0];
        foreach (var e in evaluations.Skip(1)) if (e.Reward > best.Reward) best = e;   // a tie keeps the earlier model
        return (best, evaluations, Assert.Single(rows, r => r["best_global_step"] is not null));
    }

    [Fact]
    public void TheSavedModelIsTheBestEvaluatedOne()
    {
        string output = Out("full");
        var (code, stdout, stderr) = HybridProcess.Run(OnlineDpo(output, "1"));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        var (best, evaluations, row) = Read(output);
        Assert.Equal([1, 2, 3, 4, 5, 6], evaluations.Select(e => e.Step));
        Assert.True(best.Step == 3 && evaluations.Skip(3).All(e => e.Reward < best.Reward), string.Join(", ", evaluations));
        Assert.Equal(best.Step, (int)row["best_global_step"]!);
        Assert.Equal(best.Reward, (double)row["best_metric"]!);
        Assert.Equal(File.ReadAllBytes(Path.Combine(output, "checkpoint-3", "model.safetensors")), File.ReadAllBytes(Path.Combine(output, "model.safetensors")));
        Assert.NotEqual(File.ReadAllBytes(Path.Combine(output, "checkpoint-5", "model.safetensors")), File.ReadAllBytes(Path.Combine(output, "model.safetensors")));
        Assert.Contains($"kept the best eval/reward {best.Reward:F4} (iteration 3)", stdout);
        Assert.Empty(Directory.GetDirectories(output, "best-model-*"));
    }

    [Fact]
    public void AKilledAndResumedRunKeepsTheSameBestModel()
    {
        // The only checkpoint is iteration 3's, the best's: the resumed run must carry best-model-3 over.
        string whole = Out("whole");
        _ = KilledRun.ResumedEqualsUninterrupted(o => OnlineDpo(o, "3"), whole, Out("killed"), "model.safetensors", ["checkpoint-3"]);
        Assert.Equal(3, Read(whole).Best.Step);
    }

    [Fact]
    public void WithoutEvalDataItIsOneErrorLine()
    {
        string output = Out("refused");
        KilledRun.Refused(output, "--load-best-model-at-end: needs --eval-data, the held-out prompts whose best evaluation is kept",
            ["online-dpo", "--model", f.Model, "--data", f.Prompts, "--out", output, "--load-best-model-at-end"]);
    }
}
