// --save-total-limit through the CLI: sft and rl keep only the newest checkpoints, and the kept one still resumes exactly.
namespace Hybrid.Cli.Tests;

public sealed class SaveTotalLimitCliTests(CliFixture f) : IClassFixture<CliFixture>
{
    private string Out(string name) => Path.Combine(f.Dir, "out-limit-" + name + "-" + Guid.NewGuid().ToString("N")[..8]);

    private static void Ok((int ExitCode, string Stdout, string Stderr) r) => Assert.True(r.ExitCode == 0, $"exit {r.ExitCode}\nstdout: {r.Stdout}\nstderr: {r.Stderr}");

    private static string[] Checkpoints(string dir) => Directory.GetDirectories(dir, "checkpoint-*").Select(Path.GetFileName).Order().ToArray()!;

    [Fact]
    public void SftKeepsTheNewestCheckpointsAndTheKeptOneResumesExactly()
    {
        string[] Sft(string output, params string[] extra) =>
            ["sft", "--model", f.Model, "--data", f.SftData, "--out", output, "--max-steps", "10", "--batch-size", "2", "--save-steps", "2", "--seed", "1", .. extra];
        string all = Out("sft-all"), limited = Out("sft-limited");
        Ok(HybridProcess.Run(Sft(all)));
        Ok(HybridProcess.Run(Sft(limited, "--save-total-limit", "2")));
        Assert.Equal(["checkpoint-2", "checkpoint-4", "checkpoint-6", "checkpoint-8"], Checkpoints(all));
        Assert.Equal(["checkpoint-6", "checkpoint-8"], Checkpoints(limited));
        Assert.Equal(File.ReadAllBytes(Path.Combine(all, "model.safetensors")), File.ReadAllBytes(Path.Combine(limited, "model.safetensors")));

        File.Delete(Path.Combine(limited, "model.safetensors"));
        Ok(HybridProcess.Run(Sft(limited, "--save-total-limit", "2", "--resume-from", Path.Combine(limited, "checkpoint-6"))));
        Assert.Equal(File.ReadAllBytes(Path.Combine(all, "model.safetensors")), File.ReadAllBytes(Path.Combine(limited, "model.safetensors")));
        Assert.Equal(["checkpoint-6", "checkpoint-8"], Checkpoints(limited));
    }

    [Fact]
    public void RlKeepsTheNewestCheckpointsEvenTheOneItResumedFrom()
    {
        string[] Rl(string output, params string[] extra) =>
            ["rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--reward", "partial_credit", "--group-size", "4",
             "--prompts-per-iteration", "4", "--max-new-tokens", "4", "--iterations", "7", "--lr", "1e-2", "--save-steps", "2", .. extra];
        string all = Out("rl-all"), limited = Out("rl-limited");
        Ok(HybridProcess.Run(Rl(all)));
        Ok(HybridProcess.Run(Rl(limited, "--save-total-limit", "1")));
        Assert.Equal(["checkpoint-2", "checkpoint-4", "checkpoint-6"], Checkpoints(all));
        Assert.Equal(["checkpoint-6"], Checkpoints(limited));

        // Resumed from checkpoint-2 with a limit of 1, the run deletes that folder at its next checkpoint and must still
        // write every later checkpoint and its final model (tokenizer files come from --model, not the checkpoint).
        string resumed = Out("rl-resumed");
        Directory.CreateDirectory(resumed);
        CopyFolder(Path.Combine(all, "checkpoint-2"), Path.Combine(resumed, "checkpoint-2"));
        File.Copy(Path.Combine(all, "metrics.jsonl"), Path.Combine(resumed, "metrics.jsonl"));
        Ok(HybridProcess.Run(Rl(resumed, "--save-total-limit", "1", "--resume-from", Path.Combine(resumed, "checkpoint-2"))));
        Assert.Equal(["checkpoint-6"], Checkpoints(resumed));
        Assert.Equal(File.ReadAllBytes(Path.Combine(all, "model", "model.safetensors")), File.ReadAllBytes(Path.Combine(resumed, "model", "model.safetensors")));
        Assert.True(File.Exists(Path.Combine(resumed, "model", "tokenizer.json")));
    }

    private static void CopyFolder(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (string file in Directory.GetFiles(from)) File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        foreach (string dir in Directory.GetDirectories(from)) CopyFolder(dir, Path.Combine(to, Path.GetFileName(dir)));
    }

    [Theory]
    [InlineData("sft")]
    [InlineData("rl")]
    public void ALimitBelowOneIsOneErrorLine(string command)
    {
        string output = Out("bad-" + command);
        string[] args = command == "sft"
            ? ["sft", "--model", f.Model, "--data", f.SftData, "--out", output, "--max-steps", "2", "--save-total-limit", "0"]
            : ["rl", "--model", f.Model, "--data", f.Prompts, "--out", output, "--group-size", "2", "--iterations", "1", "--save-total-limit", "0"];
        var (code, stdout, stderr) = HybridProcess.Run(args);
        Assert.True(code == 2, $"exit {code}\nstdout: {stdout}\nstderr: {stderr}");
        Assert.Equal("error: --save-total-limit 0: must be >= 1 (the newest checkpoints kept; leave it out to keep every one)", Assert.Single(stderr.Split('\n', StringSplitOptions.RemoveEmptyEntries)));
        Assert.False(Directory.Exists(output));
    }
}
