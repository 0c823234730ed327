// `hybrid rl --save-steps / --resume-from` through the real CLI: a run killed after a checkpoint and resumed from it ends
// with the uninterrupted run's weights and metrics, for full fine-tuning with a KL reference, LoRA with dynamic sampling,
// and PPO's critic with its adaptive β; a checkpoint that does not fit the run is one error line.
using System.Text.Json.Nodes;

namespace Hybrid.Cli.Tests;

public sealed class RlResumeCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "out-resume-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    /// <summary>
    /// <c>hybrid rl</c> with these settings unless <paramref name="flags"/> gives its own (partial_credit varies within a
    /// group on the tiny model, so every iteration has something to update).
    /// </summary>
    private string[] Rl(string output, params string[] flags)
    {
        var settings = new Dictionary<string, List<string>>
        {
            ["--model"] = [f.Model], ["--data"] = [f.Prompts], ["--out"] = [output], ["--reward"] = ["partial_credit"], ["--group-size"] = ["4"],
            ["--prompts-per-iteration"] = ["4"], ["--max-new-tokens"] = ["6"], ["--iterations"] = ["8"], ["--lr"] = ["1e-2"], ["--seed"] = ["3"], ["--save-steps"] = ["2"],
        };
        string? flag = null;
        foreach (string a in flags)
            if (a.StartsWith("--", StringComparison.Ordinal) && !char.IsAsciiDigit(a.ElementAtOrDefault(2))) settings[flag = a] = [];
            else settings[flag!].Add(a);
        return ["rl", .. settings.SelectMany(kv => kv.Value.Prepend(kv.Key))];
    }

    /// <summary>The run killed after its first checkpoint and resumed from the newest one ends as the uninterrupted run (<see cref="KilledRun"/>).</summary>
    private void KilledAndResumedEqualsUninterrupted(string name, string weights, params string[] flags) =>
        _ = KilledRun.ResumedEqualsUninterrupted(output => Rl(output, flags), Out(name + "-whole"), Out(name + "-killed"), Path.Combine("model", weights),
            ["checkpoint-2", "checkpoint-4", "checkpoint-6"]);

    [Fact]
    public void GrpoWithItsKlReferenceResumesExactly() =>
        KilledAndResumedEqualsUninterrupted("grpo", "model.safetensors", "--preset", "grpo");

    [Fact]
    public void LoraDapoWithDynamicSamplingResumesExactly() =>
        // The checkpoint holds only the adapters; dynamic sampling moves the prompt cursor by a varying amount per iteration.
        KilledAndResumedEqualsUninterrupted("lora-dapo", "adapter_model.safetensors", "--preset", "dapo", "--lora-r", "4", "--lora-alpha", "8",
            "--lora-dropout", "0.1", "--lora-target-modules", "all-linear");

    [Fact]
    public void LoraGrpoOverABf16BaseWithItsKlReferenceResumesExactly() =>
        // π_ref of the resumed run is the base as the policy holds it (rounded to bf16), as the uninterrupted run's was.
        KilledAndResumedEqualsUninterrupted("lora-grpo-bf16", "adapter_model.safetensors", "--preset", "grpo", "--lora-r", "4", "--lora-alpha", "8",
            "--lora-bf16-base");

    [Fact]
    public void AsyncGrpoResumesExactlyWithTheBatchCollectedAhead()
    {
        // One-step off-policy: at each checkpoint the next batch was already sampled with the weights before it; the
        // resumed run trains on that batch (rollouts_ahead.json) instead of sampling it again with newer weights.
        KilledAndResumedEqualsUninterrupted("async", "model.safetensors", "--preset", "grpo", "--async-rollout");
        string whole = Directory.GetDirectories(f.Dir, "out-resume-async-whole-*").Single();
        JsonNode state = JsonNode.Parse(File.ReadAllText(Path.Combine(whole, "checkpoint-2", "rl_state.json")))!;
        Assert.Equal(1, (int)state["ahead_batches"]!);
        JsonNode batch = JsonNode.Parse(File.ReadAllText(Path.Combine(whole, "checkpoint-2", "rollouts_ahead.json")))!.AsArray().Single()!;
        Assert.Equal(3, (int)batch["iteration"]!);
        Assert.Equal(1, (long)batch["policy_version"]!);   // sampled during iteration 2's update, with version 1
    }

    [Fact]
    public void AnAsyncCheckpointResumedSynchronouslySamplesItsBatchAgain()
    {
        string first = Out("async-first"), resumed = Out("async-sync");
        var (code, stdout, stderr) = HybridProcess.Run(Rl(first, "--preset", "grpo", "--async-rollout", "--iterations", "4"));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Directory.CreateDirectory(resumed);
        File.Copy(Path.Combine(first, "metrics.jsonl"), Path.Combine(resumed, "metrics.jsonl"));
        (code, stdout, stderr) = HybridProcess.Run(Rl(resumed, "--preset", "grpo", "--iterations", "4", "--resume-from", Path.Combine(first, "checkpoint-2")));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        Assert.Contains("[rl] the checkpoint's 1 batch(es) collected ahead are older than this run's staleness bound (0) allows", stdout);
        var rows = File.ReadAllLines(Path.Combine(resumed, "metrics.jsonl")).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal([1, 2, 3, 4], rows.Select(r => (int)r["step"]!));
        Assert.All(rows.Skip(2), r => Assert.Equal(0, (double)r["async/staleness"]!));   // iteration 3's batch sampled again, with version 2
    }

    [Fact]
    public void ABatchCollectedAheadWithTokensOutsideTheVocabularyIsOneErrorLine()
    {
        string first = Out("async-bad");
        var (code, stdout, stderr) = HybridProcess.Run(Rl(first, "--preset", "grpo", "--async-rollout", "--iterations", "4"));
        Assert.True(code == 0, $"exit {code}\n{stdout}\n{stderr}");
        string file = Path.Combine(first, "checkpoint-2", "rollouts_ahead.json");
        JsonNode batches = JsonNode.Parse(File.ReadAllText(file))!;
        batches[0]!["groups"]![0]!["samples"]![0]!["response_ids"]![0] = 1_000_000;
        File.WriteAllText(file, batches.ToJsonString());
        // Checked before the output folder is claimed: resumed into a new folder, nothing is written.
        string resumed = Out("async-bad-resumed");
        (code, _, stderr) = HybridProcess.Run(Rl(resumed, "--preset", "grpo", "--async-rollout", "--iterations", "4", "--resume-from", Path.Combine(first, "checkpoint-2")));
        Assert.Equal(2, code);
        Assert.StartsWith($"error: {file}: batch for iteration 3: a sample has token ids outside the vocabulary",
            Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(Directory.Exists(resumed), "a refused resume created its output folder");
    }

    [Fact]
    public void PpoWithItsCriticAndAdaptiveKlResumesExactly()
    {
        // PPO's β adapts every iteration and its critic has its own optimizer: both must come back from the checkpoint.
        KilledAndResumedEqualsUninterrupted("ppo", "model.safetensors", "--preset", "ppo", "--lr", "1e-3");
        string whole = Directory.GetDirectories(f.Dir, "out-resume-ppo-whole-*").Single();
        JsonNode state = JsonNode.Parse(File.ReadAllText(Path.Combine(whole, "checkpoint-2", "rl_state.json")))!;
        Assert.NotEqual(0.2, (double)state["kl_coefficient"]!);   // moved from TRL's β₀ = 0.2 by two updates
        Assert.True(File.Exists(Path.Combine(whole, "checkpoint-2", "critic.safetensors")));
        Assert.True(File.Exists(Path.Combine(whole, "checkpoint-2", "critic_optimizer", "optimizer.safetensors")));
    }

    [Fact]
    public void ACheckpointThatDoesNotFitTheRunIsOneErrorLine()
    {
        string run = Out("source");
        KilledRun.Ok(HybridProcess.Run(Rl(run, "--iterations", "4")));
        string checkpoint = Path.Combine(run, "checkpoint-2");
        void Refused(string expected, params string[] flags)
        {
            string output = Out("refused");
            KilledRun.Refused(output, expected, Rl(output, flags));
        }
        Refused($"--resume-from {checkpoint}: the checkpoint was made by --preset grpo for 4 iterations with seed 3; this run has --preset grpo, 4 iterations and seed 4; resume with the same settings",
            "--iterations", "4", "--seed", "4", "--resume-from", checkpoint);
        Refused($"--resume-from {checkpoint}: the checkpoint was made by --preset grpo for 4 iterations with seed 3; this run has --preset dapo, 4 iterations and seed 3; resume with the same settings",
            "--iterations", "4", "--preset", "dapo", "--resume-from", checkpoint);
        Refused($"--resume-from {checkpoint}: the checkpoint holds full weights; resume without --lora-r", "--iterations", "4", "--lora-r", "4", "--resume-from", checkpoint);
        Refused($"--resume-from {f.Model}: {Path.Combine(f.Model, "rl_state.json")}: not found; --resume-from takes a checkpoint-{{iteration}} folder written by hybrid rl --save-steps",
            "--iterations", "4", "--resume-from", f.Model);
        Refused("--save-steps -1: must be ≥ 0 (0: the final model only)", "--iterations", "4", "--save-steps", "-1");

        // Other prompts: the same rows reordered are another file.
        string shuffled = Path.Combine(f.Dir, "prompts-reordered.jsonl");
        File.WriteAllLines(shuffled, File.ReadAllLines(f.Prompts).Reverse());
        string output = Out("other-data");
        var (otherCode, _, otherErr) = HybridProcess.Run(Rl(output, "--data", shuffled, "--iterations", "4", "--resume-from", checkpoint));
        Assert.Equal(2, otherCode);
        Assert.StartsWith($"error: --resume-from {checkpoint}: the checkpoint was trained on other prompts", otherErr.Trim());
    }
}
