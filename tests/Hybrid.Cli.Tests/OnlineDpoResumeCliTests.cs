// `hybrid online-dpo --save-steps / --resume-from` through the real CLI: a run killed after a checkpoint and resumed from
// it ends with the uninterrupted run's weights and metrics (the initial policy as π_ref, and LoRA with dropout and the
// previous iterate as π_ref); a checkpoint that does not fit the run is one error line.
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class OnlineDpoResumeCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "out-odpo-resume-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>Three held-out prompts: eval/reward and eval/win_rate against the initial policy's answers every iteration.</summary>
    private string EvalPrompts()
    {
        string path = Path.Combine(f.Dir, "odpo-eval.jsonl");
        File.WriteAllLines(path, Enumerable.Range(20, 3).Select(i => JsonSerializer.Serialize(new { prompt = $"{i}+1=", answer = $"{i + 1}" })));
        return path;
    }

    /// <summary>
    /// <c>hybrid online-dpo</c> with these settings unless <paramref name="flags"/> gives its own (partial_credit varies
    /// between a prompt's answers on the tiny model, so pairs form and every iteration updates).
    /// </summary>
    private string[] OnlineDpo(string output, params string[] flags)
    {
        var settings = new Dictionary<string, List<string>>
        {
            ["--model"] = [f.Model], ["--data"] = [f.Prompts], ["--eval-data"] = [EvalPrompts()], ["--out"] = [output], ["--reward"] = ["partial_credit"],
            ["--samples-per-prompt"] = ["4"], ["--prompts-per-iteration"] = ["3"], ["--max-new-tokens"] = ["6"], ["--iterations"] = ["6"], ["--batch-size"] = ["2"],
            ["--lr"] = ["1e-2"], ["--seed"] = ["3"], ["--save-steps"] = ["2"],
        };
        string? flag = null;
        foreach (string a in flags)
            if (a.StartsWith("--", StringComparison.Ordinal) && !char.IsAsciiDigit(a.ElementAtOrDefault(2))) settings[flag = a] = [];
            else settings[flag!].Add(a);
        return ["online-dpo", .. settings.Where(kv => kv.Value is not ["(none)"]).SelectMany(kv => kv.Value.Prepend(kv.Key))];
    }

    private static double Sum(string output, string key) =>
        File.ReadAllLines(Path.Combine(output, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!.AsObject()).Sum(r => r[key] is JsonNode n ? (double)n : 0);

    [Fact]
    public void WithTheInitialPolicyAsReferenceItResumesExactly()
    {
        string whole = Out("full-whole");
        // The prompt cursor crosses an epoch (8 prompts, 3 per iteration), the pairs are shuffled, eval/win_rate compares
        // with the initial answers the checkpoint carries.
        _ = KilledRun.ResumedEqualsUninterrupted(o => OnlineDpo(o), whole, Out("full-killed"), "model.safetensors", ["checkpoint-2", "checkpoint-4"]);
        Assert.True(Sum(whole, "pairs/count") >= 6, "too few preference pairs: the run would not test the update");
        Assert.Equal(6, Sum(whole, "policy/version") - Sum(whole, "policy/rollout_version"));   // one sync per iteration
        JsonNode state = JsonNode.Parse(File.ReadAllText(Path.Combine(whole, "checkpoint-2", "online_dpo_state.json")))!;
        Assert.Equal(3, state["eval_baseline"]!.AsArray().Count);
        Assert.Equal(2L, (long)state["policy_version"]!);
    }

    [Fact]
    public void LoraWithDropoutAndThePreviousIterateAsReferenceResumesExactly() =>
        // The checkpoint holds only the adapters; dropout draws from libtorch's generator; π_ref is refreshed every iteration.
        _ = KilledRun.ResumedEqualsUninterrupted(o => OnlineDpo(o, "--reference", "PreviousIterate", "--lora-r", "4", "--lora-alpha", "8", "--lora-dropout", "0.1",
            "--lora-target-modules", "all-linear"), Out("lora-whole"), Out("lora-killed"), "adapter_model.safetensors", ["checkpoint-2", "checkpoint-4"]);

    [Fact]
    public void ACheckpointThatDoesNotFitTheRunIsOneErrorLine()
    {
        string run = Out("source");
        KilledRun.Ok(HybridProcess.Run(OnlineDpo(run, "--iterations", "5", "--save-total-limit", "1")));
        Assert.Equal(["checkpoint-4"], Directory.GetDirectories(run, "checkpoint-*").Select(Path.GetFileName));   // checkpoint-2 pruned
        string checkpoint = Path.Combine(run, "checkpoint-4");
        void Refused(string expected, params string[] flags)
        {
            string output = Out("refused");
            KilledRun.Refused(output, expected, OnlineDpo(output, [.. flags]));
        }
        Refused($"--resume-from {checkpoint}: the checkpoint was made with --loss sigmoid --reference Initial for 5 iterations with seed 3; " +
                "this run has --loss ipo --reference Initial, 5 iterations and seed 3; resume with the same settings",
            "--iterations", "5", "--loss", "ipo", "--resume-from", checkpoint);
        Refused($"--resume-from {checkpoint}: the checkpoint was made with --loss sigmoid --reference Initial for 5 iterations with seed 3; " +
                "this run has --loss sigmoid --reference Initial, 6 iterations and seed 3; resume with the same settings",
            "--resume-from", checkpoint);
        Refused($"--resume-from {checkpoint}: the checkpoint was made with --eval-data and this run has none; resume with the same --eval-data",
            "--iterations", "5", "--eval-data", "(none)", "--resume-from", checkpoint);
        Refused($"--resume-from {checkpoint}: the checkpoint holds full weights; resume without --lora-r", "--iterations", "5", "--lora-r", "4", "--resume-from", checkpoint);
        Refused($"--resume-from {f.Model}: {Path.Combine(f.Model, "online_dpo_state.json")}: not found; --resume-from takes a checkpoint-{{iteration}} folder written by hybrid online-dpo --save-steps",
            "--iterations", "5", "--resume-from", f.Model);
        Refused($"--resume-from {Path.Combine(run, "checkpoint-9")}: no such folder", "--iterations", "5", "--resume-from", Path.Combine(run, "checkpoint-9"));
        Refused("--save-steps -1: must be ≥ 0 (0: the final model only)", "--save-steps", "-1");
        Refused("--save-total-limit 0: must be >= 1 (the newest checkpoints kept; leave it out to keep every one)", "--save-total-limit", "0");
    }
}
